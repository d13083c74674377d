import { expect, test, type Page } from '@playwright/test';
import { SignJWT } from 'jose';
import { AI_PORT, IDENTITY_SECRET, LLM_PORT, PORT, STORE_API_PORT } from './playwright.config';

// Actions (issue 18): on the "store" site of frontdesk.toml, a signed-in
// visitor checks an order and cancels one with the confirm button, through
// the store's own API (demo/api/orders.mjs), which verifies the signature
// of every request it gets. An unverified visitor gets no call at all. On
// the worker with a generator (fake-llm.mjs), the model chooses an action
// the engine does not recognise, through tool calling.

test.describe.configure({ timeout: 90_000 });

const API = `http://127.0.0.1:${PORT}`;
const STORE = 'http://store.localhost';
const STORE_API = `http://127.0.0.1:${STORE_API_PORT}`;

type Stats = {
  verified: number;
  rejected: number;
  writes: number;
  requests: { method: string; path: string; user: string; status: number; verified: boolean }[];
};
const stats = async (): Promise<Stats> => (await fetch(`${STORE_API}/__stats`)).json();

const jwt = (sub: string) =>
  new SignJWT({ sub })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
    .sign(new TextEncoder().encode(IDENTITY_SECRET));

/** The store's page, with the widget for the "store" site; `identify`
 * signs the visitor in as that user first. */
async function storePage(page: Page, user?: string) {
  const token = user ? await jwt(user) : null;
  await page.context().grantPermissions(['local-network-access'], { origin: STORE });
  await page.route(`${STORE}/**`, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html lang="en"><head><title>Store</title><script>
        window.Frontdesk = window.Frontdesk || function () { (Frontdesk.q = Frontdesk.q || []).push(arguments); };
        ${token ? `Frontdesk('identify', { token: ${JSON.stringify(token)} });` : ''}
      </script></head><body><h1>Store</h1>
        <script src="${API}/widget.js" async data-site="store" data-title="Store help"></script></body></html>`,
    }),
  );
  await page.goto(`${STORE}/`);
  await page.getByRole('button', { name: /^Open support chat/ }).click();
  return page.getByRole('dialog', { name: 'Store help' });
}

async function ask(panel: ReturnType<Page['getByRole']>, text: string, count: number) {
  await panel.getByRole('textbox', { name: 'Your message' }).fill(text);
  await panel.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(panel.locator('.fd-bot[data-decision]')).toHaveCount(count);
  return panel.locator('.fd-bot[data-decision]').nth(count - 1);
}

test.beforeEach(async () => {
  await fetch(`${STORE_API}/__reset`, { method: 'POST' });
});

test('a signed-in visitor checks an order and cancels another with the confirm button', async ({ page }) => {
  const panel = await storePage(page, 'demo-alice');
  const status = await ask(panel, 'Where is my order 10001?', 1);
  await expect(status).toHaveAttribute('data-decision', 'action');
  await expect(status).toContainText('Order 10001: shipped. Estimated delivery: 2026-12-04.');

  const card = await ask(panel, 'Please cancel my order', 2);
  await expect(card).toContainText('Which order should I cancel?');
  const confirm = await ask(panel, '10002', 3);
  await expect(confirm).toContainText('Cancel order 10002? This cannot be undone.');
  const buttons = confirm.getByRole('group', { name: 'Cancel an order' });
  // Typing "yes" does nothing: only the button runs the change.
  const reminded = await ask(panel, 'yes', 4);
  await expect(reminded).toContainText('Nothing happens until you press Confirm');
  expect((await stats()).writes).toBe(0);
  await buttons.getByRole('button', { name: 'Confirm' }).click();
  await expect(panel.locator('.fd-bot[data-decision]')).toHaveCount(5);
  await expect(panel.locator('.fd-bot[data-decision]').nth(4)).toContainText('Done: order 10002 is cancelled.');
  await expect(buttons.getByRole('button', { name: 'Confirm' })).toBeDisabled();

  const s = await stats();
  console.log(`store API: ${JSON.stringify(s.requests.map((r) => `${r.method} ${r.path} ${r.user} ${r.status} verified=${r.verified}`))}`);
  expect(s.requests.map((r) => [r.method, r.path, r.user, r.status, r.verified])).toEqual([
    ['GET', '/orders/10001', 'demo-alice', 200, true],
    ['POST', '/orders/10002/cancel', 'demo-alice', 200, true],
  ]);
  expect([s.verified, s.rejected, s.writes]).toEqual([2, 0, 1]);
  // The change is real: the order reads as cancelled now.
  const again = await ask(panel, 'order status 10002', 6);
  await expect(again).toContainText('Order 10002: cancelled.');
});

test("an unverified visitor gets no call, and another user's order is not found", async ({ page, browser }) => {
  const anonymous = await storePage(page);
  const refused = await ask(anonymous, 'Where is my order 10001?', 1);
  await expect(refused).toContainText("once you're signed in");
  await expect(refused.getByRole('button', { name: 'Talk to a person' })).toBeVisible();
  expect((await stats()).requests).toEqual([]);
  console.log('attack: an unverified visitor asks for an order → no request to the store API');

  const bob = await storePage(await (await browser.newContext()).newPage(), 'demo-bob');
  const other = await ask(bob, 'where is my order 10001', 1);
  await expect(other).toContainText("I can't find order 10001 on your account.");
  const s = await stats();
  console.log(`attack: bob asks for alice's order → ${JSON.stringify(s.requests)}`);
  expect(s.requests.map((r) => [r.user, r.status, r.verified])).toEqual([['demo-bob', 404, true]]);
});

