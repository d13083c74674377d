// A demo shop "order API": what Frontdesk's worker calls on behalf of a
// signed-in chat visitor (a site's actions). Every request must carry a valid
// Frontdesk signature (verify.mjs), and the visitor is `envelope.user`: nothing
// else in the request says who is asking. Data is in memory, seeded the same
// way on every start.
//
//   DEMO_API_SECRET=whsec_… [DEMO_API_PORT=8795] node demo/api/orders.mjs
//
//   GET  /orders/{order}          the visitor's order; 404 if unknown or someone else's
//   POST /orders/{order}/cancel   cancel the visitor's `processing` order; needs an
//                                 idempotency-key (= the attempt id); a repeated key
//                                 gets the first response again and changes nothing
//   POST /orders/{order}/invoice  send the order's invoice again (params.format:
//                                 "PDF by email" or "paper copy by post"); same keys
//
// Test endpoints, in this demo only (a real API must not have them): no
// signature, answered only to loopback clients.
//   GET  /__stats   {verified, rejected, writes, requests: [last 50 {method, path, user, status, verified}]}
//   POST /__reset   restore the seed data and zero the stats
//   GET  /__identity?user=demo-alice   {token}: an identity token for the demo
//                   store page's "Sign in as" (only with DEMO_IDENTITY_SECRET)
//
// Failed verification: 401 {"error":"bad_signature","reason":"…"}, and nothing
// changes; a webhook-id seen before with different signed content counts as one.
// Bodies over 64 KB: 413. One line per request goes to stderr.
import http from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { secretKey, verifyFrontdesk } from './verify.mjs';

export const MAX_BODY = 64 * 1024;
const RECENT = 50;

const SEED = [
  { order: '10001', user: 'demo-alice', status: 'shipped', eta: '2026-12-04', carrier: 'DHL', items: 'Blue mug ×2' },
  { order: '10002', user: 'demo-alice', status: 'processing' },
  { order: '10003', user: 'demo-alice', status: 'delivered', delivered: '2026-11-20' },
  { order: '20001', user: 'demo-bob', status: 'processing' },
];

// What the visitor may see of an order (absent fields are left out).
const view = ({ order, status, eta, delivered, carrier, items }) => ({ order, status, eta, delivered, carrier, items });

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

// The body, or null when it is over MAX_BODY (read on up to 1 MB so the
// client gets its 413; a bigger one is cut off).
async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
    else if (size > 16 * MAX_BODY) req.destroy();
  }
  return size > MAX_BODY ? null : Buffer.concat(chunks);
}

