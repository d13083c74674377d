import { expect, test, type APIRequestContext } from '@playwright/test';
import { d1 } from './d1';
import { RECEIVER_PORT } from './playwright.config';

// Tickets reach the places a team works: a Standard Webhooks endpoint
// (signature checked by the reference library), Slack, Zendesk and GitHub —
// all stand-ins on loopback (receiver.mjs) that check the exact request.

const RECEIVER = `http://127.0.0.1:${RECEIVER_PORT}`;
type Received = { path: string; failed?: boolean; verified?: boolean; payload?: any; headers?: Record<string, string> };

async function received(request: APIRequestContext): Promise<Received[]> {
  return (await request.get(`${RECEIVER}/__received`)).json();
}

async function openTicket(request: APIRequestContext, message: string): Promise<string> {
  const chat = await (await request.post('/api/v1/chat', { data: { message } })).json();
  const res = await request.post('/api/v1/handoff', {
    data: { conversation_id: chat.conversation_id, email: 'ana@example.com', note: 'Please help' },
  });
  expect(res.status()).toBe(201);
  return (await res.json()).reference;
}

const deliveries = (reference: string) =>
  d1<{ sink: string; status: string; attempts: number; last_error: string | null }>(
    `SELECT sink, status, attempts, last_error FROM deliveries WHERE ticket_reference = '${reference}' ORDER BY sink`,
  );

const mentions = (r: Received, reference: string) => JSON.stringify(r.payload ?? '').includes(reference);

test.describe.configure({ mode: 'serial' });

test('a new ticket is delivered, signed, to the webhook, Slack, Zendesk and GitHub', async ({ request }) => {
  // Urgent ("deleted everything"), and a topic no route in frontdesk.toml lists.
  const reference = await openTicket(request, 'The sync deleted everything in my notebook');
  await expect
    .poll(async () => deliveries(reference).map((d) => `${d.sink}:${d.status}:${d.attempts}`), { timeout: 30_000 })
    .toEqual(['github:delivered:1', 'slack:delivered:1', 'webhook:delivered:1', 'zendesk:delivered:1']);
  const got = (await received(request)).filter((r) => mentions(r, reference));
  const at = (path: string) => got.find((r) => r.path === path)!;
  // The reference library verified the signature, and the event carries the ticket.
  const hook = at('/webhook');
  expect(hook.verified).toBe(true);
  expect(hook.headers!['webhook-id']).toBe(`msg_${reference}_webhook`);
  expect(hook.payload).toMatchObject({
    type: 'ticket.created',
    data: { schema: 'frontdesk.ticket.v1', reference, requester: { email: 'ana@example.com' } },
  });
  expect(hook.payload.data.triage.priority.value).toBe('urgent');
  // Slack: a readable Block Kit message.
  const slack = at('/slack').payload;
  expect(slack.text).toContain(reference);
  expect(slack.blocks[0].type).toBe('header');
  // Zendesk and GitHub: their create APIs, with our reference.
  expect(at('/zendesk/api/v2/tickets.json').payload.ticket).toMatchObject({ external_id: reference, priority: 'urgent' });
  const issue = at('/github/repos/acme/support/issues').payload;
  expect(issue.title).toContain(reference);
  expect(issue.labels).toContain('priority:urgent');
  expect(issue.labels.some((l: string) => l.startsWith('team:'))).toBe(false);
  // Every sink names the site the visitor wrote from (the default, demo).
  expect(hook.payload.data.site).toEqual({ key: 'demo', name: 'Frontdesk demo' });
  expect(JSON.stringify(slack.blocks)).toContain('*Site:* Frontdesk demo (demo)');
  const zendesk = at('/zendesk/api/v2/tickets.json').payload.ticket;
  expect(zendesk.comment.body).toContain('Site: Frontdesk demo (demo)');
  expect(zendesk.tags).toContain('site_demo');
  expect(issue.body).toContain('| Site | Frontdesk demo (demo) |');
  expect(issue.labels).toContain('site:demo');
  expect(hook.payload.data.routing).toEqual({ team: null, sinks: ['webhook', 'slack', 'zendesk', 'github'] });
  expect(d1<{ team: string | null }>(`SELECT team FROM tickets WHERE reference = '${reference}'`)).toEqual([{ team: null }]);
});

test('a billing dispute goes to the billing team: only the webhook and Zendesk get it, with the team', async ({
  request,
}) => {
  // frontdesk.toml: [[route]] topics = ["billing dispute", …], team = "billing", sinks = ["webhook", "zendesk"]
  const reference = await openTicket(request, 'I was charged twice for my subscription');
  await expect
    .poll(async () => deliveries(reference).map((d) => `${d.sink}:${d.status}:${d.attempts}`), { timeout: 30_000 })
    .toEqual(['webhook:delivered:1', 'zendesk:delivered:1']);
  const got = (await received(request)).filter((r) => mentions(r, reference));
  expect(got.map((r) => r.path).sort()).toEqual(['/webhook', '/zendesk/api/v2/tickets.json']);
  const hook = got.find((r) => r.path === '/webhook')!;
  expect(hook.verified).toBe(true);
  expect(hook.payload.data.triage.topic.value).toBe('billing dispute');
  expect(hook.payload.data.routing).toEqual({ team: 'billing', sinks: ['webhook', 'zendesk'] });
  const zendesk = got.find((r) => r.path === '/zendesk/api/v2/tickets.json')!.payload.ticket;
  expect(zendesk.tags).toContain('team_billing');
  expect(zendesk.comment.body).toContain('Team: billing');
  expect(d1<{ team: string }>(`SELECT team FROM tickets WHERE reference = '${reference}'`)).toEqual([{ team: 'billing' }]);
});

test('a sink that keeps failing is retried, then kept as a dead letter; the ticket and other sinks are fine', async ({
  request,
}) => {
  await request.post(`${RECEIVER}/__fail`, { data: { path: '/slack', times: 100 } });
  await request.post(`${RECEIVER}/__fail`, { data: { path: '/github/repos/acme/support/issues', times: 2 } });
  const reference = await openTicket(request, 'my notes are gone, please help');
  try {
    await expect
      .poll(async () => deliveries(reference).map((d) => `${d.sink}:${d.status}:${d.attempts}`), { timeout: 60_000 })
      .toEqual(['github:delivered:3', 'slack:dead:5', 'webhook:delivered:1', 'zendesk:delivered:1']);
  } finally {
    await request.post(`${RECEIVER}/__fail`, { data: { path: '/slack', times: 0 } });
  }
  const slack = deliveries(reference).find((d) => d.sink === 'slack')!;
  expect(slack.last_error).toContain('HTTP 500');
  const tickets = d1<{ n: number }>(`SELECT COUNT(*) AS n FROM tickets WHERE reference = '${reference}'`);
  expect(tickets[0].n).toBe(1);
});
