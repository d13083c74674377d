import { expect, test, type APIRequestContext } from '@playwright/test';
import { d1 } from './d1';
import { AGENT_TOKEN } from './playwright.config';

// Hostile input, field by field (issue 6): every endpoint that reads a body,
// a path or a query gets malformed, oversized, mistyped and smuggled input.
// Each case must get its 4xx with a stable error code and a human message,
// and the whole run must leave every D1 table exactly as it found it. The
// table of what was tried and what came back is printed.

const auth = { authorization: `Bearer ${AGENT_TOKEN}` };
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

type Body = Record<string, unknown> | string | Buffer;
type Case = {
  what: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: Body;
  headers?: Record<string, string>;
  status: number;
  code: string;
};

const post = (path: string, what: string, body: Body, status: number, code: string): Case => ({
  what,
  method: 'POST',
  path,
  body,
  status,
  code,
});

const chat = (what: string, body: Body, status: number, code: string) => post('/api/v1/chat', what, body, status, code);
const handoff = (what: string, fields: Record<string, unknown>, status: number, code: string) =>
  post('/api/v1/handoff', what, { email: 'visitor@example.com', ...fields }, status, code);

/** One row per table: how many rows it has now. */
function snapshot(): Record<string, number> {
  const tables = d1<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'",
  ).map((t) => t.name);
  const sql = 'SELECT ' + tables.map((t) => `(SELECT COUNT(*) FROM "${t}") AS "${t}"`).join(', ');
  return d1<Record<string, number>>(sql)[0];
}

async function send(request: APIRequestContext, c: Case) {
  const headers: Record<string, string> = { ...(c.headers ?? {}) };
  let data: string | Buffer | undefined;
  if (c.body !== undefined) {
    data = typeof c.body === 'string' || Buffer.isBuffer(c.body) ? c.body : JSON.stringify(c.body);
    headers['content-type'] ??= 'application/json';
  }
  return request.fetch(c.path, { method: c.method, data, headers });
}

