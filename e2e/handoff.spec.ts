import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { d1 } from './d1';
import { AGENT_TOKEN, RECEIVER_PORT } from './playwright.config';

// The whole human handoff, as a visitor and an agent live it: escalate in
// the widget → the form → a ticket in D1 → the signed webhook (verified by
// the standardwebhooks library in receiver.mjs) → an agent replies in the
// inbox (and then through the API) → the reply appears in the open widget → a reload keeps the
// conversation → replies that came while away wait, marked unread → the
// visitor deletes the conversation. Plus the visitor conversation API.

const RECEIVER = `http://127.0.0.1:${RECEIVER_PORT}`;
const auth = { authorization: `Bearer ${AGENT_TOKEN}` };
const KEY = 'frontdesk:v1';

const launcher = (page: Page) => page.getByRole('button', { name: /^Open support chat/ });
const panel = (page: Page) => page.getByRole('dialog', { name: 'Lumen Notes support' });
const composer = (page: Page) => panel(page).getByRole('textbox', { name: 'Your message' });
const agentLines = (page: Page) => panel(page).locator('.fd-agent');

async function agentReply(request: APIRequestContext, reference: string, text: string) {
  const res = await request.post(`/api/v1/agent/tickets/${reference}/reply`, { headers: auth, data: { text } });
  expect(res.status()).toBe(201);
}

test.describe.configure({ mode: 'serial' });

