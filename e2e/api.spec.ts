import { expect, test } from '@playwright/test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { d1 } from './d1';

// The API contract: stable error codes, nothing written on bad input, and
// every message stored before it is acknowledged.

test('bad input gets a 4xx with a stable code and changes nothing', async ({ request }) => {
  const before = d1<{ n: number }>('SELECT COUNT(*) AS n FROM messages')[0].n;
  const cases: Array<[string, Record<string, unknown> | string, number, string, string?]> = [
    ['/api/v1/chat', '{not json', 400, 'invalid_json'],
    ['/api/v1/chat', { message: 'hi', extra: 1 }, 400, 'invalid_json'],
    ['/api/v1/chat', { message: '   ' }, 400, 'message_empty'],
    ['/api/v1/chat', { message: 'x'.repeat(2001) }, 400, 'message_too_long'],
    ['/api/v1/chat', { message: 'x'.repeat(17000) }, 413, 'payload_too_large'],
    ['/api/v1/chat', { message: 'hi', conversation_id: 'nope' }, 400, 'invalid_field'],
    [
      '/api/v1/chat',
      { message: 'hi', conversation_id: '00000000-0000-4000-8000-000000000000' },
      404,
      'conversation_not_found',
    ],
    ['/api/v1/handoff', { email: 'nobody' }, 400, 'invalid_email'],
  ];
  for (const [path, body, status, code] of cases) {
    const res = await request.post(path, {
      data: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status(), `${path} ${code}`).toBe(status);
    expect((await res.json()).error.code).toBe(code);
  }
  const wrongType = await request.post('/api/v1/chat', {
    data: 'message=hi',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(wrongType.status()).toBe(415);
  const wrongMethod = await request.get('/api/v1/chat');
  expect(wrongMethod.status()).toBe(405);
  expect((await wrongMethod.json()).error.code).toBe('method_not_allowed');
  expect(d1<{ n: number }>('SELECT COUNT(*) AS n FROM messages')[0].n).toBe(before);
  expect(d1<{ n: number }>("SELECT COUNT(*) AS n FROM tickets WHERE email = 'nobody'")[0].n).toBe(0);
});

test('a conversation continues under one id and is stored turn by turn', async ({ request }) => {
  const first = await (await request.post('/api/v1/chat', { data: { message: 'How do I reset my password?' } })).json();
  expect(first.reply.decision).toBe('answer');
  expect(first.reply.sources[0].url).toBe('/help/reset-password');
  const id = first.conversation_id;
  const second = await (
    await request.post('/api/v1/chat', { data: { conversation_id: id, message: 'talk to a human please' } })
  ).json();
  expect(second).toMatchObject({ conversation_id: id, reply: { decision: 'escalate', reason: 'requested' } });
  const rows = d1<{ role: string; decision: string | null }>(
    `SELECT role, decision FROM messages WHERE conversation_id = '${id}' ORDER BY id`,
  );
  expect(rows).toEqual([
    { role: 'visitor', decision: null },
    { role: 'bot', decision: 'answer' },
    { role: 'visitor', decision: null },
    { role: 'bot', decision: 'escalate' },
  ]);
});

test('a short follow-up is read with the visitor\'s previous message', async ({ request }) => {
  const chat = async (message: string, conversation_id?: string) =>
    (await request.post('/api/v1/chat', { data: { message, conversation_id } })).json();
  const alone = await chat('how long does it take?');
  expect(alone.reply.decision).not.toBe('answer');
  const first = await chat('I asked for a refund');
  const followUp = await chat('how long does it take?', first.conversation_id);
  expect(followUp.reply.decision).toBe('answer');
  expect(followUp.reply.sources).toEqual([{ title: 'Refund policy', url: '/help/refund-policy' }]);
});

test('cross-origin calls get the single requesting origin back', async ({ request }) => {
  const res = await request.fetch('/api/v1/chat', {
    method: 'OPTIONS',
    headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
  });
  expect(res.status()).toBe(204);
  expect(res.headers()['access-control-allow-origin']).toBe('https://shop.example');
  expect(res.headers()['vary']).toContain('Origin');
});

test('health reports the compiled help centre', async ({ request }) => {
  const res = await request.get('/healthz');
  const articles = readdirSync(join(__dirname, '..', 'kb')).filter((f) => f.endsWith('.md')).length;
  expect(articles).toBeGreaterThan(0);
  const health = await res.json();
  expect(health).toEqual({ status: 'ok', version: expect.any(Number), articles, passages: expect.any(Number), d1_statements: expect.any(Number) });
  // Every article has at least one passage for an embedding model.
  expect(health.passages).toBeGreaterThanOrEqual(articles);
});

test('small talk, languages, always-human topics and repeated failure, stored with reason and language', async ({
  request,
}) => {
  const say = async (message: string, conversation_id?: string, locale?: string) =>
    (await (await request.post('/api/v1/chat', { data: { message, conversation_id, locale } })).json()) as {
      conversation_id: string;
      reply: { decision: string; reason?: string; lang: string; text: string; sources: { url: string }[] };
    };
  const hello = await say('Hallo!', undefined, 'de-DE');
  expect(hello.reply).toMatchObject({ decision: 'small_talk', lang: 'de', sources: [] });
  expect(hello.reply.text).toContain('Hallo');
  const id = hello.conversation_id;
  // The German article answers a German question.
  const de = await say('Wie exportiere ich meine Notizen als PDF?', id, 'de-DE');
  expect(de.reply).toMatchObject({ decision: 'answer', lang: 'de' });
  expect(de.reply.sources[0].url).toBe('/help/de-notizen-exportieren');
  // A site-owner topic goes to a person even though the refund article matches.
  const dispute = await say('I was charged twice and want my money back', id);
  expect(dispute.reply).toMatchObject({ decision: 'escalate', reason: 'always_human', lang: 'en' });
  // Two turns without an answer, then a third: the bot offers a person.
  const vague = ['what about the thing with my colleagues', 'and the other stuff from yesterday'];
  for (const m of vague) expect((await say(m, id)).reply.decision).not.toBe('answer');
  const third = await say('something about the numbers on the screen', id);
  expect(third.reply).toMatchObject({ decision: 'escalate', reason: 'unresolved' });
  const rows = d1<{ decision: string; reason: string | null; lang: string }>(
    `SELECT decision, reason, lang FROM messages WHERE conversation_id = '${id}' AND role = 'bot' ORDER BY id`,
  );
  expect(rows[0]).toEqual({ decision: 'small_talk', reason: null, lang: 'de' });
  expect(rows[2]).toEqual({ decision: 'escalate', reason: 'always_human', lang: 'en' });
  expect(rows[rows.length - 1]).toEqual({ decision: 'escalate', reason: 'unresolved', lang: 'en' });
  // A malformed locale is a clear error and stores nothing.
  const bad = await request.post('/api/v1/chat', { data: { message: 'hi', locale: '<script>' } });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error).toMatchObject({ code: 'invalid_field', field: 'locale' });
});

test('a handoff stores the agent-facing ticket, and a retry with the same key makes no duplicate', async ({
  request,
}) => {
  const first = await (
    await request.post('/api/v1/chat', { data: { message: 'I was charged twice for my subscription this month' } })
  ).json();
  expect(first.reply).toMatchObject({ decision: 'escalate', reason: 'always_human' });
  const id = first.conversation_id;
  const body = {
    conversation_id: id,
    email: 'ana@example.com',
    note: 'Please refund the second charge, it is urgent',
    idempotency_key: `e2e-${id}`,
  };
  const created = await request.post('/api/v1/handoff', { data: body });
  expect(created.status()).toBe(201);
  const ticket = await created.json();
  expect(ticket.reference).toMatch(/^FD-[0-9A-Z]{8}$/);
  // The response was lost; the widget sends the same request again.
  const retried = await request.post('/api/v1/handoff', { data: body });
  expect(retried.status()).toBe(200);
  expect(await retried.json()).toEqual(ticket);
  const rows = d1<{ reference: string; priority: string; topic: string; language: string; document: string }>(
    `SELECT reference, priority, topic, language, document FROM tickets WHERE conversation_id = '${id}'`,
  );
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ reference: ticket.reference, priority: 'urgent', topic: 'billing dispute', language: 'en' });
  const doc = JSON.parse(rows[0].document);
  expect(doc).toMatchObject({
    schema: 'frontdesk.ticket.v1',
    reference: ticket.reference,
    status: 'open',
    requester: { email: 'ana@example.com' },
    note: body.note,
    summary: { method: 'extractive' },
    triage: { priority: { value: 'urgent' }, topic: { value: 'billing dispute' }, language: { value: 'en' } },
  });
  expect(doc.summary.text).toContain('charged twice');
  expect(doc.triage.priority_signals).toContain('charged twice');
  expect(doc.transcript.map((e: { role: string }) => e.role)).toEqual(['visitor', 'bot']);
  // A malformed key is a clear error and stores nothing.
  const bad = await request.post('/api/v1/handoff', { data: { ...body, idempotency_key: 'no spaces allowed' } });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error).toMatchObject({ code: 'invalid_field', field: 'idempotency_key' });
  expect(d1(`SELECT 1 FROM tickets WHERE conversation_id = '${id}'`)).toHaveLength(1);
});
