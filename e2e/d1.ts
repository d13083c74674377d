import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** Runs SQL against the local D1 the e2e server uses; returns the rows. */
export function d1<T = Record<string, unknown>>(sql: string): T[] {
  const out = execFileSync(
    'wrangler',
    ['d1', 'execute', 'DB', '--local', '--persist-to', '.wrangler/e2e', '--json', '--command', sql],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return JSON.parse(out)[0].results as T[];
}