test('escalate, hand off, get the agent reply live, keep it across reloads, then delete', async ({ page, request }) => {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.goto('/');
  // Nothing stored before the widget is opened.
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  await launcher(page).click();
  await expect(panel(page)).toBeVisible();

  // The engine escalates an always-human topic and offers a person.
  const question = 'Someone hacked my account and changed the password';
  await composer(page).fill(question);
  await composer(page).press('Enter');
  const offer = panel(page).locator('.fd-bot[data-decision="escalate"]');
  await expect(offer).toHaveCount(1);
  // Storage starts with the conversation, in the opened widget.
  const conversation = await page.evaluate((k) => JSON.parse(localStorage.getItem(k)!).conversation, KEY);
  expect(conversation).toMatch(/^[0-9a-f-]{36}$/);

  // The form: email, the question already in the note.
  await offer.getByRole('button', { name: 'Talk to a person' }).click();
  await expect(panel(page).getByRole('textbox', { name: 'Anything to add? (optional)' })).toHaveValue(question);
  await panel(page).getByRole('textbox', { name: 'Email' }).fill('visitor.flow@example.com');
  const handedOff = Date.now();
  await panel(page).getByRole('button', { name: 'Send to our team' }).click();
  const reference = (await panel(page).locator('.fd-ticket .fd-ref').textContent())!;
  expect(reference).toMatch(/^FD-[0-9A-Z]{8}$/);

  // Stored, with the transcript, before the visitor was told.
  const [ticket] = d1<{ conversation_id: string; email: string; topic: string; priority: string }>(
    `SELECT conversation_id, email, topic, priority FROM tickets WHERE reference = '${reference}'`,
  );
  expect(ticket).toEqual({ conversation_id: conversation, email: 'visitor.flow@example.com', topic: 'security incident', priority: 'urgent' });

  // The webhook got it, signed; the reference library verified it.
  type Got = { path: string; at: number; verified?: boolean; payload?: any };
  let got: Got[] = [];
  await expect
    .poll(async () => {
      got = (await (await request.get(`${RECEIVER}/__received`)).json()).filter((r: Got) =>
        JSON.stringify(r.payload ?? '').includes(reference),
      );
      const hook = got.find((r) => r.path === '/webhook');
      return hook && { verified: hook.verified, email: hook.payload.data.requester.email };
    }, { timeout: 20_000 })
    .toEqual({ verified: true, email: 'visitor.flow@example.com' });
  // Delivery latency on loopback, from the click (the queue's 1 s batch timeout included).
  await expect.poll(async () => {
    got = (await (await request.get(`${RECEIVER}/__received`)).json()).filter((r: Got) =>
      JSON.stringify(r.payload ?? '').includes(reference),
    );
    return got.length;
  }).toBe(4);
  console.log(
    'delivered after the handoff: ' +
      got.map((r) => `${r.path.split('/')[1]} ${r.at - handedOff} ms`).join(', '),
  );

  // An agent answers in the inbox (/agent, another tab); the open widget
  // shows the reply within 2 s.
  const inbox = await page.context().newPage();
  await inbox.goto('/agent');
  await inbox.getByLabel('Agent token').fill(AGENT_TOKEN);
  await inbox.getByRole('button', { name: 'Sign in' }).click();
  await inbox.locator(`#ticket-list a[data-reference="${reference}"]`).click();
  await expect(inbox.locator('#d-note')).toHaveText(question);
  const first = 'Hi, this is Sam from support. I have locked the account; check your email for a reset link.';
  await inbox.getByLabel('Reply to the visitor').fill(first);
  const sent = Date.now();
  await inbox.getByRole('button', { name: 'Send' }).click();
  await expect(agentLines(page)).toHaveCount(1, { timeout: 2_000 });
  const latency = Date.now() - sent;
  console.log(`agent reply (inbox → open widget) arrived in ${latency} ms`);
  await inbox.close();
  await expect(agentLines(page).first()).toContainText(first);
  await expect(agentLines(page).first()).toContainText('Support team');
  // Seen with the panel open: not marked new, no badge.
  await expect(agentLines(page).first().locator('.fd-new')).toHaveCount(0);

  // A reload keeps the conversation: question, bot offer, ticket, reply.
  await page.reload();
  await launcher(page).click();
  await expect(panel(page).locator('.fd-visitor')).toHaveText([question]);
  await expect(panel(page).locator('.fd-bot[data-decision="escalate"]')).toHaveCount(1);
  await expect(panel(page).locator('.fd-ticket .fd-ref')).toHaveText(reference);
  await expect(agentLines(page)).toHaveCount(1);
  await expect(agentLines(page).locator('.fd-new')).toHaveCount(0);

  // Close the panel; a reply that comes now badges the launcher.
  await page.keyboard.press('Escape');
  await agentReply(request, reference, 'One more thing: turn on two-factor authentication.');
  await expect(launcher(page)).toHaveAccessibleName('Open support chat (1 unread)', { timeout: 2_000 });

  // The visitor leaves; another reply comes while they are away.
  await page.goto('about:blank');
  await agentReply(request, reference, 'Let us know if anything looks odd.');
  urls.length = 0;
  await page.goto('/');
  await page.waitForLoadState('networkidle');
  // Back later: nothing is read while the page loads; once the visitor is on
  // the page (a pointer move), the loader alone shows both unread replies,
  // app not loaded.
  expect(urls.filter((u) => u.includes('/replies'))).toEqual([]);
  await expect(launcher(page)).toHaveAccessibleName('Open support chat');
  await page.mouse.move(5, 5);
  await expect(launcher(page)).toHaveAccessibleName('Open support chat (2 unread)');
  await expect(launcher(page).locator('.fd-badge')).toHaveText('2');
  expect(urls.filter((u) => /\.wasm|widget\/app\./.test(u))).toEqual([]);
  await launcher(page).click();
  await expect(agentLines(page)).toHaveCount(3);
  await expect(agentLines(page).locator('.fd-new')).toHaveCount(2);
  await expect(agentLines(page).nth(0).locator('.fd-new')).toHaveCount(0);
  await expect(launcher(page).locator('.fd-badge')).toHaveCount(0);
  // Read now: the next page has nothing unread.
  await page.reload();
  await expect(launcher(page)).toBeVisible();
  await page.waitForLoadState('networkidle');
  const asked = page.waitForResponse((r) => r.url().includes('/replies'));
  await page.mouse.move(9, 9);
  expect(((await (await asked).json()) as { messages: unknown[] }).messages).toEqual([]);
  await expect(launcher(page)).toHaveAccessibleName('Open support chat');

  // The visitor deletes the conversation.
  await launcher(page).click();
  await expect(agentLines(page)).toHaveCount(3);
  await panel(page).getByRole('button', { name: 'Delete conversation' }).click();
  const confirm = panel(page).getByRole('button', { name: 'Delete', exact: true });
  await expect(confirm).toBeFocused();
  await confirm.click();
  await expect(panel(page).locator('.fd-bot').last()).toContainText('Your conversation was deleted.');
  await expect(agentLines(page)).toHaveCount(0);
  await expect(panel(page).getByRole('button', { name: 'Delete conversation' })).toBeHidden();
  expect(await page.evaluate((k) => localStorage.getItem(k), KEY)).toBeNull();
  const left = d1<{ n: number }>(
    `SELECT (SELECT COUNT(*) FROM conversations WHERE id = '${conversation}') + ` +
      `(SELECT COUNT(*) FROM messages WHERE conversation_id = '${conversation}') + ` +
      `(SELECT COUNT(*) FROM tickets WHERE reference = '${reference}') + ` +
      `(SELECT COUNT(*) FROM deliveries WHERE ticket_reference = '${reference}') AS n`,
  );
  expect(left).toEqual([{ n: 0 }]);
  // A fresh start after deleting: a new conversation.
  await composer(page).fill('How do I export my notes?');
  await composer(page).press('Enter');
  await expect(panel(page).locator('.fd-bot[data-decision="answer"]')).toHaveCount(1);
  const next = await page.evaluate((k) => JSON.parse(localStorage.getItem(k) ?? '{}').conversation, KEY);
  expect(next).toMatch(/^[0-9a-f-]{36}$/);
  expect(next).not.toBe(conversation);
});

