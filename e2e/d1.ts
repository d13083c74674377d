import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** Runs SQL against the local D1 an e2e server uses (by default the main
 * one; the generator tests' server keeps its own); returns the rows. */
export function d1<T = Record<string, unknown>>(sql: string, state = '.wrangler/e2e'): T[] {
  // The running worker may hold the SQLite file for a moment (SQLITE_BUSY):
  // try again, a bounded number of times.
  for (let attempt = 1; ; attempt++) {
    try {
      const out = execFileSync(
        'wrangler',
        ['d1', 'execute', 'DB', '--local', '--persist-to', state, '--json', '--command', sql],
        { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      return JSON.parse(out)[0].results as T[];
    } catch (e) {
      const busy = /SQLITE_BUSY|database is locked/.test(String((e as Error).message));
      if (!busy || attempt >= 5) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300 * attempt);
    }
  }
}
