// The demo order API and verifyFrontdesk, against requests signed here by a
// signer of their own (not verify.mjs's code). Run: node --test demo/api/
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createServer, MAX_BODY } from './orders.mjs';
import { verifyFrontdesk } from './verify.mjs';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_SECRET = 'whsec_' + Buffer.alloc(24, 7).toString('base64');
const ORDERS = fileURLToPath(new URL('./orders.mjs', import.meta.url));

// Standard Webhooks: v1, + base64 HMAC-SHA256 of `${id}.${timestamp}.${content}`,
// keyed with the base64-decoded part of the secret after `whsec_`.
function sign(secret, id, timestamp, content) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return 'v1,' + createHmac('sha256', key).update(`${id}.${timestamp}.${content}`).digest('base64');
}

const now = () => Math.floor(Date.now() / 1000);
let attempts = 0;
const newId = () => `act_t${++attempts}`;

// A request as the worker sends it. `envelope` overrides envelope fields;
// `headers` overrides headers after signing (undefined removes one).
function signed({ method = 'GET', path, user = 'demo-alice', params = {}, secret = SECRET, ts = now(), id = newId(), envelope = {}, headers = {} }) {
  const env = { attempt: id, action: method === 'GET' ? 'order_status' : 'cancel_order', method, path, user, params, ...envelope };
  const json = JSON.stringify(env);
  const h = { 'webhook-id': id, 'webhook-timestamp': String(ts) };
  let content, body;
  if (method === 'GET') {
    content = Buffer.from(json).toString('base64url');
    h['frontdesk-request'] = content;
  } else {
    content = body = json;
    h['content-type'] = 'application/json';
    h['idempotency-key'] = id;
  }
  h['webhook-signature'] = sign(secret, id, ts, content);
  return { method, path, headers: { ...h, ...headers }, body, id, ts };
}

let server, port;
const logs = [];

