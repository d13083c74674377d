import { expect, test, type APIRequestContext } from '@playwright/test';
import { d1 } from './d1';
import { AGENT_TOKEN, AI_PORT, AI_STATE, LLM_PORT } from './playwright.config';

// Thumbs up/down on bot answers: every chat reply names its stored bot
// message, the visitor rates it (and may change their mind), the rating
// reads back in the conversation and in the agent's ticket view, bad input
// changes nothing, and the rating goes with its conversation.

const AI = `http://127.0.0.1:${AI_PORT}`;
const LLM = `http://127.0.0.1:${LLM_PORT}`;
const auth = { authorization: `Bearer ${AGENT_TOKEN}` };

type Answer = { conversation_id: string; message_id: number; reply: { decision: string; text: string } };

async function chat(request: APIRequestContext, message: string, conversation_id?: string, base = ''): Promise<Answer> {
  const res = await request.post(`${base}/api/v1/chat`, { data: { message, conversation_id } });
  expect(res.status()).toBe(200);
  return res.json();
}

const rate = (request: APIRequestContext, body: unknown, base = '') =>
  request.post(`${base}/api/v1/feedback`, {
    data: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

/** The ids of a conversation's stored messages by role, oldest first. */
const ids = (conversation: string, role: string, state?: string) =>
  d1<{ id: number }>(
    `SELECT id FROM messages WHERE conversation_id = '${conversation}' AND role = '${role}' ORDER BY id`,
    state,
  ).map((r) => r.id);

const feedbackRows = (where: string, state?: string) =>
  d1<{ message_id: number; conversation_id: string; rating: string; created_at: number; updated_at: number }>(
    `SELECT message_id, conversation_id, rating, created_at, updated_at FROM feedback WHERE ${where} ORDER BY message_id`,
    state,
  );

test.describe.configure({ mode: 'serial' });

test('a reply names its stored bot message; rating it, then changing the rating, keeps one row that reads back', async ({
  request,
}) => {
  const first = await chat(request, 'How do I reset my password?');
  expect(first.reply.decision).toBe('answer');
  const id = first.conversation_id;
  const second = await chat(request, 'hello', id);
  expect(second.reply.decision).toBe('small_talk');
  // The ids are the stored bot messages', in order.
  expect([first.message_id, second.message_id]).toEqual(ids(id, 'bot'));
  expect(second.message_id).toBeGreaterThan(first.message_id);

  const up = await rate(request, { conversation_id: id, message_id: first.message_id, rating: 'up' });
  expect(up.status()).toBe(200);
  expect(await up.json()).toEqual({ message_id: first.message_id, rating: 'up' });
  const [stored] = feedbackRows(`conversation_id = '${id}'`);
  expect(stored).toMatchObject({ message_id: first.message_id, conversation_id: id, rating: 'up' });
  expect(stored.updated_at).toBe(stored.created_at);

  // Changed mind: the same row, now down.
  const down = await rate(request, { conversation_id: id, message_id: first.message_id, rating: 'down' });
  expect(down.status()).toBe(200);
  expect(await down.json()).toEqual({ message_id: first.message_id, rating: 'down' });
  const rows = feedbackRows(`conversation_id = '${id}'`);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ message_id: first.message_id, rating: 'down', created_at: stored.created_at });
  expect(rows[0].updated_at).toBeGreaterThanOrEqual(stored.created_at);

  // Read back as a reloaded widget would: only the rated bot message has a rating.
  const view = await (await request.get(`/api/v1/conversations/${id}`)).json();
  expect(view.messages.map((m: { id: number; role: string; rating?: string }) => [m.id, m.role, m.rating ?? null])).toEqual([
    [first.message_id - 1, 'visitor', null],
    [first.message_id, 'bot', 'down'],
    [second.message_id - 1, 'visitor', null],
    [second.message_id, 'bot', null],
  ]);
  expect(Object.keys(view.messages[3])).not.toContain('rating');

  // Agents see it: in the ticket document made at handoff and in the live conversation.
  await rate(request, { conversation_id: id, message_id: second.message_id, rating: 'up' });
  const made = await request.post('/api/v1/handoff', { data: { conversation_id: id, email: 'rater@example.com' } });
  expect(made.status()).toBe(201);
  const { reference } = await made.json();
  const ticket = await (await request.get(`/api/v1/agent/tickets/${reference}`, { headers: auth })).json();
  const ratings = (entries: { role: string; rating?: string }[]) => entries.map((e) => [e.role, e.rating ?? null]);
  const expected = [
    ['visitor', null],
    ['bot', 'down'],
    ['visitor', null],
    ['bot', 'up'],
  ];
  expect(ratings(ticket.conversation)).toEqual(expected);
  expect(ratings(ticket.ticket.transcript)).toEqual(expected);
  // A later change shows in the live conversation.
  await rate(request, { conversation_id: id, message_id: first.message_id, rating: 'up' });
  const again = await (await request.get(`/api/v1/agent/tickets/${reference}`, { headers: auth })).json();
  expect(again.conversation[1].rating).toBe('up');
});

