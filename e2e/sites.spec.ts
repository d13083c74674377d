import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { d1 } from './d1';
import { AGENT_TOKEN, PORT, RECEIVER_PORT } from './playwright.config';

// Who may talk: the sites of frontdesk.toml ("demo": localhost and
// 127.0.0.1 on any port, the default; "shop": https://shop.example and
// http://shop.localhost). Host pages on other origins are served by the test
// (page.route) and embed the real widget.js from the worker; *.localhost
// stays on loopback, so nothing leaves the machine. Chromium asks a
// visitor before a page reaches the loopback address space (Local Network
// Access), which a deployed worker is not on; the browser tests grant it, so
// what they see is the worker's CORS answer.

// d1() starts wrangler for every read: slow on a busy machine.
test.describe.configure({ timeout: 90_000 });

const API = `http://127.0.0.1:${PORT}`;
const RECEIVER = `http://127.0.0.1:${RECEIVER_PORT}`;
const SHOP = 'http://shop.localhost';
const EVIL = 'http://evil.localhost';
const auth = { authorization: `Bearer ${AGENT_TOKEN}` };

const counts = () =>
  d1<{ c: number; m: number; t: number; f: number }>(
    `SELECT (SELECT COUNT(*) FROM conversations) AS c, (SELECT COUNT(*) FROM messages) AS m,
            (SELECT COUNT(*) FROM tickets) AS t, (SELECT COUNT(*) FROM feedback) AS f`,
  )[0];

const siteOf = (id: string) => d1<{ site: string }>(`SELECT site FROM conversations WHERE id = '${id}'`)[0]?.site;

async function chat(request: APIRequestContext, headers: Record<string, string>, data: object) {
  const res = await request.post(`${API}/api/v1/chat`, { headers, data });
  return { status: res.status(), headers: res.headers(), body: await res.json() };
}

test('preflight answers an allowed origin alone, with Vary: Origin; others get 403', async ({ request }) => {
  for (const [origin, want] of [
    [SHOP, 204],
    ['https://shop.example', 204],
    ['http://localhost:5173', 204],
    [EVIL, 403],
    ['https://shop.example.evil', 403],
    ['null', 403],
  ] as const) {
    const res = await request.fetch(`${API}/api/v1/chat`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-frontdesk-site' },
    });
    const h = res.headers();
    console.log(`preflight ${origin}: ${res.status()} allow-origin=${h['access-control-allow-origin'] ?? '-'} vary=${h['vary'] ?? '-'}`);
    expect(res.status()).toBe(want);
    expect(h['vary']).toContain('Origin');
    if (want === 204) {
      expect(h['access-control-allow-origin']).toBe(origin);
      expect(h['access-control-allow-headers']).toContain('X-Frontdesk-Site');
    } else {
      expect(h['access-control-allow-origin']).toBeUndefined();
      expect((await res.json()).error.code).toBe('origin_not_allowed');
    }
  }
  // The agent API is not cross-origin.
  const agent = await request.fetch(`${API}/api/v1/agent/tickets`, {
    method: 'OPTIONS',
    headers: { origin: SHOP, 'access-control-request-method': 'GET' },
  });
  expect(agent.status()).toBe(403);
  expect(agent.headers()['access-control-allow-origin']).toBeUndefined();
});

