// Local stand-ins for the places tickets go, on loopback: a generic webhook
// endpoint that verifies the Standard Webhooks signature with the reference
// library (npm `standardwebhooks`), a Slack incoming webhook, Zendesk's
// create-ticket API and GitHub's create-issue API, and an HTTP e-mail API
// (Resend's shape: replies e-mailed to visitors). Each checks the exact
// request (path, auth, content type, shape) and records it.
//
//   GET  /__received        everything received so far, in order
//   POST /__receiving       {"id", "text", "html"}: an e-mail the e-mail API then serves at
//                           GET /emails/receiving/{id} (Resend's received-emails API)
//   POST /__fail            {"path": "...", "times": n}: answer 500 to the next n requests on path;
//                           with "hang_ms": m, each of them first waits m ms (a sink timing out)
//
// It exits by itself after an hour.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const port = Number(process.argv[2] || 8791);
const SECRET = process.env.WEBHOOK_SECRET || 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const EMAIL_KEY = process.env.EMAIL_API_KEY || 're_e2e_key';
const received = [];
const inbox = new Map();
const failing = new Map();

const routes = {
  '/webhook': (req, body) => {
    try {
      const payload = new Webhook(SECRET).verify(body, req.headers);
      return { ok: true, verified: true, payload };
    } catch (e) {
      return { ok: false, status: 401, verified: false, error: String(e) };
    }
  },
  '/slack': (req, body) => ({ ok: true, payload: JSON.parse(body) }),
  '/zendesk/api/v2/tickets.json': (req, body) => {
    const want = 'Basic ' + Buffer.from('agent@example.com/token:zd-token').toString('base64');
    if (req.headers.authorization !== want) return { ok: false, status: 401 };
    return { ok: true, status: 201, payload: JSON.parse(body) };
  },
  // An e-mail: one recipient, a reply address with a 26-letter token, text
  // and HTML, and the one-click unsubscribe headers (RFC 8058).
  '/emails': (req, body) => {
    if (req.headers.authorization !== `Bearer ${EMAIL_KEY}`) return { ok: false, status: 401 };
    const e = JSON.parse(body);
    const problems = [];
    if (typeof e.from !== 'string' || !e.from.includes('@')) problems.push('from');
    if (!Array.isArray(e.to) || e.to.length !== 1 || !/^[^\s@]+@[^\s@]+$/.test(e.to[0])) problems.push('to');
    if (!/^reply\+[a-z2-7]{26}@[a-z0-9.-]+$/.test(e.reply_to)) problems.push('reply_to');
    for (const k of ['subject', 'text', 'html']) if (typeof e[k] !== 'string' || !e[k]) problems.push(k);
    if (/[\r\n]/.test(e.subject)) problems.push('subject has a line break');
    const h = e.headers || {};
    if (!/^<https?:\/\/.+\/api\/v1\/email\/unsubscribe\?token=[a-z2-7]{26}>$/.test(h['List-Unsubscribe'] || '')) problems.push('List-Unsubscribe');
    if (h['List-Unsubscribe-Post'] !== 'List-Unsubscribe=One-Click') problems.push('List-Unsubscribe-Post');
    if (problems.length) return { ok: false, status: 422, error: `bad ${problems.join(', ')}`, payload: e };
    return { ok: true, status: 200, payload: e };
  },
  '/github/repos/acme/support/issues': (req, body) => {
    if (req.headers.authorization !== 'Bearer gh-token') return { ok: false, status: 401 };
    if (req.headers.accept !== 'application/vnd.github+json') return { ok: false, status: 415 };
    return { ok: true, status: 201, payload: JSON.parse(body) };
  },
};

const server = http.createServer(async (req, res) => {
  let body = '';
  for await (const c of req) body += c;
  if (req.method === 'GET' && req.url === '/__received') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
    return;
  }
  if (req.method === 'POST' && req.url === '/__receiving') {
    const e = JSON.parse(body);
    inbox.set(e.id, e);
    res.writeHead(204).end();
    return;
  }
  const fetched = req.method === 'GET' && /^\/emails\/receiving\/([\w-]+)$/.exec(req.url);
  if (fetched) {
    const ok = req.headers.authorization === `Bearer ${EMAIL_KEY}`;
    const e = ok && inbox.get(fetched[1]);
    received.push({ path: req.url, at: Date.now(), ok: Boolean(e) });
    res.writeHead(e ? 200 : ok ? 404 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(e ? { object: 'email', id: e.id, text: e.text ?? null, html: e.html ?? null } : { message: 'not found' }));
    return;
  }
  if (req.method === 'POST' && req.url === '/__fail') {
    const { path, times, hang_ms: hang = 0 } = JSON.parse(body);
    failing.set(path, { times, hang });
    res.writeHead(204).end();
    return;
  }
  const route = routes[req.url];
  if (req.method !== 'POST' || !route) {
    res.writeHead(404).end();
    return;
  }
  const fail = failing.get(req.url);
  if (fail?.times > 0) {
    fail.times -= 1;
    received.push({ path: req.url, at: Date.now(), failed: true });
    if (fail.hang) await new Promise((r) => setTimeout(r, fail.hang));
    res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"scripted failure"}');
    return;
  }
  if (!String(req.headers['content-type']).startsWith('application/json')) {
    res.writeHead(415).end();
    return;
  }
  let result;
  try {
    result = route(req, body);
  } catch (e) {
    result = { ok: false, status: 400, error: String(e) };
  }
  received.push({ path: req.url, at: Date.now(), headers: req.headers, ...result });
  res.writeHead(result.ok ? result.status || 200 : result.status || 400, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: received.length }));
});

server.listen(port, '127.0.0.1', () => console.log(`receiver on http://127.0.0.1:${port}`));
setTimeout(() => process.exit(0), 60 * 60 * 1000).unref();