test('bad feedback gets a stable code naming the field, and changes nothing', async ({ request }) => {
  const mine = await chat(request, 'How do I export my notes as PDF?');
  const other = await chat(request, 'How do I reset my password?');
  const id = mine.conversation_id;
  const bot = mine.message_id;
  const [visitor] = ids(id, 'visitor');
  const ok = await rate(request, { conversation_id: id, message_id: bot, rating: 'up' });
  expect(ok.status()).toBe(200);
  const snapshot = () => d1('SELECT message_id, conversation_id, rating, created_at, updated_at FROM feedback ORDER BY message_id');
  const before = snapshot();
  const cases: Array<[unknown, number, string, string?]> = [
    [{ conversation_id: id, message_id: bot, rating: 'meh' }, 400, 'invalid_field', 'rating'],
    [{ conversation_id: id, message_id: bot, rating: 'DOWN' }, 400, 'invalid_field', 'rating'],
    [{ conversation_id: id, message_id: bot, rating: '' }, 400, 'invalid_field', 'rating'],
    [{ conversation_id: id, message_id: 0, rating: 'down' }, 400, 'invalid_field', 'message_id'],
    [{ conversation_id: id, message_id: -bot, rating: 'down' }, 400, 'invalid_field', 'message_id'],
    [{ conversation_id: id, message_id: 2 ** 53, rating: 'down' }, 400, 'invalid_field', 'message_id'],
    [{ conversation_id: 'nope', message_id: bot, rating: 'down' }, 400, 'invalid_field', 'conversation_id'],
    [{ conversation_id: id.toUpperCase(), message_id: bot, rating: 'down' }, 400, 'invalid_field', 'conversation_id'],
    // Wrong shapes are invalid JSON, as on every endpoint.
    [{ conversation_id: id, message_id: bot, rating: 'down', score: 1 }, 400, 'invalid_json'],
    [{ conversation_id: id, message_id: String(bot), rating: 'down' }, 400, 'invalid_json'],
    [{ conversation_id: id, message_id: bot }, 400, 'invalid_json'],
    ['{"conversation_id":', 400, 'invalid_json'],
    // Well-formed, but not a bot message of this conversation.
    [
      { conversation_id: '00000000-0000-4000-8000-000000000000', message_id: bot, rating: 'down' },
      404,
      'conversation_not_found',
      'conversation_id',
    ],
    [{ conversation_id: id, message_id: visitor, rating: 'down' }, 404, 'message_not_found', 'message_id'],
    [{ conversation_id: id, message_id: other.message_id, rating: 'down' }, 404, 'message_not_found', 'message_id'],
    [{ conversation_id: id, message_id: 2 ** 53 - 1, rating: 'down' }, 404, 'message_not_found', 'message_id'],
  ];
  for (const [body, status, code, field] of cases) {
    const res = await rate(request, body);
    const what = JSON.stringify(body);
    expect(res.status(), what).toBe(status);
    const { error } = await res.json();
    expect(error.code, what).toBe(code);
    expect(error.field, what).toBe(field);
    expect(error.message, what).toBeTruthy();
  }
  const wrongType = await request.post('/api/v1/feedback', {
    data: `conversation_id=${id}&message_id=${bot}&rating=down`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(wrongType.status()).toBe(415);
  const wrongMethod = await request.get('/api/v1/feedback');
  expect(wrongMethod.status()).toBe(405);
  expect((await wrongMethod.json()).error.code).toBe('method_not_allowed');
  expect(snapshot()).toEqual(before);
  expect(feedbackRows(`conversation_id = '${id}'`)).toMatchObject([{ message_id: bot, rating: 'up' }]);
  expect(feedbackRows(`conversation_id = '${other.conversation_id}'`)).toEqual([]);
});

test("deleting a conversation deletes its ratings, and only its own", async ({ request }) => {
  const gone = await chat(request, 'How do I reset my password?');
  const kept = await chat(request, 'How do I reset my password?');
  for (const a of [gone, kept]) {
    expect((await rate(request, { conversation_id: a.conversation_id, message_id: a.message_id, rating: 'down' })).status()).toBe(200);
  }
  const res = await request.delete(`/api/v1/conversations/${gone.conversation_id}`);
  expect(res.status()).toBe(200);
  expect(feedbackRows(`conversation_id = '${gone.conversation_id}' OR message_id = ${gone.message_id}`)).toEqual([]);
  expect(ids(gone.conversation_id, 'bot')).toEqual([]);
  expect(feedbackRows(`conversation_id = '${kept.conversation_id}'`)).toMatchObject([{ message_id: kept.message_id, rating: 'down' }]);
  // Rating a message of the deleted conversation: the conversation is gone.
  const late = await rate(request, { conversation_id: gone.conversation_id, message_id: gone.message_id, rating: 'up' });
  expect(late.status()).toBe(404);
  expect((await late.json()).error.code).toBe('conversation_not_found');
});

test('the retention purge deletes ratings with their conversations', async ({ request }) => {
  const old = await chat(request, 'How do I reset my password?');
  const fresh = await chat(request, 'How do I reset my password?');
  for (const a of [old, fresh]) {
    await rate(request, { conversation_id: a.conversation_id, message_id: a.message_id, rating: 'up' });
  }
  d1(`UPDATE conversations SET updated_at = ${Date.now() - 100 * 24 * 60 * 60 * 1000} WHERE id = '${old.conversation_id}'`);
  expect((await request.get('/__scheduled?cron=17+3+*+*+*')).ok()).toBe(true);
  await expect.poll(() => d1(`SELECT id FROM conversations WHERE id = '${old.conversation_id}'`).length).toBe(0);
  expect(feedbackRows(`conversation_id = '${old.conversation_id}' OR message_id = ${old.message_id}`)).toEqual([]);
  expect(feedbackRows(`conversation_id = '${fresh.conversation_id}'`)).toHaveLength(1);
});

test('a generated answer names its message too: streamed (done event) and as JSON, and can be rated', async ({
  request,
}) => {
  const script = async (mode: string) =>
    expect((await request.post(`${LLM}/__mode`, { data: { mode, text: 'Choose ⋯ → Export, then PDF [1].' } })).status()).toBe(204);
  await script('answer');
  const res = await fetch(`${AI}/api/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ message: 'How do I export my notes as PDF?' }),
  });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const text = await res.text();
  const done = text
    .split('\n\n')
    .filter((block) => block.startsWith('event: done'))
    .map((block) => JSON.parse(/^data: (.*)$/m.exec(block)![1]) as Answer);
  expect(done).toHaveLength(1);
  const streamed = done[0];
  expect(streamed.reply).toMatchObject({ decision: 'answer', text: 'Choose ⋯ → Export, then PDF [1].' });
  expect([streamed.message_id]).toEqual(ids(streamed.conversation_id, 'bot', AI_STATE));

  // Not streamed: the written answer as JSON.
  const json = await chat(request, 'How do I export my notes as PDF?', undefined, AI);
  expect(json.reply.text).toBe('Choose ⋯ → Export, then PDF [1].');
  expect([json.message_id]).toEqual(ids(json.conversation_id, 'bot', AI_STATE));

  const rated = await rate(request, { conversation_id: streamed.conversation_id, message_id: streamed.message_id, rating: 'down' }, AI);
  expect(rated.status()).toBe(200);
  expect(feedbackRows(`conversation_id = '${streamed.conversation_id}'`, AI_STATE)).toMatchObject([
    { message_id: streamed.message_id, rating: 'down' },
  ]);
});