test('hostile input on every endpoint and field: a clear 4xx, nothing changed (printed)', async ({ request }) => {
  test.setTimeout(120_000);
  // A real conversation with a bot answer and a ticket, so the cases below
  // reach the checks behind "does it exist".
  const started = await request.post('/api/v1/chat', { data: { message: 'How do I export my notes?' } });
  expect(started.status()).toBe(200);
  const first = await started.json();
  const conv = first.conversation_id as string;
  const botId = first.message_id as number;
  const made = await request.post('/api/v1/handoff', { data: { conversation_id: conv, email: 'visitor@example.com' } });
  expect(made.status()).toBe(201);
  const reference = (await made.json()).reference as string;

  const long = (n: number) => 'x'.repeat(n);
  const cases: Case[] = [
    // The body itself.
    chat('not JSON', '{"message": ', 400, 'invalid_json'),
    chat('invalid UTF-8 bytes', Buffer.from([0x7b, 0x22, 0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 400, 'invalid_json'),
    chat('lone UTF-16 surrogate escape', '{"message":"hi \\ud800"}', 400, 'invalid_json'),
    chat('duplicate key', '{"message":"hi","message":"again"}', 400, 'invalid_json'),
    chat('unknown field', { message: 'hi', admin: true }, 400, 'invalid_json'),
    chat('array instead of object', '["hi"]', 400, 'invalid_json'),
    chat('message is a number', { message: 42 }, 400, 'invalid_json'),
    chat('message is null', { message: null }, 400, 'invalid_json'),
    chat('message missing', {}, 400, 'invalid_json'),
    chat('200 levels of nesting', `{"identity":${'['.repeat(200)}${']'.repeat(200)},"message":"hi"}`, 400, 'invalid_json'),
    chat('body over 16 KiB', { message: long(17_000) }, 413, 'payload_too_large'),
    { ...chat('form-encoded body', 'message=hi', 415, 'unsupported_media_type'), headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    { ...chat('no content type', 'message=hi', 415, 'unsupported_media_type'), headers: { 'content-type': '' } },
    // message
    chat('message: only spaces', { message: '  \n\t ' }, 400, 'message_empty'),
    chat('message: 2001 characters', { message: long(2001) }, 400, 'message_too_long'),
    chat('message: NUL byte', { message: 'hi\u0000there' }, 400, 'invalid_field'),
    chat('message: bell and escape', { message: 'hi \u0007\u001b[31m red' }, 400, 'invalid_field'),
    chat('message: C1 control (U+0085)', { message: 'hi\u0085there' }, 400, 'invalid_field'),
    // conversation_id
    chat('conversation_id: not an id', { message: 'hi', conversation_id: '../../etc/passwd' }, 400, 'invalid_field'),
    chat('conversation_id: uppercase', { message: 'hi', conversation_id: conv.toUpperCase() }, 400, 'invalid_field'),
    chat('conversation_id: unknown', { message: 'hi', conversation_id: UNKNOWN_ID }, 404, 'conversation_not_found'),
    chat('conversation_id: a number', { message: 'hi', conversation_id: 7 }, 400, 'invalid_json'),
    // page_url
    chat('page_url: javascript:', { message: 'hi', page_url: 'javascript:alert(1)' }, 400, 'invalid_field'),
    chat('page_url: 2049 characters', { message: 'hi', page_url: 'https://a.example/' + long(2031) }, 400, 'invalid_field'),
    chat('page_url: newline inside', { message: 'hi', page_url: 'https://a.example/\nSet-Cookie: x' }, 400, 'invalid_field'),
    // locale
    chat('locale: markup', { message: 'hi', locale: '<script>' }, 400, 'invalid_field'),
    chat('locale: 36 characters', { message: 'hi', locale: 'en-' + 'abcdefgh-'.repeat(3) + 'abcdefg' }, 400, 'invalid_field'),
    // idempotency_key
    chat('idempotency_key: too short', { message: 'hi', idempotency_key: 'short' }, 400, 'invalid_field'),
    chat('idempotency_key: 65 characters', { message: 'hi', idempotency_key: long(65) }, 400, 'invalid_field'),
    chat('idempotency_key: spaces', { message: 'hi', idempotency_key: 'has spaces in it' }, 400, 'invalid_field'),
    // identity
    chat('identity: unknown field', { message: 'hi', identity: { token: 'a.b.c', admin: true } }, 400, 'invalid_json'),
    chat('identity: token not a JWT', { message: 'hi', identity: { token: 'not-a-jwt' } }, 401, 'identity_invalid'),
    chat('identity: 20 KiB-ish token', { message: 'hi', identity: { token: long(15_000) } }, 401, 'identity_invalid'),

    // Handoff: email, note, and the shared fields.
    handoff('email: missing @', { email: 'visitor.example.com' }, 400, 'invalid_email'),
    handoff('email: 255 characters', { email: long(243) + '@example.com' }, 400, 'invalid_email'),
    handoff('email: header injection', { email: 'a@example.com\r\nBcc: all@example.com' }, 400, 'invalid_email'),
    handoff('email: markup', { email: '<script>@example.com' }, 400, 'invalid_email'),
    handoff('email: missing', { email: undefined }, 400, 'invalid_email'),
    handoff('email: quoted local part', { email: '"a b"@example.com' }, 400, 'invalid_email'),
    handoff('note: 4001 characters', { note: long(4001) }, 400, 'invalid_field'),
    handoff('note: NUL byte', { note: 'see\u0000this' }, 400, 'invalid_field'),
    handoff('note: a number', { note: 5 }, 400, 'invalid_json'),
    handoff('conversation_id: unknown', { conversation_id: UNKNOWN_ID }, 404, 'conversation_not_found'),
    handoff('page_url: data:', { page_url: 'data:text/html,<script>alert(1)</script>' }, 400, 'invalid_field'),
    handoff('idempotency_key: markup', { idempotency_key: '<script>alert(1)</script>' }, 400, 'invalid_field'),
    handoff('unknown field', { priority: 'urgent' }, 400, 'invalid_json'),

    // Feedback.
    post('/api/v1/feedback', 'rating: "meh"', { conversation_id: conv, message_id: botId, rating: 'meh' }, 400, 'invalid_field'),
    post('/api/v1/feedback', 'message_id: 0', { conversation_id: conv, message_id: 0, rating: 'up' }, 400, 'invalid_field'),
    post('/api/v1/feedback', 'message_id: negative', { conversation_id: conv, message_id: -5, rating: 'up' }, 400, 'invalid_field'),
    post('/api/v1/feedback', 'message_id: 2^53', { conversation_id: conv, message_id: 2 ** 53, rating: 'up' }, 400, 'invalid_field'),
    post('/api/v1/feedback', 'message_id: 1.5', '{"conversation_id":"' + conv + '","message_id":1.5,"rating":"up"}', 400, 'invalid_json'),
    post('/api/v1/feedback', 'message_id: a string', { conversation_id: conv, message_id: String(botId), rating: 'up' }, 400, 'invalid_json'),
    post('/api/v1/feedback', 'message_id: not a bot message of it', { conversation_id: conv, message_id: botId - 1, rating: 'up' }, 404, 'message_not_found'),
    post('/api/v1/feedback', 'conversation_id: unknown', { conversation_id: UNKNOWN_ID, message_id: botId, rating: 'up' }, 404, 'conversation_not_found'),

    // A visitor's conversation: path and query.
    { what: 'conversation path: not an id', method: 'GET', path: '/api/v1/conversations/..%2F..%2Fagent', status: 400, code: 'invalid_field' },
    { what: 'conversation: unknown id', method: 'GET', path: `/api/v1/conversations/${UNKNOWN_ID}`, status: 404, code: 'conversation_not_found' },
    { what: 'replies: after=-1', method: 'GET', path: `/api/v1/conversations/${conv}/replies?after=-1`, status: 400, code: 'invalid_field' },
    { what: 'replies: after=abc', method: 'GET', path: `/api/v1/conversations/${conv}/replies?after=abc`, status: 400, code: 'invalid_field' },
    { what: 'replies: wait=9999', method: 'GET', path: `/api/v1/conversations/${conv}/replies?wait=9999`, status: 400, code: 'invalid_field' },
    { what: 'replies: wait=-1', method: 'GET', path: `/api/v1/conversations/${conv}/replies?wait=-1`, status: 400, code: 'invalid_field' },
    { what: 'delete: not an id', method: 'DELETE', path: '/api/v1/conversations/nope', status: 400, code: 'invalid_field' },

    // The agent API: its own secret, then its fields.
    { what: 'agent: no token', method: 'GET', path: '/api/v1/agent/tickets', status: 401, code: 'unauthorized' },
    { what: 'agent: wrong token', method: 'GET', path: '/api/v1/agent/tickets', headers: { authorization: 'Bearer nope' }, status: 401, code: 'unauthorized' },
    { what: 'agent: a visitor conversation id as token', method: 'GET', path: '/api/v1/agent/tickets', headers: { authorization: `Bearer ${conv}` }, status: 401, code: 'unauthorized' },
    { what: 'agent: reply with no token', method: 'POST', path: `/api/v1/agent/tickets/${reference}/reply`, body: { text: 'hi' }, status: 401, code: 'unauthorized' },
    { what: 'agent filter: limit=0', method: 'GET', path: '/api/v1/agent/tickets?limit=0', headers: auth, status: 400, code: 'invalid_field' },
    { what: 'agent filter: status=deleted', method: 'GET', path: '/api/v1/agent/tickets?status=deleted', headers: auth, status: 400, code: 'invalid_field' },
    { what: 'agent filter: topic 101 chars', method: 'GET', path: `/api/v1/agent/tickets?topic=${long(101)}`, headers: auth, status: 400, code: 'invalid_field' },
    { what: 'agent: reference with markup', method: 'GET', path: '/api/v1/agent/tickets/%3Cscript%3E', headers: auth, status: 404, code: 'ticket_not_found' },
    { what: 'agent reply: empty', method: 'POST', path: `/api/v1/agent/tickets/${reference}/reply`, body: { text: '   ' }, headers: auth, status: 400, code: 'invalid_field' },
    { what: 'agent reply: 4001 characters', method: 'POST', path: `/api/v1/agent/tickets/${reference}/reply`, body: { text: long(4001) }, headers: auth, status: 400, code: 'invalid_field' },
    { what: 'agent reply: escape sequence', method: 'POST', path: `/api/v1/agent/tickets/${reference}/reply`, body: { text: 'hi \u001b[2J' }, headers: auth, status: 400, code: 'invalid_field' },
    { what: 'agent reply: unknown field', method: 'POST', path: `/api/v1/agent/tickets/${reference}/reply`, body: { text: 'hi', as: 'bot' }, headers: auth, status: 400, code: 'invalid_json' },

    // Methods and paths.
    { what: 'GET on the chat endpoint', method: 'GET', path: '/api/v1/chat', status: 405, code: 'method_not_allowed' },
    { what: 'unknown API path', method: 'POST', path: '/api/v1/admin', body: {}, status: 404, code: 'not_found' },
  ];

  const before = snapshot();
  const rows: string[] = [];
  const wrong: string[] = [];
  for (const c of cases) {
    const res = await send(request, c);
    let code = '(no JSON)';
    let message = '';
    try {
      const body = await res.json();
      code = body.error?.code ?? '(no error)';
      message = body.error?.message ?? '';
    } catch {}
    rows.push(`${c.method.padEnd(6)} ${c.path.split('?')[0].replace(conv, '{id}').replace(reference, '{ref}').slice(0, 40).padEnd(40)} ${c.what.padEnd(40)} ${res.status()} ${code}`);
    if (res.status() !== c.status || code !== c.code || message.length < 10) {
      wrong.push(`${c.what}: expected ${c.status} ${c.code}, got ${res.status()} ${code} "${message}"`);
    }
  }
  const after = snapshot();
  console.log(
    `hostile input: ${cases.length} cases on ${new Set(cases.map((c) => c.path.split('?')[0].replace(/\/[^/]*$/, ''))).size} paths\n` +
      rows.join('\n') +
      `\nD1 rows before: ${JSON.stringify(before)}\nD1 rows after:  ${JSON.stringify(after)}`,
  );
  expect(wrong).toEqual([]);
  expect(after).toEqual(before);
});

test('markup in what visitors type is stored and handed on as text', async ({ request }) => {
  const markup = '<img src=x onerror="alert(1)"> <script>alert(2)</script> & "quotes"';
  const res = await request.post('/api/v1/chat', { data: { message: `Help with ${markup}` } });
  expect(res.status()).toBe(200);
  const { conversation_id } = await res.json();
  const made = await request.post('/api/v1/handoff', {
    data: { conversation_id, email: 'visitor@example.com', note: markup },
  });
  expect(made.status()).toBe(201);
  const reference = (await made.json()).reference;
  // Stored as typed: neither escaped twice nor stripped.
  const stored = d1<{ body: string }>(
    `SELECT body FROM messages WHERE conversation_id = '${conversation_id}' AND role = 'visitor'`,
  );
  expect(stored.map((r) => r.body)).toEqual([`Help with ${markup}`]);
  // And the agent API gives it back as JSON text, the same characters.
  const ticket = await (await request.get(`/api/v1/agent/tickets/${reference}`, { headers: auth })).json();
  expect(JSON.stringify(ticket)).toContain(JSON.stringify(markup).slice(1, -1));
});