test('with a model, actions the engine does not recognise are chosen through tool calling', async () => {
  const AI = `http://127.0.0.1:${AI_PORT}`;
  const LLM = `http://127.0.0.1:${LLM_PORT}`;
  await fetch(`${LLM}/__mode`, { method: 'POST', body: JSON.stringify({ mode: 'answer' }) });
  const seen = (await (await fetch(`${LLM}/__requests`)).json()).length;
  const identity = { token: await jwt('demo-alice') };
  const headers = { 'content-type': 'application/json', 'x-frontdesk-site': 'store', origin: STORE };
  const chat = async (message: string, conversation_id?: string) => {
    const res = await fetch(`${AI}/api/v1/chat`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ message, conversation_id, identity }),
    });
    expect(res.status).toBe(200);
    return res.json();
  };

  const status = await chat("My parcel 10001 hasn't turned up, any news?");
  expect(status.reply.decision).toBe('action');
  expect(status.reply.text).toContain('Order 10001: **shipped**');
  const asked = (await (await fetch(`${LLM}/__requests`)).json()).slice(seen);
  const tools = asked.filter((r: { body: { tools?: unknown } }) => Array.isArray(r.body.tools));
  expect(tools).toHaveLength(1);
  const offered = tools[0].body.tools.map((t: { function: { name: string } }) => t.function.name);
  expect(offered).toEqual(['order_status', 'cancel_order', 'resend_invoice']);
  expect(tools[0].body.tool_choice).toBe('auto');
  expect(tools[0].tool).toEqual({ name: 'order_status', arguments: { order: '10001' } });
  // The model saw the rules and the message; never who the visitor is.
  expect(JSON.stringify(tools[0].body.messages)).not.toContain('demo-alice');

  // A change the model chose stops at the card; the button runs it.
  const card = await chat('I no longer want purchase 10002, please stop it', status.conversation_id);
  expect(card.reply.confirm.text).toBe('Cancel order 10002? This cannot be undone.');
  expect((await stats()).writes).toBe(0);
  const pressed = await fetch(`${AI}/api/v1/actions/confirm`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ conversation_id: status.conversation_id, token: card.reply.confirm.token, accept: true, identity }),
  });
  expect(pressed.status).toBe(200);
  expect((await pressed.json()).reply.text).toContain('Done: order 10002 is cancelled.');
  const s = await stats();
  console.log(`with the model: ${JSON.stringify(s.requests.map((r) => `${r.method} ${r.path} ${r.user} ${r.status}`))}`);
  expect(s.requests.map((r) => [r.method, r.path, r.user, r.status, r.verified])).toEqual([
    ['GET', '/orders/10001', 'demo-alice', 200, true],
    ['POST', '/orders/10002/cancel', 'demo-alice', 200, true],
  ]);
});
