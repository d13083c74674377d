import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** Runs SQL against the local D1 an e2e server uses (by default the main
 * one; the generator tests' server keeps its own); returns the rows. */
export function d1<T = Record<string, unknown>>(sql: string, state = '.wrangler/e2e'): T[] {
  const out = execFileSync(
    'wrangler',
    ['d1', 'execute', 'DB', '--local', '--persist-to', state, '--json', '--command', sql],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return JSON.parse(out)[0].results as T[];
}