test('a site answers only its own origins; refused and unknown-key requests store nothing', async ({ request }) => {
  const before = counts();
  const tried: string[] = [];
  for (const [site, origin, status, code] of [
    ['shop', EVIL, 403, 'origin_not_allowed'],
    // Allowed for demo, not for shop: readable (CORS), refused.
    ['shop', 'http://localhost:5173', 403, 'origin_not_allowed'],
    ['demo', 'https://shop.example', 403, 'origin_not_allowed'],
    ['nope', SHOP, 400, 'unknown_site'],
  ] as const) {
    const r = await chat(request, { 'x-frontdesk-site': site, origin }, { message: 'How do I export my notes?' });
    tried.push(`${site}@${origin}: ${r.status} ${r.body.error?.code}`);
    expect([r.status, r.body.error?.code]).toEqual([status, code]);
  }
  // Handoff and feedback are refused the same way, before their body is read.
  const handoff = await request.post(`${API}/api/v1/handoff`, {
    headers: { 'x-frontdesk-site': 'shop', origin: EVIL },
    data: { email: 'x@example.com' },
  });
  expect([handoff.status(), (await handoff.json()).error.code]).toEqual([403, 'origin_not_allowed']);
  const feedback = await request.post(`${API}/api/v1/feedback`, {
    headers: { 'x-frontdesk-site': 'nope' },
    data: { conversation_id: '00000000-0000-4000-8000-000000000000', message_id: 1, rating: 'up' },
  });
  expect([feedback.status(), (await feedback.json()).error.code]).toEqual([400, 'unknown_site']);
  expect(counts()).toEqual(before);
  console.log(`refused (D1 unchanged: ${JSON.stringify(before)}):\n  ${tried.join('\n  ')}`);

  // Allowed: the site's origin, or no Origin at all (not a browser page).
  const shop = await chat(request, { 'x-frontdesk-site': 'shop', origin: 'https://shop.example' }, { message: 'How do I export my notes?' });
  expect(shop.status).toBe(200);
  expect(shop.headers['access-control-allow-origin']).toBe('https://shop.example');
  expect(siteOf(shop.body.conversation_id)).toBe('shop');
  const server = await chat(request, { 'x-frontdesk-site': 'shop' }, { message: 'hello' });
  expect(server.status).toBe(200);
  // No key: the default site (demo).
  const keyless = await chat(request, {}, { message: 'hello' });
  expect(siteOf(keyless.body.conversation_id)).toBe('demo');
  console.log(`allowed: shop@https://shop.example ${shop.status}, shop without Origin ${server.status}, no key → ${siteOf(keyless.body.conversation_id)}`);
});

test("one site's conversation is not readable or writable with another site's key", async ({ request }) => {
  const shop = { 'x-frontdesk-site': 'shop', origin: SHOP };
  const demo = { 'x-frontdesk-site': 'demo', origin: 'http://localhost:5173' };
  const key = `sites-${Date.now()}`;
  const first = await chat(request, shop, { message: 'How do I export my notes?', idempotency_key: key });
  const id = first.body.conversation_id;
  const missing = '00000000-0000-4000-8000-000000000000';
  const conv = (c: string) => `${API}/api/v1/conversations/${c}`;

  // What a conversation that does not exist gets, to compare with.
  const absent = await (await request.get(conv(missing), { headers: demo })).json();
  const before = counts();
  const attempts = {
    read: await request.get(conv(id), { headers: demo }),
    replies: await request.get(`${conv(id)}/replies?after=0`, { headers: demo }),
    chat: await request.post(`${API}/api/v1/chat`, { headers: demo, data: { message: 'more', conversation_id: id } }),
    // The same message again under the other key: not its stored reply.
    replay: await request.post(`${API}/api/v1/chat`, {
      headers: demo,
      data: { message: 'How do I export my notes?', idempotency_key: key },
    }),
    handoff: await request.post(`${API}/api/v1/handoff`, { headers: demo, data: { conversation_id: id, email: 'a@example.com' } }),
    feedback: await request.post(`${API}/api/v1/feedback`, {
      headers: demo,
      data: { conversation_id: id, message_id: first.body.message_id, rating: 'down' },
    }),
    delete: await request.delete(conv(id), { headers: demo }),
  };
  const seen: string[] = [];
  for (const [what, res] of Object.entries(attempts)) {
    const body = await res.json();
    seen.push(`${what} ${res.status()} ${body.error?.code}`);
    expect([what, res.status(), body.error]).toEqual([what, 404, absent.error]);
  }
  expect(counts()).toEqual(before);
  console.log(`shop's conversation with demo's key: ${seen.join(', ')}; D1 unchanged`);

  // Its own key reads it; so does no key (the loader's unread check) from
  // its own origin, but not from another site's.
  expect((await request.get(conv(id), { headers: shop })).status()).toBe(200);
  expect((await request.get(`${conv(id)}/replies?after=0`, { headers: { origin: SHOP } })).status()).toBe(200);
  const foreign = await request.get(`${conv(id)}/replies?after=0`, { headers: { origin: 'http://localhost:5173' } });
  expect([foreign.status(), (await foreign.json()).error.code]).toEqual([403, 'origin_not_allowed']);

  // The ticket names its site, for agents and sinks.
  const made = await (
    await request.post(`${API}/api/v1/handoff`, { headers: shop, data: { conversation_id: id, email: 'shop@example.com' } })
  ).json();
  const one = await (await request.get(`${API}/api/v1/agent/tickets/${made.reference}`, { headers: auth })).json();
  expect(one.ticket.site).toEqual({ key: 'shop', name: 'Example shop' });
  await expect
    .poll(async () => {
      const got = (await (await request.get(`${RECEIVER}/__received`)).json()) as { path: string; payload?: any }[];
      return got.find((r) => r.path === '/webhook' && r.payload?.data?.reference === made.reference)?.payload.data.site;
    }, { timeout: 20_000 })
    .toEqual({ key: 'shop', name: 'Example shop' });
  console.log(`ticket ${made.reference}: site ${JSON.stringify(one.ticket.site)} (agent API and webhook)`);

  // Agents can list one site's tickets; an unknown key is a clear 400.
  const list = async (q: string) => (await request.get(`${API}/api/v1/agent/tickets?limit=100&${q}`, { headers: auth })).json();
  const shopList = (await list('site=shop')) as { reference: string; site: string }[];
  expect(shopList.map((t) => t.reference)).toContain(made.reference);
  expect(new Set(shopList.map((t) => t.site))).toEqual(new Set(['shop']));
  const demoList = (await list('site=demo')) as { reference: string; site: string }[];
  expect(demoList.map((t) => t.reference)).not.toContain(made.reference);
  expect(demoList.every((t) => t.site === 'demo')).toBe(true);
  const bad = await request.get(`${API}/api/v1/agent/tickets?site=nope`, { headers: auth });
  expect([bad.status(), (await bad.json()).error.code]).toEqual([400, 'invalid_field']);
  console.log(`agent list by site: shop ${shopList.length}, demo ${demoList.length}, unknown key 400 invalid_field`);
});

