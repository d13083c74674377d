#!/usr/bin/env node
// Load and faults on loopback (`make load`; `--quick` in `make test`).
//
// Starts its own servers — `wrangler dev --local` with an empty D1 in a temp
// dir (scripts/e2e-server.sh), the ticket-sink stand-in (e2e/receiver.mjs)
// and the scripted model (e2e/fake-llm.mjs) — drives them through the
// public API the widget uses, then counts what D1 stored. Two phases:
//
//   load    many visitors at once, each sending its turns one after the
//           other with an idempotency key per message (as the widget's
//           outbox does), one answered message sent again (a lost answer),
//           and a burst of handoffs, some sent twice at once with the same
//           key. Prints per endpoint the count and p50/p90/p99/max latency,
//           answers by status/code (429 on its own line: a rate limit is
//           not an error), and messages/tickets accepted vs stored vs
//           duplicated.
//   faults  a worker with a model: the model down, stalled, stalling
//           mid-answer, failing, sending garbage; a ticket sink failing,
//           hanging, and dead. Prints what the visitor saw and what was
//           stored and delivered.
//
//   live    idle widgets connected live (a WebSocket each, to a Durable
//           Object per conversation, hibernating): the D1 statements the
//           worker sends while they sit idle (0 expected), against as many
//           long polls held for the same time; then agent replies fanned
//           out to their widgets, p50/p99 from the reply request to the
//           socket's message.
//
// Exits non-zero when stored ≠ accepted, a duplicate exists, an answer was
// a 5xx or a fault was not handled. Fixed sizes, a time limit, and every
// server it started is stopped on exit, also on error or Ctrl+C.
//
//   node scripts/load.mjs [--quick] [--only load|faults|live] [--var NAME:VALUE]...
//
// --var goes to the load worker's `wrangler dev` (e.g. raised rate limits).
// Ports: FD_LOAD_PORT (default FD_E2E_PORT_BASE + 10, else 8798) and the
// next three. Timings are printed, never asserted.
import { spawn, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const EXTRA_VARS = args.flatMap((a, i) => (args[i - 1] === '--var' ? ['--var', a] : []));

/** Sizes: the full run (`make load`) and the reduced one CI runs. */
const SIZE = QUICK
  ? { visitors: 10, turns: 5, handoffs: 40, retried: 10, live: 100, polls: 50, replies: 10, idleMs: 5000 }
  : { visitors: 50, turns: 20, handoffs: 200, retried: 40, live: 1000, polls: 200, replies: 50, idleMs: 10000 };
/** Vars every load run gives its worker: limits raised above what the run
 * sends, so that a 429 shows a limit is lower than configured here. Every
 * client is one loopback address and one site; the limits are raised, not
 * turned off, so every request still goes through the limiter's Durable
 * Objects. */
const LOAD_VARS = [
  ['LIMIT_MESSAGES_VISITOR', 100],
  ['LIMIT_MESSAGES_IP', 1_000_000],
  ['LIMIT_MESSAGES_SITE', 1_000_000],
  ['LIMIT_TICKETS_VISITOR', 100],
  ['LIMIT_TICKETS_IP', 1_000_000],
  ['LIMIT_TICKETS_SITE', 1_000_000],
].flatMap(([k, v]) => ['--var', `${k}:${v}`]);
const TIME_LIMIT_MS = (QUICK ? 10 : 20) * 60_000;
const REQUEST_TIMEOUT_MS = 30_000;

const BASE = Number(process.env.FD_LOAD_PORT || Number(process.env.FD_E2E_PORT_BASE || 8788) + 10);
const PORT = { worker: BASE, llm: BASE + 1, receiver: BASE + 2, ai: BASE + 3 };
const url = (port) => `http://127.0.0.1:${port}`;
const AGENT_TOKEN = `load-${randomUUID()}`;
const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const STATE = mkdtempSync(path.join(tmpdir(), 'frontdesk-load-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('[load]', ...a);

// ---------------------------------------------------------------- servers

const children = new Set();

/** Starts a server in its own process group, so that stopping it also
 * stops what it started (wrangler's workerd). */
function start(name, command, cmdArgs, env = {}) {
  const child = spawn(command, cmdArgs, {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.label = name;
  child.tail = '';
  const keep = (d) => (child.tail = (child.tail + d).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', () => children.delete(child));
  children.add(child);
  return child;
}

function stop(child) {
  if (!children.has(child)) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {}
  children.delete(child);
}

function stopAll() {
  for (const c of [...children]) stop(c);
  rmSync(STATE, { recursive: true, force: true });
}
process.on('exit', stopAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
const deadline = setTimeout(() => {
  log(`time limit of ${TIME_LIMIT_MS / 60_000} min reached; stopping`);
  process.exit(2);
}, TIME_LIMIT_MS);

async function waitUp(child, probe, timeoutMs = 300_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!children.has(child)) throw new Error(`${child.label} exited:\n${child.tail}`);
    try {
      if ((await fetch(probe, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {}
    await sleep(300);
  }
  throw new Error(`${child.label} not up after ${timeoutMs / 1000} s:\n${child.tail}`);
}

/** A `wrangler dev` of the built worker with an empty D1 of its own. */
async function worker(name, port, vars) {
  const state = path.join(STATE, name);
  const child = start(name, 'bash', ['scripts/e2e-server.sh', String(port), state, ...vars]);
  await waitUp(child, `${url(port)}/healthz`);
  return { child, state, base: url(port) };
}

const receiverVars = (sinks) => [
  '--var', `WEBHOOK_URL:${url(PORT.receiver)}/webhook`,
  '--var', `WEBHOOK_SECRET:${WEBHOOK_SECRET}`,
  ...(sinks.includes('slack') ? ['--var', `SLACK_WEBHOOK_URL:${url(PORT.receiver)}/slack`] : []),
  '--var', 'DELIVERY_BACKOFF_SECS:0',
  '--var', `AGENT_TOKEN:${AGENT_TOKEN}`,
];

async function startReceiver() {
  const child = start('receiver', 'node', ['e2e/receiver.mjs', String(PORT.receiver)], { WEBHOOK_SECRET });
  await waitUp(child, `${url(PORT.receiver)}/__received`);
  return child;
}

async function startLlm() {
  const child = start('fake-llm', 'node', ['e2e/fake-llm.mjs', String(PORT.llm)]);
  await waitUp(child, `${url(PORT.llm)}/__requests`);
  return child;
}

/** Rows from a worker's local D1 (retried while the worker holds the file). */
function d1(state, sql) {
  for (let attempt = 1; ; attempt++) {
    try {
      const out = execFileSync(
        'wrangler',
        ['d1', 'execute', 'DB', '--local', '--persist-to', state, '--json', '--command', sql],
        { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      return JSON.parse(out)[0].results;
    } catch (e) {
      if (!/SQLITE_BUSY|database is locked/.test(String(e.message)) || attempt >= 5) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300 * attempt);
    }
  }
}
const one = (state, sql) => Object.values(d1(state, sql)[0])[0];

/** Polls `check` (bounded) until it returns a truthy value; returns the last value. */
async function until(check, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let v;
  while (!(v = await check()) && Date.now() < end) await sleep(500);
  return v;
}

// ---------------------------------------------------------------- requests

/** Latencies and outcomes per endpoint. */
const stats = new Map();
function record(endpoint, ms, outcome) {
  const s = stats.get(endpoint) ?? { ms: [], outcomes: new Map() };
  stats.set(endpoint, s);
  s.ms.push(ms);
  s.outcomes.set(outcome, (s.outcomes.get(outcome) ?? 0) + 1);
}

/** One POST of JSON; resolves with {status, body, ms, outcome} and never
 * throws: a network failure is status 0. */
async function post(base, endpoint, body, headers = {}) {
  const t0 = performance.now();
  let status = 0;
  let text = '';
  let retryAfter = null;
  try {
    const res = await fetch(base + endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    status = res.status;
    retryAfter = res.headers.get('retry-after');
    text = await res.text();
  } catch (e) {
    text = String(e.cause?.code ?? e.name ?? e);
  }
  const ms = performance.now() - t0;
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  const outcome = status === 0 ? `network (${text})` : json?.error ? `${status} ${json.error.code}` : String(status);
  return { status, json, text, ms, outcome, retryAfter };
}

/** Sends until the worker takes it, as the widget's outbox does: the same
 * body (and key) again after a network failure, a 5xx (up to 3 tries), a
 * 429 or a 409 message_in_progress (the same message still being answered)
 * after its Retry-After, at most 5 s. Every try is recorded. */
async function send(base, endpoint, body, name = endpoint) {
  let r;
  for (let attempt = 1; attempt <= 6; attempt++) {
    r = await post(base, endpoint, body);
    record(name, r.ms, r.outcome);
    if (r.status === 429 || r.json?.error?.code === 'message_in_progress') {
      await sleep(Math.min(5, Number(r.retryAfter) || 1) * 1000);
      continue;
    }
    if (r.status !== 0 && r.status < 500) return r;
    if (attempt >= 3) return r;
    await sleep(250 * 2 ** attempt);
  }
  return r;
}

/** Realistic questions: the ones the sample help centre's articles list. */
function questions() {
  const dir = path.join(ROOT, 'kb');
  const out = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.md'))) {
    const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(path.join(dir, f), 'utf8'))?.[1] ?? '';
    const list = /^questions:\n((?:\s+-\s.*\n?)+)/m.exec(front)?.[1] ?? '';
    for (const m of list.matchAll(/^\s+-\s+(.+)$/gm)) out.push(m[1].trim());
  }
  if (out.length < 20) throw new Error(`only ${out.length} questions found in kb/`);
  return out;
}

/** Runs `tasks` (functions returning promises) at most `n` at a time. */
async function pool(n, tasks) {
  const results = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

// ---------------------------------------------------------------- printing

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const f0 = (x) => (x === undefined ? '-' : x.toFixed(0));

function table(rows, header) {
  const all = [header, ...rows].map((r) => r.map(String));
  const w = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => '| ' + r.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |';
  return [line(all[0]), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...all.slice(1).map(line)].join('\n');
}

function latencyTable() {
  const rows = [...stats].map(([name, s]) => {
    const sorted = [...s.ms].sort((a, b) => a - b);
    const answers = [...s.outcomes].sort((a, b) => b[1] - a[1]).map(([o, n]) => `${o}×${n}`).join(', ');
    return [name, sorted.length, f0(pct(sorted, 50)), f0(pct(sorted, 90)), f0(pct(sorted, 99)), f0(sorted.at(-1)), answers];
  });
  return table(rows, ['endpoint', 'requests', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'answers (status code × count)']);
}

/** Answers that are neither success nor a rate limit, per endpoint. */
function unexpected() {
  const bad = [];
  for (const [name, s] of stats)
    for (const [o, n] of s.outcomes) if (!/^(200|201|429|409 message_in_progress)\b/.test(o)) bad.push(`${name}: ${o} × ${n}`);
  return bad;
}

// ---------------------------------------------------------------- load

async function loadPhase() {
  const receiver = await startReceiver();
  const vars = [...receiverVars(['webhook', 'slack']), ...LOAD_VARS, ...EXTRA_VARS];
  log(`starting the load worker on ${url(PORT.worker)} (vars: ${vars.filter((v) => v !== '--var').join(' ')})`);
  const w = await worker('load', PORT.worker, vars);
  const qs = questions();
  const pick = (i) => qs[i % qs.length];
  // One turn to start the isolate and load the help index; not counted.
  const warm = await post(w.base, '/api/v1/chat', { message: 'hello' });
  log(`warm-up turn: ${warm.status} in ${f0(warm.ms)} ms`);

  const accepted = new Set(); // idempotency keys of messages the worker took
  const conversations = new Set();
  let replayMismatch = 0;
  const chatTurn = async (body, name) => {
    const r = await send(w.base, '/api/v1/chat', body, name);
    if (r.status === 200) {
      accepted.add(body.idempotency_key);
      conversations.add(r.json.conversation_id);
    }
    return r;
  };

  const t0 = performance.now();
  log(`${SIZE.visitors} visitors × ${SIZE.turns} turns, all at once`);
  await Promise.all(
    Array.from({ length: SIZE.visitors }, async (_, v) => {
      let conversation_id;
      for (let t = 0; t < SIZE.turns; t++) {
        const body = {
          ...(conversation_id && { conversation_id }),
          message: pick(v * 7 + t * 3),
          page_url: `https://example.com/load/${v}`,
          locale: 'en',
          idempotency_key: randomUUID(),
        };
        // A few visitors' third turn is sent twice at once (a retry racing
        // the original, e.g. after a dropped connection): one message.
        const twice = t === 2 && v < SIZE.visitors / 5;
        const rs = await Promise.all(
          Array.from({ length: twice ? 2 : 1 }, () => chatTurn(body, twice ? '/api/v1/chat (twice at once)' : undefined)),
        );
        const ids = new Set(rs.filter((x) => x.status === 200).map((x) => x.json.message_id));
        if (ids.size > 1) replayMismatch++;
        const r = rs.find((x) => x.status === 200) ?? rs[0];
        if (r.status !== 200) continue;
        conversation_id = r.json.conversation_id;
        // Every visitor's second turn is sent once more, as the outbox does
        // when an answer was lost: the same reply, nothing stored again.
        if (t === 1) {
          const again = await send(w.base, '/api/v1/chat', body, '/api/v1/chat (repeat)');
          if (again.json?.message_id !== r.json.message_id) replayMismatch++;
        }
      }
    }),
  );
  const chatSecs = (performance.now() - t0) / 1000;

  log(`${SIZE.handoffs} handoffs at once, ${SIZE.retried} of them sent twice at once with the same key`);
  // Each from a conversation with one question, opened first.
  const opened = await pool(SIZE.visitors, Array.from({ length: SIZE.handoffs }, (_, i) => async () => {
    const r = await chatTurn({ message: pick(i * 5 + 1), idempotency_key: randomUUID() });
    return r.json?.conversation_id;
  }));
  const tickets = new Map(); // idempotency key -> reference
  let retryMismatch = 0;
  const t1 = performance.now();
  await Promise.all(
    opened.map(async (conversation_id, i) => {
      const body = {
        ...(conversation_id && { conversation_id }),
        email: `visitor${i}@example.com`,
        note: `Load test handoff ${i}`,
        idempotency_key: `load-${randomUUID()}`,
      };
      const tries = i < SIZE.retried ? 2 : 1;
      const rs = await Promise.all(Array.from({ length: tries }, () => send(w.base, '/api/v1/handoff', body)));
      const refs = new Set(rs.filter((r) => r.status === 200 || r.status === 201).map((r) => r.json.reference));
      if (refs.size > 1) retryMismatch++;
      if (refs.size) tickets.set(body.idempotency_key, [...refs][0]);
    }),
  );
  const handoffSecs = (performance.now() - t1) / 1000;

  // What D1 holds: every accepted message and ticket once, nothing more.
  const visitorRows = one(w.state, "SELECT COUNT(*) FROM messages WHERE role = 'visitor' AND idempotency_key IS NOT NULL");
  const distinctKeys = one(w.state, "SELECT COUNT(DISTINCT idempotency_key) FROM messages WHERE role = 'visitor' AND idempotency_key IS NOT NULL");
  // Every keyed visitor message has exactly one bot reply after it (the
  // warm-up turn has no key).
  const botRows = one(w.state, "SELECT COUNT(*) FROM messages WHERE role = 'bot'") - 1;
  const storedKeys = new Set(
    d1(w.state, "SELECT idempotency_key AS k FROM messages WHERE idempotency_key IS NOT NULL").map((r) => r.k),
  );
  const lostMessages = [...accepted].filter((k) => !storedKeys.has(k)).length;
  const ticketRows = d1(w.state, "SELECT reference, idempotency_key AS k FROM tickets WHERE idempotency_key LIKE 'load-%'");
  const byKey = new Map(ticketRows.map((r) => [r.k, r.reference]));
  const lostTickets = [...tickets].filter(([k, ref]) => byKey.get(k) !== ref).length;
  const ticketDupes = ticketRows.length - byKey.size +
    one(w.state, 'SELECT COUNT(*) FROM (SELECT conversation_id FROM tickets GROUP BY conversation_id HAVING COUNT(*) > 1)');
  const storedConversations = one(w.state, 'SELECT COUNT(*) FROM conversations') - 1;

  // Deliveries through the queue: every ticket's, to the webhook and Slack.
  const settled = await until(
    () => one(w.state, "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'") === 0,
    QUICK ? 60_000 : 180_000,
  );
  const deliveries = Object.fromEntries(
    d1(w.state, 'SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status').map((r) => [r.status, r.n]),
  );

  let rateLimited = 0;
  for (const s of stats.values()) for (const [o, n] of s.outcomes) if (/^429\b/.test(o)) rateLimited += n;
  const totals = [
    ['chat messages', accepted.size, visitorRows, visitorRows - distinctKeys, lostMessages],
    ['bot replies', accepted.size, botRows, botRows - accepted.size > 0 ? botRows - accepted.size : 0, Math.max(0, accepted.size - botRows)],
    ['conversations', conversations.size, storedConversations, Math.max(0, storedConversations - conversations.size), Math.max(0, conversations.size - storedConversations)],
    ['tickets', tickets.size, ticketRows.length, ticketDupes, lostTickets],
  ];
  console.log(`\n## Load (${QUICK ? 'quick' : 'full'}): ${SIZE.visitors} visitors × ${SIZE.turns} turns, ${SIZE.handoffs} handoffs (${SIZE.retried} sent twice at once)\n`);
  console.log(latencyTable());
  console.log(
    `\nchat phase ${chatSecs.toFixed(1)} s (${(SIZE.visitors * SIZE.turns / chatSecs).toFixed(0)} turns/s), ` +
      `handoff burst ${handoffSecs.toFixed(1)} s; 429 (rate limited, retried after Retry-After): ${rateLimited}\n`,
  );
  console.log(table(totals.map((r) => r.map(String)), ['what', 'accepted', 'stored', 'duplicates', 'lost']));
  console.log(
    `\nrepeated messages given another reply: ${replayMismatch}; handoff pairs given two references: ${retryMismatch}` +
      `\ndeliveries: ${JSON.stringify(deliveries)}${settled ? '' : ' (still pending at the time limit)'}`,
  );

  const failures = [
    ...unexpected(),
    ...totals.filter(([, a, s, d, l]) => a !== s || d > 0 || l > 0).map(([what, a, s, d, l]) => `${what}: accepted ${a}, stored ${s}, duplicates ${d}, lost ${l}`),
    ...(accepted.size !== SIZE.visitors * SIZE.turns + SIZE.handoffs ? [`only ${accepted.size} of ${SIZE.visitors * SIZE.turns + SIZE.handoffs} messages accepted`] : []),
    ...(tickets.size !== SIZE.handoffs ? [`only ${tickets.size} of ${SIZE.handoffs} handoffs accepted`] : []),
    ...(replayMismatch ? [`${replayMismatch} repeated messages got a different reply`] : []),
    ...(retryMismatch ? [`${retryMismatch} handoff pairs got two references`] : []),
    ...(!settled || deliveries.dead ? [`deliveries not all delivered: ${JSON.stringify(deliveries)}`] : []),
  ];
  stop(w.child);
  stop(receiver);
  return failures;
}

// ---------------------------------------------------------------- faults

/** A chat turn as the widget sends it (server-sent events); what the
 * visitor is shown in the end: the `done` event's reply, or the error. */
async function widgetTurn(base, message) {
  const key = randomUUID();
  const t0 = performance.now();
  const out = { key, status: 0, events: [], deltas: 0 };
  try {
    const res = await fetch(`${base}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ message, locale: 'en', idempotency_key: key }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    out.status = res.status;
    const text = await res.text();
    if (!/event-stream/.test(res.headers.get('content-type') || '')) {
      out.done = JSON.parse(text);
    } else {
      for (const block of text.split('\n\n').filter(Boolean)) {
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        out.events.push(name);
        if (name === 'delta') out.deltas++;
        if (name === 'done') out.done = JSON.parse(data);
      }
    }
  } catch (e) {
    out.error = String(e.cause?.code ?? e);
  }
  out.ms = performance.now() - t0;
  return out;
}

const excerpt = (s, n = 48) => (s.length > n ? s.slice(0, n - 1) + '…' : s).replace(/\n/g, ' ');

async function faultsPhase() {
  const receiver = await startReceiver();
  let llm = await startLlm();
  const llmMode = (mode) =>
    fetch(`${url(PORT.llm)}/__mode`, { method: 'POST', body: JSON.stringify({ mode }) });
  const sinkFail = (times, hang_ms = 0) =>
    fetch(`${url(PORT.receiver)}/__fail`, { method: 'POST', body: JSON.stringify({ path: '/webhook', times, hang_ms }) });
  log(`starting the model-backed worker on ${url(PORT.ai)}`);
  const w = await worker('faults', PORT.ai, [
    '--var', 'AI_PROVIDER:openai',
    '--var', `AI_BASE_URL:${url(PORT.llm)}/v1`,
    '--var', 'AI_MODEL:fake-model', '--var', 'AI_API_KEY:test-key',
    '--var', 'AI_TTFT_MS:1500', '--var', 'AI_STALL_MS:2000', '--var', 'AI_SUMMARY_MS:3000',
    ...receiverVars(['webhook']),
    '--var', 'DELIVERY_TIMEOUT_MS:2000',
    ...LOAD_VARS,
    ...EXTRA_VARS,
  ]);
  await post(w.base, '/api/v1/chat', { message: 'hello' }); // warm-up
  const MODEL_TEXT = 'Open the note and choose ⋯ → Export, then pick PDF [1].';
  const question = 'how do I export all my notes';

  const rows = [];
  const failures = [];
  const keys = []; // the scenarios' message keys, counted in D1 at the end
  /** One scenario: a turn and a handoff; checks the visitor saw a reply,
   * the message, reply and ticket are in D1, and the ticket's webhook
   * delivery ends as `expect` says. */
  const scenario = async (name, { model, sink = 'delivered', builtin = true }) => {
    const turn = await widgetTurn(w.base, question);
    const reply = turn.done?.reply;
    const hand = await post(w.base, '/api/v1/handoff', {
      conversation_id: turn.done?.conversation_id,
      email: 'faults@example.com',
      idempotency_key: `fault-${randomUUID()}`,
    });
    keys.push(turn.key);
    const ref = hand.json?.reference;
    // The ticket as the agent reads it: conversation and deliveries, once
    // the webhook delivery is no longer pending.
    const show = async () => {
      const res = await fetch(`${w.base}/api/v1/agent/tickets/${ref}`, {
        headers: { authorization: `Bearer ${AGENT_TOKEN}` },
      });
      return res.ok ? res.json() : null;
    };
    let agentView = null;
    await until(async () => {
      agentView = ref ? await show() : null;
      return agentView?.deliveries.some((d) => d.status !== 'pending');
    }, 60_000);
    const conv = agentView?.conversation ?? [];
    const asked = conv.findIndex((e) => e.role === 'visitor' && e.text === question);
    const stored = conv.filter((e) => e.role === 'visitor' && e.text === question).length === 1 &&
      conv.slice(asked + 1).filter((e) => e.role === 'bot').length === 1 ? 1 : 0;
    const ticket = agentView ? 1 : 0;
    const delivery = agentView?.deliveries.find((d) => d.sink === 'webhook');
    const problems = [];
    if (turn.status !== 200 || !reply?.text) problems.push(`visitor got ${turn.status} ${turn.error ?? ''} without a reply`);
    if (reply && builtin === (reply.text === MODEL_TEXT)) problems.push(builtin ? 'the model text got through' : 'the model was not used');
    if (stored !== 1) problems.push(`message+reply stored ${stored} times`);
    if (hand.status !== 201 || ticket !== 1) problems.push(`handoff ${hand.outcome}, ticket rows ${ticket}`);
    if (delivery?.status !== sink) problems.push(`delivery ${delivery?.status ?? 'missing'}, expected ${sink}`);
    rows.push([
      name,
      model,
      `${turn.status} ${turn.events.join(',').replace(/(delta,)+/, `delta×${turn.deltas},`)}`,
      reply ? `${reply.decision}: “${excerpt(reply.text)}”` : turn.error ?? '-',
      f0(turn.ms),
      stored === 1 ? 'yes' : `NO (${stored})`,
      `${hand.status} ${ref ?? hand.outcome}`,
      delivery
        ? `${delivery.status} after ${delivery.attempts}${delivery.status === 'dead' ? ` (${excerpt(delivery.last_error ?? '', 24)})` : ''}`
        : 'none',
      problems.length ? 'FAIL' : 'ok',
    ]);
    failures.push(...problems.map((p) => `${name}: ${p}`));
  };

  const models = [
    ['model answers (control)', 'answer', 'streamed answer', false],
    ['model slow: no first word', 'stall', 'headers never sent (TTFT 1.5 s)', true],
    ['model stalls mid-answer', 'stall_mid', '2 words, then silence (stall 2 s)', true],
    ['model fails', 'error', 'HTTP 500', true],
    ['model garbage: broken SSE', 'garbage', 'SSE of non-JSON', true],
    ['model garbage: wrong shape', 'wrong_shape', 'SSE JSON, not a chunk', true],
    ['model garbage: HTML page', 'html', '200 text/html', true],
  ];
  for (const [name, mode, what, builtin] of models) {
    await llmMode(mode);
    log(name);
    await scenario(name, { model: what, builtin });
  }
  log('model down');
  stop(llm);
  await sleep(500);
  await scenario('model down', { model: 'connection refused', builtin: true });
  llm = await startLlm();

  log('sink faults');
  await sinkFail(2);
  await scenario('sink fails twice', { model: 'webhook: 500, 500, then 200', builtin: false });
  await sinkFail(2, 5000);
  await scenario('sink hangs past the 2 s timeout, twice', { model: 'webhook: 5 s silence ×2, then 200', builtin: false });
  await sinkFail(1000);
  await scenario('sink down for good', { model: 'webhook: 500 every time', builtin: false, sink: 'dead' });
  await sinkFail(0);

  // Straight from D1: each scenario's message once, its ticket once.
  const inD1 = one(w.state, `SELECT COUNT(*) FROM messages WHERE idempotency_key IN (${keys.map((k) => `'${k}'`).join(',')})`);
  const ticketsInD1 = one(w.state, "SELECT COUNT(*) FROM tickets WHERE idempotency_key LIKE 'fault-%'");
  if (inD1 !== keys.length || ticketsInD1 !== keys.length)
    failures.push(`D1 holds ${inD1} of ${keys.length} messages and ${ticketsInD1} tickets`);
  console.log('\n## Faults: what the visitor saw, what was stored and delivered\n');
  console.log(
    table(rows, ['fault', 'model / sink did', 'visitor got', 'reply shown', 'ms', 'stored', 'handoff', 'webhook delivery', 'result']),
  );
  console.log(`\nD1: ${inD1} of ${keys.length} messages, ${ticketsInD1} of ${keys.length} tickets`);
  stop(w.child);
  stop(llm);
  stop(receiver);
  return failures;
}

// ---------------------------------------------------------------- live

async function livePhase() {
  const failures = [];
  const w = await worker('live', PORT.worker, [
    ...LOAD_VARS,
    '--var', `AGENT_TOKEN:${AGENT_TOKEN}`,
    ...[['LIMIT_READS_IP', 1_000_000], ['LIMIT_READS_SITE', 1_000_000], ['LIMIT_POLLS_IP', 1_000_000_000], ['LIMIT_POLLS_SITE', 1_000_000_000]]
      .flatMap(([k, v]) => ['--var', `${k}:${v}`]),
    ...EXTRA_VARS,
  ]);
  const statements = async () => (await (await fetch(`${w.base}/healthz`)).json()).d1_statements;
  log(`live: ${SIZE.live} conversations`);
  const made = await pool(8, Array.from({ length: SIZE.live }, () => () => send(w.base, '/api/v1/chat', { message: 'hello' }, 'live: chat')));
  const ids = made.map((r) => r.json?.conversation_id).filter(Boolean);
  if (ids.length !== SIZE.live) failures.push(`live: ${ids.length} of ${SIZE.live} conversations made`);
  const tickets = await pool(8, ids.slice(0, SIZE.replies).map((id, i) => () =>
    send(w.base, '/api/v1/handoff', { conversation_id: id, email: `live${i}@example.com` }, 'live: handoff')));

  // One WebSocket per conversation, as many open widgets.
  log(`live: connecting ${ids.length} WebSockets`);
  const sockets = new Map();
  const connectMs = [];
  await pool(50, ids.map((id) => () => new Promise((resolve) => {
    const t0 = performance.now();
    const ws = new WebSocket(`ws://127.0.0.1:${PORT.worker}/api/v1/conversations/${id}/live?after=0`);
    const got = [];
    ws.onmessage = (e) => got.push({ at: performance.now(), event: JSON.parse(String(e.data)) });
    ws.onopen = () => {
      connectMs.push(performance.now() - t0);
      sockets.set(id, { ws, got });
      resolve();
    };
    ws.onerror = () => resolve();
  })));
  if (sockets.size !== ids.length) failures.push(`live: ${sockets.size} of ${ids.length} WebSockets opened`);

  // Idle: nobody speaks. The statements the worker sends meanwhile.
  await sleep(1000);
  const before = await statements();
  await sleep(SIZE.idleMs);
  const idle = (await statements()) - before;
  if (idle !== 0) failures.push(`live: ${idle} D1 statements while ${sockets.size} connections were idle`);

  // The same wait by long polling, for comparison: as many held requests
  // as the machine takes comfortably (each looks at D1 every 0.5–2 s).
  log(`live: ${SIZE.polls} long polls held for ${SIZE.idleMs / 1000} s, for comparison`);
  const polled = await statements();
  await pool(SIZE.polls, ids.slice(-SIZE.polls).map((id) => async () => {
    try {
      await fetch(`${w.base}/api/v1/conversations/${id}/replies?after=0&wait=${Math.round(SIZE.idleMs / 1000)}`,
        { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch {}
  }));
  const pollStatements = (await statements()) - polled;

  // Fan-out: an agent reply to each ticket; the time to its widget's socket.
  const fanout = [];
  for (const [i, t] of tickets.entries()) {
    const reference = t.json?.reference;
    const socket = sockets.get(ids[i]);
    if (!reference || !socket) continue;
    const t0 = performance.now();
    const r = await post(w.base, `/api/v1/agent/tickets/${reference}/reply`, { text: `Reply ${i}` }, { authorization: `Bearer ${AGENT_TOKEN}` });
    record('live: agent reply', r.ms, r.outcome);
    const end = Date.now() + 5000;
    while (!socket.got.some((g) => g.event.type === 'message') && Date.now() < end) await sleep(5);
    const got = socket.got.find((g) => g.event.type === 'message');
    if (got) fanout.push(got.at - t0);
    else failures.push(`live: reply ${i} never reached its socket`);
  }
  for (const { ws } of sockets.values()) ws.close();
  const connect = [...connectMs].sort((a, b) => a - b);
  const out = [...fanout].sort((a, b) => a - b);
  console.log('\n## Live connections (WebSocket on a Durable Object per conversation)\n');
  console.log(table([
    ['connect (upgrade → open)', connect.length, f0(pct(connect, 50)), f0(pct(connect, 99)), f0(connect.at(-1))],
    ['agent reply → widget socket', out.length, f0(pct(out, 50)), f0(pct(out, 99)), f0(out.at(-1))],
  ], ['what', 'count', 'p50 ms', 'p99 ms', 'max ms']));
  console.log(
    `\nidle ${SIZE.idleMs / 1000} s with ${sockets.size} open WebSockets: ${idle} D1 statements` +
      `\nthe same wait as ${SIZE.polls} long polls: ${pollStatements} D1 statements`,
  );
  stop(w.child);
  return failures;
}

// ---------------------------------------------------------------- main

try {
  const failures = [];
  if (!ONLY || ONLY === 'load') failures.push(...(await loadPhase()));
  if (!ONLY || ONLY === 'faults') failures.push(...(await faultsPhase()));
  if (!ONLY || ONLY === 'live') failures.push(...(await livePhase()));
  clearTimeout(deadline);
  if (failures.length) {
    console.log(`\nFAILED:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log('\nall checks passed');
  }
} catch (e) {
  log(e.stack ?? e);
  process.exitCode = 1;
} finally {
  stopAll();
  process.exit(process.exitCode ?? 0);
}
