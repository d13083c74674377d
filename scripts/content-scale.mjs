// A help centre of 10,000 articles (the bundled ones among them) on `wrangler dev` (wasm, local D1
// and R2), through the admin API as a site owner would upload it: prints each
// upload's segments, rebuilt segments, build time and wall time, then the
// update of one article, then of one article in every segment, then what a
// fresh load of the stored index costs an isolate (the worker's own log
// line), and a question's latency.
//
//   . scripts/tools.sh && bash scripts/build.sh && node scripts/content-scale.mjs [ARTICLES]
//
// Loopback only; its own D1 and R2 state (.wrangler/scale), port 8797. Prints; asserts
// only that every request succeeds.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ARTICLES = Number(process.argv[2] ?? 10_000);
const PART = 2_000;
const PORT = 8797;
const BASE = `http://127.0.0.1:${PORT}`;
const STATE = '.wrangler/scale';
const LOG = '/tmp/frontdesk-content-scale.log';
const TOKEN = 'admin-scale-token';
const SECRETS = join(ROOT, '.wrangler', 'scale.vars');
const ADMIN = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `n` articles of made-up words (deterministic), about 3.5 KB each. */
function filler(n) {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const syllables = ['ka', 'lo', 'mi', 'ne', 'su', 'ta', 'ri', 'vo', 'pe', 'zu', 'ga', 'do', 'fi', 'hu'];
  const word = () => Array.from({ length: 2 + (next() % 3) }, () => syllables[next() % syllables.length]).join('');
  const words = (k) => Array.from({ length: k }, word).join(' ');
  return Array.from({ length: n }, (_, i) => ({
    slug: `scale-${i}`,
    source: `---\ntitle: ${words(4)}\nurl: /help/scale-${i}\nlang: en\n---\n${words(150)}\n\n## ${words(3)}\n${words(150)}\n\n## ${words(3)}\n${words(150)}\n`,
  }));
}

async function put(articles) {
  const t0 = performance.now();
  const res = await fetch(`${BASE}/api/v1/admin/content`, {
    method: 'PUT',
    headers: ADMIN,
    body: JSON.stringify({ articles }),
    signal: AbortSignal.timeout(600_000),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`PUT: ${res.status} ${JSON.stringify(body)}`);
  return { ...body, wall_ms: Math.round(performance.now() - t0) };
}

async function ask(message) {
  const t0 = performance.now();
  const res = await fetch(`${BASE}/api/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`chat: ${res.status} ${JSON.stringify(body)}`);
  return { ms: Math.round(performance.now() - t0), decision: body.reply?.decision ?? body.decision };
}

const loads = () => readFileSync(LOG, 'utf8').match(/content version \d+ loaded: .*/g) ?? [];

writeFileSync(SECRETS, `ADMIN_TOKEN=${TOKEN}\n`);
const server = spawn('bash', ['scripts/e2e-server.sh', String(PORT), STATE, '--env-file', SECRETS], {
  cwd: ROOT,
  env: { ...process.env, FD_E2E_LOG: LOG },
  stdio: 'ignore',
  detached: true,
});
const stop = () => {
  try {
    process.kill(-server.pid);
  } catch {}
};
process.on('exit', stop);
try {
  for (let i = 0; ; i++) {
    if (i === 240) throw new Error(`wrangler dev did not start; see ${LOG}`);
    try {
      if ((await fetch(`${BASE}/healthz`)).ok) break;
    } catch {}
    await sleep(500);
  }
  // The bundled articles count toward the help centre's ARTICLES.
  const listed = await (await fetch(`${BASE}/api/v1/admin/content`, { headers: ADMIN })).json();
  const all = filler(ARTICLES - listed.articles.length);
  for (let from = 0; from < all.length; from += PART) {
    const r = await put(all.slice(from, from + PART));
    console.log(
      `upload of ${Math.min(PART, all.length - from)}: ${r.articles} articles in ${r.segments} segments, ` +
        `${r.rebuilt} rebuilt (${(r.index_bytes / 1e6).toFixed(1)} MB) in ${r.build_ms} ms of build, ${r.wall_ms} ms in all`,
    );
  }
  const one = await put([{ ...all[0], source: all[0].source.replace('##', '## changed') }]);
  console.log(
    `one article changed: ${one.rebuilt} of ${one.segments} segments rebuilt in ${one.build_ms} ms of build, ${one.wall_ms} ms in all`,
  );
  // One article in each part of the help centre: every segment rebuilt in
  // one request (the most CPU an update of this help centre takes).
  const spread = [0, 2500, 4500, 6500, 8500]
    .filter((i) => i < all.length)
    .map((i) => ({ ...all[i], source: all[i].source.replace('##', '## changed again') }));
  const every = await put(spread);
  console.log(
    `${spread.length} articles changed across the help centre: ${every.rebuilt} of ${every.segments} segments rebuilt ` +
      `in ${every.build_ms} ms of build, ${every.wall_ms} ms in all`,
  );
  // A fresh load, as another isolate would do it: a newer version in D1.
  const [{ version }] = JSON.parse(
    execFileSync('wrangler', ['d1', 'execute', 'DB', '--local', '--persist-to', STATE, '--json', '--command',
      'SELECT version FROM content_version WHERE id = 1'], { cwd: ROOT, encoding: 'utf8' }),
  )[0].results;
  execFileSync('wrangler', ['d1', 'execute', 'DB', '--local', '--persist-to', STATE, '--command',
    `UPDATE content_version SET version = ${version + 1} WHERE id = 1`], { cwd: ROOT, stdio: 'ignore' });
  await sleep(5_500);
  const before = loads().length;
  const first = await ask('how do I reset my password');
  console.log(`first question after the new version: ${first.ms} ms (${first.decision}), ${loads().slice(before).join('; ')}`);
  const times = [];
  for (let i = 0; i < 10; i++) times.push((await ask('my notes are not syncing')).ms);
  times.sort((a, b) => a - b);
  console.log(`then a question: ${times[0]}–${times[times.length - 1]} ms (median ${times[5]})`);
} finally {
  stop();
}