test('the conversation API: read back, long-poll replies, delete, bad input', async ({ request }) => {
  const chat = await (await request.post('/api/v1/chat', { data: { message: 'How do I export my notes?' } })).json();
  const id = chat.conversation_id;
  const { reference } = await (
    await request.post('/api/v1/handoff', { data: { conversation_id: id, email: 'api.flow@example.com' } })
  ).json();

  const view = await (await request.get(`/api/v1/conversations/${id}`)).json();
  expect(view.conversation_id).toBe(id);
  expect(view.messages.map((m: { role: string }) => m.role)).toEqual(['visitor', 'bot']);
  expect(view.messages[1].decision).toBeTruthy();
  expect(view.tickets).toEqual([expect.objectContaining({ reference, email: 'api.flow@example.com', status: 'open' })]);

  // Nothing yet: an immediate answer with no messages.
  const none = await (await request.get(`/api/v1/conversations/${id}/replies?after=0`)).json();
  expect(none.messages).toEqual([]);
  // A held request returns as soon as the agent writes.
  const started = Date.now();
  const held = request.get(`/api/v1/conversations/${id}/replies?after=0&wait=10`);
  await new Promise((r) => setTimeout(r, 700));
  await agentReply(request, reference, 'Hello from the team');
  const got = await (await held).json();
  const waited = Date.now() - started;
  console.log(`long poll returned ${waited - 700} ms after the agent reply`);
  expect(got.messages).toEqual([expect.objectContaining({ role: 'agent', text: 'Hello from the team' })]);
  expect(waited).toBeLessThan(5_000);
  // after= the last id: nothing new.
  const after = await (await request.get(`/api/v1/conversations/${id}/replies?after=${got.messages[0].id}`)).json();
  expect(after.messages).toEqual([]);

  // Bad input: clear errors, nothing changes.
  for (const [url, field] of [
    [`/api/v1/conversations/not-an-id`, 'conversation_id'],
    [`/api/v1/conversations/${id}/replies?after=-1`, 'after'],
    [`/api/v1/conversations/${id}/replies?wait=26`, 'wait'],
    [`/api/v1/conversations/${id}/replies?wait=soon`, 'wait'],
  ]) {
    const res = await request.get(url);
    expect(res.status(), url).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'invalid_field', field });
  }
  const unknown = await request.get('/api/v1/conversations/00000000-0000-4000-8000-000000000000');
  expect(unknown.status()).toBe(404);
  expect((await unknown.json()).error.code).toBe('conversation_not_found');
  const post = await request.post(`/api/v1/conversations/${id}`, { data: {} });
  expect(post.status()).toBe(405);

  // Delete: gone with its ticket; a second delete is a 404.
  const del = await request.delete(`/api/v1/conversations/${id}`);
  expect(await del.json()).toEqual({ conversation_id: id, deleted: true });
  expect((await request.get(`/api/v1/conversations/${id}`)).status()).toBe(404);
  expect((await request.get(`/api/v1/agent/tickets/${reference}`, { headers: auth })).status()).toBe(404);
  expect((await request.delete(`/api/v1/conversations/${id}`)).status()).toBe(404);
  const chatAfter = await request.post('/api/v1/chat', { data: { conversation_id: id, message: 'hello?' } });
  expect(chatAfter.status()).toBe(404);
});

test('a handoff whose answer was lost is sent again from the form and makes no second ticket', async ({ page }) => {
  await page.goto('/');
  await launcher(page).click();
  await composer(page).fill('Can someone call me about an enterprise plan for 40 people?');
  await composer(page).press('Enter');
  await expect(panel(page).locator('.fd-bot[data-decision]')).toHaveCount(1);
  const conversation = await page.evaluate((k) => JSON.parse(localStorage.getItem(k)!).conversation, KEY);

  // The first request reaches the worker (which stores the ticket), but its
  // answer never reaches the page.
  const keys: string[] = [];
  await page.route('**/api/v1/handoff', async (route) => {
    keys.push(route.request().postDataJSON().idempotency_key);
    if (keys.length === 1) {
      const res = await route.fetch();
      expect(res.status()).toBe(201);
      await route.abort('connectionreset');
    } else {
      await route.continue();
    }
  });
  await panel(page).locator('.fd-human-bar').getByRole('button', { name: 'Talk to a person' }).click();
  await panel(page).getByRole('textbox', { name: 'Email' }).fill('retry.flow@example.com');
  await panel(page).getByRole('button', { name: 'Send to our team' }).click();
  await expect(panel(page).locator('.fd-error')).toContainText("couldn't reach support");
  // The visitor tries again: the same key, the ticket made the first time.
  await panel(page).getByRole('button', { name: 'Send to our team' }).click();
  const reference = await panel(page).locator('.fd-ticket .fd-ref').textContent();
  expect(keys).toHaveLength(2);
  expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
  expect(keys[1]).toBe(keys[0]);
  expect(d1(`SELECT reference FROM tickets WHERE conversation_id = '${conversation}'`)).toEqual([{ reference }]);
  expect(d1<{ n: number }>(`SELECT COUNT(*) AS n FROM deliveries WHERE ticket_reference = '${reference}'`)).toEqual([{ n: 4 }]);
});