/** A host page on `origin` that embeds the widget for `site`. */
async function hostPage(page: Page, origin: string, site: string) {
  await page.context().grantPermissions(['local-network-access'], { origin });
  await page.route(`${origin}/**`, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html><head><title>Host</title></head><body><h1>Host</h1>
        <script src="${API}/widget.js" async data-site="${site}" data-title="Help"></script></body></html>`,
    }),
  );
  await page.goto(`${origin}/`);
}

const panel = (page: Page) => page.getByRole('dialog', { name: 'Help' });

async function send(page: Page, text: string) {
  await page.getByRole('button', { name: /^Open support chat/ }).click();
  const composer = panel(page).getByRole('textbox', { name: 'Your message' });
  await composer.fill(text);
  await composer.press('Enter');
}

test('the widget works embedded on an allowed origin, for its site', async ({ page }) => {
  const sent: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/')) sent.push(`${r.method()} ${new URL(r.url()).pathname} site=${r.headers()['x-frontdesk-site']}`);
  });
  await hostPage(page, SHOP, 'shop');
  await send(page, 'How do I export my notes?');
  await expect(panel(page).locator('.fd-bot').last()).toContainText(/export/i);
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('frontdesk:v1') || 'null'));
  expect(siteOf(saved.conversation)).toBe('shop');
  expect(sent.length).toBeGreaterThan(0);
  for (const s of sent) expect(s).toMatch(/site=shop$/);
  console.log(`${SHOP} with data-site=shop: answered; requests: ${sent.join('; ')}`);
});

test("a page on an origin its site does not list gets the widget's error and stores nothing", async ({ page }) => {
  const before = counts();
  const failed: string[] = [];
  page.on('requestfailed', (r) => {
    if (r.url().includes('/api/v1/')) failed.push(`${r.method()} ${new URL(r.url()).pathname}: ${r.failure()?.errorText}`);
  });
  await hostPage(page, EVIL, 'shop');
  await send(page, 'How do I export my notes?');
  // The browser never sends it (preflight 403): the message waits, kept.
  await expect(panel(page).locator('.fd-visitor').last()).toContainText('Waiting for a connection');
  await expect.poll(() => failed.length).toBeGreaterThan(0);
  expect(counts()).toEqual(before);
  console.log(`${EVIL} with data-site=shop: ${failed[0]}; D1 unchanged`);
});

test('an unknown site key gets its error in the widget', async ({ page }) => {
  const before = counts();
  const answers: string[] = [];
  page.on('response', (r) => {
    if (r.url().includes('/api/v1/chat')) answers.push(`${r.status()}`);
  });
  await hostPage(page, SHOP, 'no-such-site');
  await send(page, 'How do I export my notes?');
  await expect(panel(page).locator('.fd-failed')).toContainText('No site has this key');
  expect(answers).toContain('400');
  expect(counts()).toEqual(before);
  console.log(`${SHOP} with data-site=no-such-site: chat answered ${answers.join(',')}, widget shows the error; D1 unchanged`);
});
