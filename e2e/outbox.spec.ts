import { expect, test, type Page } from '@playwright/test';
import { d1 } from './d1';

// The outbox: a message typed while offline, or while the worker cannot be
// reached, stays in the widget (and in its storage entry, so a reload keeps
// it) and is sent when possible, with its idempotency key, so a message
// whose answer was lost is stored once.

const launcher = (page: Page) => page.getByRole('button', { name: 'Open support chat' });
const panel = (page: Page) => page.getByRole('dialog', { name: 'Lumen Notes support' });
const composer = (page: Page) => panel(page).getByRole('textbox', { name: 'Your message' });
const WAITING = 'Waiting for a connection';

async function open(page: Page) {
  await launcher(page).click();
  await expect(panel(page)).toBeVisible();
}

async function type(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press('Enter');
  await expect(panel(page).locator('.fd-visitor').last()).toContainText(text);
}

/** The widget's storage entry. */
const saved = (page: Page) =>
  page.evaluate(() => JSON.parse(localStorage.getItem('frontdesk:v1') || 'null'));

type Row = { role: string; body: string; conversation_id: string; idempotency_key: string | null };

test('messages typed offline wait in the outbox and go out, in order, once back online', async ({ page, context }) => {
  await page.goto('/');
  await open(page);
  await context.setOffline(true);
  const first = 'How do I export my notes as PDF?';
  const second = 'And how do I import notes from Evernote?';
  await type(page, first);
  const lines = panel(page).locator('.fd-visitor');
  await expect(lines.nth(0)).toContainText(WAITING);
  // The composer stays usable: a second message joins the queue.
  await type(page, second);
  await expect(lines.nth(1)).toContainText(WAITING);
  const kept = await saved(page);
  expect(kept.outbox.map((m: { t: string }) => m.t)).toEqual([first, second]);
  console.log(`outbox while offline: ${kept.outbox.length} messages in storage`);

  const back = Date.now();
  await context.setOffline(false);
  const bot = panel(page).locator('.fd-bot[data-decision]');
  await expect(bot).toHaveCount(2);
  await expect(bot.nth(0)).toContainText('PDF');
  await expect(bot.nth(1)).toContainText('Evernote');
  console.log(`outbox flushed ${Date.now() - back} ms after the browser came back online`);
  await expect(panel(page)).not.toContainText(WAITING);
  await expect.poll(async () => (await saved(page)).outbox).toEqual([]);

  // One conversation, each message once, in the order typed.
  const conversation = (await saved(page)).conversation;
  const rows = d1<Row>(
    `SELECT role, body, conversation_id, idempotency_key FROM messages ` +
      `WHERE conversation_id = '${conversation}' ORDER BY id`,
  );
  expect(rows.filter((r) => r.role === 'visitor').map((r) => r.body)).toEqual([first, second]);
  expect(rows.map((r) => r.role)).toEqual(['visitor', 'bot', 'visitor', 'bot']);
  expect(rows.filter((r) => r.role === 'visitor').every((r) => /^[\w-]{8,64}$/.test(r.idempotency_key!))).toBe(true);
});

test('a message whose answer was lost survives a reload and is stored once', async ({ page }) => {
  const question = `How do I reset my password? (lost answer ${Date.now()})`;
  // The worker takes the message and answers, but the answer never reaches
  // the page; after that the worker is unreachable.
  let attempts = 0;
  await page.route('**/api/v1/chat', async (route) => {
    attempts++;
    if (attempts === 1) await route.fetch();
    await route.abort('connectionreset');
  });
  await page.goto('/');
  await open(page);
  await type(page, question);
  await expect(panel(page).locator('.fd-visitor').last()).toContainText(WAITING);
  const stored = d1<Row>(`SELECT role, body, conversation_id, idempotency_key FROM messages WHERE body = '${question}'`);
  expect(stored).toHaveLength(1);
  const { outbox } = await saved(page);
  expect(outbox).toEqual([{ t: question, k: stored[0].idempotency_key }]);

  // Reload while the worker is still unreachable: the message is back, waiting.
  await page.reload();
  await open(page);
  const line = panel(page).locator('.fd-visitor').filter({ hasText: question });
  await expect(line).toContainText(WAITING);
  expect(attempts).toBeGreaterThan(2);

  // The worker is back: the next attempt gets the answer it stored for the
  // first one, and nothing is stored twice.
  await page.unroute('**/api/v1/chat');
  const back = Date.now();
  await expect(panel(page).locator('.fd-bot').last()).toContainText(/password/i, { timeout: 45_000 });
  console.log(`outbox sent ${Date.now() - back} ms after the worker came back (backoff 1, 2, 4 … 30 s); ${attempts} failed attempts`);
  await expect(line).not.toContainText(WAITING);
  const rows = d1<Row>(
    `SELECT role, body, conversation_id, idempotency_key FROM messages ` +
      `WHERE conversation_id = '${stored[0].conversation_id}' ORDER BY id`,
  );
  expect(rows.map((r) => r.role)).toEqual(['visitor', 'bot']);
  expect((await saved(page)).conversation).toBe(stored[0].conversation_id);
  expect((await saved(page)).outbox).toEqual([]);
});

test('the chat API answers a repeated idempotency key with the stored turn', async ({ request }) => {
  const key = `api-key-${Date.now()}`;
  const body = { message: 'How do I export my notes as PDF?', idempotency_key: key };
  const a = await request.post('/api/v1/chat', { data: body });
  expect(a.status()).toBe(200);
  const first = await a.json();
  const b = await request.post('/api/v1/chat', { data: body });
  expect(b.status()).toBe(200);
  const again = await b.json();
  expect(again).toEqual(first);
  const rows = d1<Row>(`SELECT role FROM messages WHERE conversation_id = '${first.conversation_id}' ORDER BY id`);
  expect(rows.map((r) => r.role)).toEqual(['visitor', 'bot']);

  for (const bad of ['short', 'has spaces in it', 'x'.repeat(65), '<script>']) {
    const res = await request.post('/api/v1/chat', { data: { message: 'hello there', idempotency_key: bad } });
    expect(res.status(), bad).toBe(400);
    const { error } = await res.json();
    expect(error.code).toBe('invalid_field');
    expect(error.field).toBe('idempotency_key');
  }
});