export function createServer(secret, { log = (line) => process.stderr.write(`${line}\n`), identitySecret = null } = {}) {
  secretKey(secret); // throws 'bad secret' now rather than on every request
  let orders, stats, seen, done;
  function reset() {
    orders = new Map(SEED.map((o) => [o.order, { ...o }]));
    stats = { verified: 0, rejected: 0, writes: 0, requests: [] };
    seen = new Map(); // webhook-id → sha256 of the content it signed
    done = new Map(); // idempotency-key → the first response {status, body}
  }
  reset();

  async function handle(req, res) {
    const started = Date.now();
    const path = req.url;
    const pathname = path.split('?')[0];
    let user = null, verified = false, reason = '', record = true;
    const reply = (status, body, headers = {}) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(text);
      if (record) {
        stats.requests.push({ method: req.method, path, user, status, verified });
        if (stats.requests.length > RECENT) stats.requests.shift();
      }
      const why = reason ? ` reason=${JSON.stringify(reason)}` : '';
      log(`${new Date().toISOString()} ${req.method} ${JSON.stringify(path)} ${status} user=${user ?? '-'}${why} ${Date.now() - started}ms`);
      return text;
    };
    const reject = (why) => {
      reason = why;
      stats.rejected += 1;
      return reply(401, { error: 'bad_signature', reason: why });
    };

    if (pathname.startsWith('/__')) {
      record = false;
      if (!LOOPBACK.has(req.socket.remoteAddress)) return reply(404, { error: 'not_found' });
      if (req.method === 'GET' && pathname === '/__stats') return reply(200, stats);
      // The demo store page's "Sign in as …": the site's backend signs the
      // visitor's identity for the widget (README, "Identity"), here with
      // the worker's IDENTITY_SECRET, for the seeded users only.
      if (req.method === 'GET' && pathname === '/__identity' && identitySecret) {
        const who = new URLSearchParams(path.split('?')[1] || '').get('user');
        if (!SEED.some((o) => o.user === who)) return reply(404, { error: 'not_found' });
        return reply(200, { token: identityToken(identitySecret, who) }, { 'access-control-allow-origin': '*' });
      }
      if (req.method === 'POST' && pathname === '/__reset') {
        req.resume();
        reset();
        return reply(200, { ok: true });
      }
      return reply(404, { error: 'not_found' });
    }

    const body = await readBody(req);
    if (body === null) return reply(413, { error: 'too_large' });

    let env;
    try {
      env = verifyFrontdesk(secret, req.headers, body, req.method, path);
    } catch (e) {
      return reject(e.message);
    }
    // A webhook-id is one attempt: a retry may repeat it, but only with the same content.
    const content = req.method === 'GET' ? Buffer.from(req.headers['frontdesk-request']) : body;
    const hash = createHash('sha256').update(content).digest('hex');
    if (seen.has(env.attempt) && seen.get(env.attempt) !== hash) return reject('webhook-id reused for different content');
    seen.set(env.attempt, hash);
    verified = true;
    stats.verified += 1;
    user = env.user;

    // Only the visitor's own orders exist for them.
    const own = (id) => {
      const o = orders.get(id);
      return o && o.user === user ? o : null;
    };
    let m;
    if (req.method === 'GET' && (m = /^\/orders\/([^/]+)$/.exec(pathname))) {
      const o = own(decode(m[1]));
      return o ? reply(200, view(o)) : reply(404, { error: 'not_found' });
    }
    if (req.method === 'POST' && (m = /^\/orders\/([^/]+)\/(cancel|invoice)$/.exec(pathname))) {
      const key = req.headers['idempotency-key'];
      if (!key) return reply(400, { error: 'idempotency_key_required' });
      // The header is not signed: it must be the (signed) attempt id.
      if (key !== env.attempt) return reply(400, { error: 'idempotency_key_mismatch' });
      const first = done.get(key);
      if (first) return reply(first.status, first.body, { 'idempotent-replayed': 'true' });
      const o = own(decode(m[1]));
      let status, out;
      if (!o) [status, out] = [404, { error: 'not_found' }];
      else if (m[2] === 'invoice') {
        // Sends the invoice again: by email, or on paper to the address on file.
        const post = env.params?.format === 'paper copy by post';
        stats.writes += 1;
        [status, out] = [200, { order: o.order, sent_to: post ? 'your postal address' : `${user}@example.com` }];
      } else if (o.status !== 'processing') [status, out] = [409, { error: 'not_cancellable', status: o.status }];
      else {
        o.status = 'cancelled';
        if (typeof env.params?.reason === 'string') o.cancel_reason = env.params.reason.slice(0, 500);
        stats.writes += 1;
        [status, out] = [200, { order: o.order, status: o.status }];
      }
      done.set(key, { status, body: reply(status, out) });
      return;
    }
    return reply(404, { error: 'not_found' });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      process.stderr.write(`demo order API: ${e.stack}\n`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal"}');
      else res.destroy();
    });
  });
  server.reset = reset;
  return server;
}

/** An HS256 identity token for `sub`, valid for an hour. */
function identityToken(secret, sub) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub, iat: now, exp: now + 3600 })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function decode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

function main() {
  const secret = process.env.DEMO_API_SECRET;
  if (!secret) {
    console.error('demo order API: set DEMO_API_SECRET to the whsec_… secret Frontdesk signs requests with (the site\'s api secret)');
    process.exit(1);
  }
  try {
    secretKey(secret);
  } catch {
    console.error('demo order API: DEMO_API_SECRET must be whsec_ followed by base64 of at least 16 bytes');
    process.exit(1);
  }
  const port = Number(process.env.DEMO_API_PORT || 8795);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`demo order API: DEMO_API_PORT must be a port number, not ${JSON.stringify(process.env.DEMO_API_PORT)}`);
    process.exit(1);
  }
  const server = createServer(secret, { identitySecret: process.env.DEMO_IDENTITY_SECRET || null });
  server.on('error', (e) => {
    console.error(`demo order API: ${e.message}`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => console.error(`demo order API on http://127.0.0.1:${server.address().port}`));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