function send({ method, path, headers = {}, body }) {
  const clean = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: clean, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const stats = async () => (await send({ method: 'GET', path: '/__stats' })).json;
const getOrder = (order, user = 'demo-alice') => send(signed({ path: `/orders/${order}`, user, params: { order } }));
const cancel = (order, opts = {}) => signed({ method: 'POST', path: `/orders/${order}/cancel`, params: { order }, ...opts });

before(async () => {
  server = createServer(SECRET, { log: (line) => logs.push(line) });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  port = server.address().port;
});
after(() => new Promise((r) => server.close(r)));
beforeEach(() => server.reset());

test('fixed vector (the Rust side asserts the same value)', () => {
  const sig = sign(SECRET, 'act_test', 1700000000, '{"a":1}');
  console.log(`fixed vector: ${sig}`);
  assert.equal(sig, 'v1,jRH6eX6hCDvhhksa6tFPJd2BI4awpRsqhB/EUaPcfqA=');
  // And the signer reproduces the Standard Webhooks specification's example.
  assert.equal(sign(SECRET, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'), 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});

test('verifyFrontdesk: tolerance edges, bad secrets, Fetch Headers', () => {
  const body = '{"attempt":"act_v","method":"POST","path":"/p","user":"u"}';
  const headers = (ts) => ({ 'webhook-id': 'act_v', 'webhook-timestamp': String(ts), 'webhook-signature': sign(SECRET, 'act_v', ts, body) });
  const T = 1700000000;
  assert.equal(verifyFrontdesk(SECRET, headers(T - 300), body, 'POST', '/p', T).user, 'u');
  assert.equal(verifyFrontdesk(SECRET, headers(T + 300), Buffer.from(body), 'POST', '/p', T).user, 'u');
  assert.throws(() => verifyFrontdesk(SECRET, headers(T - 301), body, 'POST', '/p', T), /timestamp/);
  assert.throws(() => verifyFrontdesk(SECRET, headers(T + 301), body, 'POST', '/p', T), /timestamp/);
  assert.equal(verifyFrontdesk(SECRET, new Headers(headers(T)), body, 'POST', '/p', T).attempt, 'act_v');
  for (const bad of [undefined, '', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_!!!', 'whsec_c2hvcnQ=', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS']) {
    assert.throws(() => verifyFrontdesk(bad, headers(T), body, 'POST', '/p', T), /bad secret/, String(bad));
  }
  assert.throws(() => verifyFrontdesk(SECRET, { ...headers(T), 'webhook-timestamp': '17e8' }, body, 'POST', '/p', T), /malformed/);
  // A signature of the right length but wrong value, and one truncated.
  const sig = headers(T)['webhook-signature'];
  const flipped = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + '=';
  assert.throws(() => verifyFrontdesk(SECRET, { ...headers(T), 'webhook-signature': flipped }, body, 'POST', '/p', T), /no matching/);
  assert.throws(() => verifyFrontdesk(SECRET, { ...headers(T), 'webhook-signature': sig.slice(0, -1) }, body, 'POST', '/p', T), /no matching/);
});

test('a signed GET of your own order: 200 with its fields', async () => {
  const res = await getOrder('10001');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.deepEqual(res.json, { order: '10001', status: 'shipped', eta: '2026-12-04', carrier: 'DHL', items: 'Blue mug ×2' });
  assert.deepEqual((await getOrder('10002')).json, { order: '10002', status: 'processing' });
  assert.deepEqual((await getOrder('10003')).json, { order: '10003', status: 'delivered', delivered: '2026-11-20' });
  const s = await stats();
  assert.equal(s.verified, 3);
  assert.deepEqual(s.requests[0], { method: 'GET', path: '/orders/10001', user: 'demo-alice', status: 200, verified: true });
});

test("another user's order and an unknown one: the same 404", async () => {
  const bobs = await getOrder('20001');
  const unknown = await getOrder('99999');
  assert.equal(bobs.status, 404);
  assert.deepEqual(bobs.json, { error: 'not_found' });
  assert.equal(unknown.status, 404);
  assert.equal(bobs.text, unknown.text);
  // Bob does see it.
  assert.equal((await getOrder('20001', 'demo-bob')).json.status, 'processing');
});

test('failed verification: 401, counted as rejected, nothing changed', async () => {
  const cases = {
    'bad signature': cancel('10002', { headers: { 'webhook-signature': 'v1,' + Buffer.alloc(32).toString('base64') } }),
    'wrong secret': cancel('10002', { secret: OTHER_SECRET }),
    'timestamp 301 s old': cancel('10002', { ts: now() - 301 }),
    'timestamp 301 s ahead': cancel('10002', { ts: now() + 301 }),
    'envelope path is not the request path': { ...cancel('20001', { user: 'demo-bob' }), path: '/orders/20001/cancel?force=1' },
    'envelope method is not the request method': { ...cancel('10002', { envelope: { method: 'PUT' } }) },
    'GET sent as a POST': { ...signed({ path: '/orders/10002/cancel' }), method: 'POST' },
    'body tampered after signing': (() => {
      const r = cancel('10002');
      return { ...r, body: r.body.replace('demo-alice', 'demo-bob').replace(/10002/g, '20001'), path: '/orders/20001/cancel' };
    })(),
    'attempt is not webhook-id': cancel('10002', { envelope: { attempt: 'act_other' } }),
    'empty user': cancel('10002', { user: '' }),
    'no webhook-id': cancel('10002', { headers: { 'webhook-id': undefined } }),
    'no webhook-timestamp': cancel('10002', { headers: { 'webhook-timestamp': undefined } }),
    'no webhook-signature': cancel('10002', { headers: { 'webhook-signature': undefined } }),
    'GET without frontdesk-request': signed({ path: '/orders/10001', headers: { 'frontdesk-request': undefined } }),
    'no headers at all': { method: 'POST', path: '/orders/10002/cancel', headers: { 'content-type': 'application/json', 'idempotency-key': 'k' }, body: '{}' },
  };
  for (const [name, req] of Object.entries(cases)) {
    const res = await send(req);
    assert.equal(res.status, 401, name);
    assert.equal(res.json.error, 'bad_signature', name);
    assert.ok(res.json.reason, name);
  }
  const s = await stats();
  assert.equal(s.rejected, Object.keys(cases).length);
  assert.equal(s.verified, 0);
  assert.equal(s.writes, 0);
  assert.ok(s.requests.every((r) => r.status === 401 && !r.verified && r.user === null));
  assert.equal((await getOrder('10002')).json.status, 'processing');
  assert.equal((await getOrder('20001', 'demo-bob')).json.status, 'processing');
});

test('cancel your own processing order: 200, then a GET shows it cancelled', async () => {
  const res = await send(cancel('10002', { params: { order: '10002', reason: 'changed my mind' } }));
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { order: '10002', status: 'cancelled' });
  assert.deepEqual((await getOrder('10002')).json, { order: '10002', status: 'cancelled' });
  assert.equal((await stats()).writes, 1);
  // Cancelling it again (a new attempt) is a conflict.
  const again = await send(cancel('10002'));
  assert.equal(again.status, 409);
  assert.deepEqual(again.json, { error: 'not_cancellable', status: 'cancelled' });
});

test('send an invoice again: by email or on paper, own orders only', async () => {
  const invoice = (order, format, user) =>
    signed({ method: 'POST', path: `/orders/${order}/invoice`, params: { order, format }, ...(user ? { user } : {}) });
  const mail = await send(invoice('10001', 'PDF by email'));
  assert.deepEqual([mail.status, mail.json], [200, { order: '10001', sent_to: 'demo-alice@example.com' }]);
  const paper = await send(invoice('10003', 'paper copy by post'));
  assert.deepEqual(paper.json, { order: '10003', sent_to: 'your postal address' });
  const other = await send(invoice('20001', 'PDF by email'));
  assert.equal(other.status, 404);
  assert.equal((await stats()).writes, 2);
});

test('a repeated idempotency key gets the first response and does nothing again', async () => {
  const req = cancel('10002');
  const first = await send(req);
  const second = await send(req);
  // The worker's retry: same attempt and body, signed afresh.
  const resigned = cancel('10002', { id: req.id, ts: req.ts - 5 });
  assert.equal(resigned.body, req.body);
  const third = await send(resigned);
  assert.equal(first.status, 200);
  for (const r of [second, third]) {
    assert.equal(r.status, first.status);
    assert.equal(r.text, first.text);
    assert.equal(r.headers['idempotent-replayed'], 'true');
  }
  assert.equal((await stats()).writes, 1);
});

test('a webhook-id reused with different content: 401', async () => {
  const first = cancel('10003');
  assert.equal((await send(first)).status, 409);
  const reused = await send(cancel('10002', { id: first.id }));
  assert.equal(reused.status, 401);
  assert.match(reused.json.reason, /reused/);
  assert.equal((await getOrder('10002')).json.status, 'processing');
  const s = await stats();
  assert.equal(s.writes, 0);
  assert.equal(s.rejected, 1);
});

test('cancel a shipped or delivered order: 409 with its status', async () => {
  const shipped = await send(cancel('10001'));
  assert.equal(shipped.status, 409);
  assert.deepEqual(shipped.json, { error: 'not_cancellable', status: 'shipped' });
  const delivered = await send(cancel('10003'));
  assert.deepEqual([delivered.status, delivered.json], [409, { error: 'not_cancellable', status: 'delivered' }]);
  assert.equal((await getOrder('10001')).json.status, 'shipped');
  assert.equal((await stats()).writes, 0);
});

test("cancel bob's order as alice: 404, and bob's order unchanged", async () => {
  const res = await send(cancel('20001'));
  assert.equal(res.status, 404);
  assert.deepEqual(res.json, { error: 'not_found' });
  assert.equal((await getOrder('20001', 'demo-bob')).json.status, 'processing');
  assert.equal((await stats()).writes, 0);
  // As bob it works.
  assert.equal((await send(cancel('20001', { user: 'demo-bob' }))).status, 200);
});

test('a write without an idempotency key, or with one that is not the attempt id: 400', async () => {
  const missing = await send(cancel('10002', { headers: { 'idempotency-key': undefined } }));
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.json, { error: 'idempotency_key_required' });
  const other = await send(cancel('10002', { headers: { 'idempotency-key': 'act_someone_else' } }));
  assert.equal(other.status, 400);
  assert.equal((await getOrder('10002')).json.status, 'processing');
  assert.equal((await stats()).writes, 0);
});

test('several signatures in the header: one valid is enough; none valid is not', async () => {
  const req = cancel('10002');
  const good = req.headers['webhook-signature'];
  const junk = 'v1,' + Buffer.alloc(32, 1).toString('base64');
  const none = await send({ ...req, headers: { ...req.headers, 'webhook-signature': `${junk} v1,bm90IGl0 v2,${good.slice(3)}` } });
  assert.equal(none.status, 401);
  const res = await send({ ...req, headers: { ...req.headers, 'webhook-signature': `${junk} v1,bm90IGl0 ${good}` } });
  assert.equal(res.status, 200);
  assert.equal((await stats()).writes, 1);
});

test('unknown routes: 404; bodies over 64 KB: 413', async () => {
  for (const req of [signed({ path: '/orders' }), signed({ path: '/orders/10001/cancel' }), signed({ method: 'POST', path: '/orders/10001/refund' })]) {
    const res = await send(req);
    assert.equal(res.status, 404, req.path);
    assert.deepEqual(res.json, { error: 'not_found' });
  }
  const big = cancel('10002', { params: { order: '10002', reason: 'x'.repeat(MAX_BODY) } });
  const res = await send(big);
  assert.equal(res.status, 413);
  assert.equal((await getOrder('10002')).json.status, 'processing');
  // Just under the limit is fine.
  const id = newId();
  const pad = MAX_BODY - cancel('10002', { id, params: { order: '10002', reason: '' } }).body.length;
  const full = cancel('10002', { id, params: { order: '10002', reason: 'y'.repeat(pad) } });
  assert.equal(Buffer.byteLength(full.body), MAX_BODY);
  assert.equal((await send(full)).status, 200);
});

test('/__reset restores the data and zeroes the stats; /__stats keeps the last 50', async () => {
  await send(cancel('10002'));
  await send(cancel('10002', { secret: OTHER_SECRET }));
  for (let i = 0; i < 55; i++) await getOrder('10001');
  let s = await stats();
  assert.deepEqual([s.verified, s.rejected, s.writes, s.requests.length], [56, 1, 1, 50]);
  assert.equal((await send({ method: 'POST', path: '/__reset' })).status, 200);
  s = await stats();
  assert.deepEqual(s, { verified: 0, rejected: 0, writes: 0, requests: [] });
  assert.equal((await getOrder('10002')).json.status, 'processing');
});

test('one log line per request', async () => {
  const before = logs.length;
  await getOrder('10001');
  await send(cancel('10002', { secret: OTHER_SECRET }));
  assert.equal(logs.length, before + 2);
  assert.match(logs.at(-2), /GET "\/orders\/10001" 200 user=demo-alice/);
  assert.match(logs.at(-1), /POST "\/orders\/10002\/cancel" 401 user=- reason="no matching signature"/);
});

test('the command: refuses a missing or malformed secret, serves with a good one', async () => {
  for (const [secret, want] of [[undefined, /set DEMO_API_SECRET/], ['whsec_c2hvcnQ=', /whsec_ followed by base64/]]) {
    const env = { ...process.env, DEMO_API_PORT: '0' };
    delete env.DEMO_API_SECRET;
    if (secret) env.DEMO_API_SECRET = secret;
    const run = spawnSync(process.execPath, [ORDERS], { env, encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.status, 1);
    assert.match(run.stderr, want);
  }
  const child = spawn(process.execPath, [ORDERS], { env: { ...process.env, DEMO_API_SECRET: SECRET, DEMO_API_PORT: '0' } });
  try {
    const childPort = await new Promise((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (c) => {
        err += c;
        const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const saved = port;
    port = childPort;
    try {
      assert.equal((await getOrder('10001')).json.eta, '2026-12-04');
      assert.equal((await send(cancel('10002', { secret: OTHER_SECRET }))).status, 401);
    } finally {
      port = saved;
    }
  } finally {
    child.kill();
  }
});

test("the README's verification example accepts what the worker signs and refuses the rest", async () => {
  const { readFileSync, mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const at = readme.indexOf("**What the site's API receives.**");
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
  assert.ok(at > 0 && block, 'the README has the example');
  const file = join(mkdtempSync(join(tmpdir(), 'fd-readme-')), 'verify.mjs');
  writeFileSync(file, block);
  const { verifyFrontdesk: readmeVerify } = await import(file);
  const get = signed({ path: '/orders/10001', params: { order: '10001' } });
  assert.equal(readmeVerify(SECRET, get.headers, '', 'GET', '/orders/10001').user, 'demo-alice');
  const post = signed({ method: 'POST', path: '/orders/10002/cancel', params: { order: '10002' } });
  assert.deepEqual(readmeVerify(SECRET, post.headers, post.body, 'POST', '/orders/10002/cancel').params, { order: '10002' });
  // Both checks agree on what they refuse.
  const refused = [
    ['another path', () => [get.headers, '', 'GET', '/orders/10003']],
    ['another method', () => [post.headers, post.body, 'PUT', '/orders/10002/cancel']],
    ['an altered body', () => [post.headers, post.body.replace('10002', '10003'), 'POST', '/orders/10002/cancel']],
    ['an old timestamp', () => [signed({ path: '/orders/10001', ts: now() - 400 }).headers, '', 'GET', '/orders/10001']],
    ['another secret', () => [signed({ path: '/orders/10001', secret: 'whsec_' + Buffer.alloc(24, 7).toString('base64') }).headers, '', 'GET', '/orders/10001']],
  ];
  for (const [what, args] of refused) {
    assert.throws(() => readmeVerify(SECRET, ...args()), Error, `README: ${what}`);
    assert.throws(() => verifyFrontdesk(SECRET, ...args()), Error, `verify.mjs: ${what}`);
  }
});
