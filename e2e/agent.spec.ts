import { expect, test } from '@playwright/test';
import { d1 } from './d1';
import { AGENT_TOKEN } from './playwright.config';

// The agent API: token-protected; list and filter, read a ticket with its
// conversation and deliveries, reply into the visitor's conversation, close.

const auth = { authorization: `Bearer ${AGENT_TOKEN}` };

test('the agent API needs the agent token', async ({ request }) => {
  for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: AGENT_TOKEN }]) {
    const res = await request.get('/api/v1/agent/tickets', { headers });
    expect(res.status()).toBe(401);
    expect((await res.json()).error.code).toBe('unauthorized');
  }
});

test('an agent lists, reads, answers and closes a ticket', async ({ request }) => {
  const chat = await (
    await request.post('/api/v1/chat', { data: { message: 'I think my account was hacked, please help' } })
  ).json();
  const id = chat.conversation_id;
  const made = await request.post('/api/v1/handoff', { data: { conversation_id: id, email: 'bo@example.com' } });
  const { reference } = await made.json();

  // Filtered list: urgent and open, newest first, ours among them.
  const list = await (await request.get('/api/v1/agent/tickets?priority=urgent&status=open', { headers: auth })).json();
  const item = list.find((t: { reference: string }) => t.reference === reference);
  expect(item).toMatchObject({ conversation_id: id, status: 'open', priority: 'urgent', topic: 'security incident', email: 'bo@example.com' });
  expect(item.summary).toContain('hacked');
  const bad = await request.get('/api/v1/agent/tickets?priority=whenever', { headers: auth });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error).toMatchObject({ code: 'invalid_field', field: 'priority' });

  // One ticket: its document, the conversation, its deliveries.
  const one = await (await request.get(`/api/v1/agent/tickets/${reference}`, { headers: auth })).json();
  expect(one.ticket).toMatchObject({ schema: 'frontdesk.ticket.v1', reference });
  expect(one.conversation.map((e: { role: string }) => e.role)).toEqual(['visitor', 'bot']);
  expect(one.deliveries.map((d: { sink: string }) => d.sink)).toEqual(['github', 'slack', 'webhook', 'zendesk']);

  // A reply goes into the visitor's conversation, as text.
  const text = 'Hi Bo, I have locked the account. <b>Reset</b> your password from the link we sent.';
  const reply = await request.post(`/api/v1/agent/tickets/${reference}/reply`, { headers: auth, data: { text } });
  expect(reply.status()).toBe(201);
  const rows = d1<{ role: string; body: string }>(
    `SELECT role, body FROM messages WHERE conversation_id = '${id}' ORDER BY id`,
  );
  expect(rows[rows.length - 1]).toEqual({ role: 'agent', body: text });
  const empty = await request.post(`/api/v1/agent/tickets/${reference}/reply`, { headers: auth, data: { text: '  ' } });
  expect(empty.status()).toBe(400);
  expect((await empty.json()).error.code).toBe('invalid_field');

  // Close; it moves to the closed list.
  const closed = await request.post(`/api/v1/agent/tickets/${reference}/close`, { headers: auth });
  expect(await closed.json()).toEqual({ reference, status: 'closed' });
  const closedList = await (await request.get('/api/v1/agent/tickets?status=closed', { headers: auth })).json();
  expect(closedList.map((t: { reference: string }) => t.reference)).toContain(reference);

  // Unknown or malformed references.
  for (const ref of ['FD-00000000', 'nope', "FD-1'--"]) {
    const res = await request.get(`/api/v1/agent/tickets/${encodeURIComponent(ref)}`, { headers: auth });
    expect(res.status(), ref).toBe(404);
    expect((await res.json()).error.code).toBe('ticket_not_found');
  }
});

test('the list filters by the team a route assigned', async ({ request }) => {
  const chat = await (
    await request.post('/api/v1/chat', { data: { message: 'I will file a chargeback for this charge' } })
  ).json();
  const made = await request.post('/api/v1/handoff', { data: { conversation_id: chat.conversation_id, email: 'di@example.com' } });
  const { reference } = await made.json();
  const list = async (query: string) => (await request.get(`/api/v1/agent/tickets?${query}`, { headers: auth })).json();
  const billing = await list('team=billing');
  expect(billing.find((t: { reference: string }) => t.reference === reference)).toMatchObject({
    topic: 'billing dispute',
    team: 'billing',
  });
  expect(billing.every((t: { team: string }) => t.team === 'billing')).toBe(true);
  const security = await list('team=security');
  expect(security.map((t: { reference: string }) => t.reference)).not.toContain(reference);
  for (const bad of ['team=', `team=${'x'.repeat(41)}`]) {
    const res = await request.get(`/api/v1/agent/tickets?${bad}`, { headers: auth });
    expect(res.status(), bad).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'invalid_field', field: 'team' });
  }
});
