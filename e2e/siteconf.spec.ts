import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { PORT } from './playwright.config';

// Per-site settings of frontdesk.toml reaching the widget and the worker.
// The "travel" site (origin http://travel.localhost, served here with
// page.route like sites.spec.ts) sets theme = { accent = "#0b6e4f",
// position = "left" }, locale = "de", a greeting in English and German,
// always_human = ["legal", "security incident"], sinks = ["webhook"] and
// limits = { messages_visitor = 3 }; "shop" sets none of them.

test.describe.configure({ timeout: 60_000 });

const API = `http://127.0.0.1:${PORT}`;
const TRAVEL = 'http://travel.localhost';
const SHOP = 'http://shop.localhost';

/** A host page on `origin` embedding the widget for `site`, with extra
 * script-tag attributes. */
async function hostPage(page: Page, origin: string, site: string, attrs = '') {
  await page.context().grantPermissions(['local-network-access'], { origin });
  await page.route(`${origin}/**`, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html lang="en"><head><title>Host</title></head><body><h1>Host</h1>
        <script src="${API}/widget.js" async data-site="${site}" data-title="Help" ${attrs}></script></body></html>`,
    }),
  );
  await page.goto(`${origin}/`);
}

const launcherStyle = (page: Page) =>
  page.evaluate(() => {
    const host = document.querySelector('[data-frontdesk]') as HTMLElement;
    const b = host.shadowRoot!.querySelector('.fd-launcher')!;
    const r = b.getBoundingClientRect();
    // Which corner: the gap to the nearer side.
    const side = r.left < innerWidth - r.right ? `left ${r.left}px` : `right ${innerWidth - r.right}px`;
    return { background: getComputedStyle(b).backgroundColor, side };
  });

test("a site's theme, locale and greeting reach the widget", async ({ page }) => {
  const sent: string[] = [];
  page.on('request', (r) => sent.push(new URL(r.url()).pathname));
  await hostPage(page, TRAVEL, 'travel');
  // The launcher, before any intent: German, the site's accent, on the left.
  const launcher = page.getByRole('button', { name: 'Support-Chat öffnen' });
  await expect(launcher).toBeVisible();
  const style = await launcherStyle(page);
  expect(style).toEqual({ background: 'rgb(11, 110, 79)', side: 'left 20px' });
  // Nothing fetched for it: the loader carries the launcher's settings.
  expect(sent.filter((p) => p.startsWith('/widget/'))).toEqual([]);
  await launcher.click();
  const panel = page.getByRole('dialog', { name: 'Help' });
  await expect(panel).toContainText('Hallo! Fragen Sie uns zu Ihrer Reise.');
  await expect(panel.getByRole('textbox')).toBeVisible();
  expect(sent).toContain('/widget/site/travel.json');
  console.log(`travel site: launcher ${style.background} at ${style.side}, German words and greeting; fetched on open: ${sent.filter((p) => p.startsWith('/widget/')).join(', ')}`);
});

test('the script tag wins over the site file', async ({ page }) => {
  await hostPage(page, TRAVEL, 'travel', 'data-locale="en" data-color="#aa0000" data-position="right"');
  const launcher = page.getByRole('button', { name: 'Open support chat' });
  await expect(launcher).toBeVisible();
  expect(await launcherStyle(page)).toEqual({ background: 'rgb(170, 0, 0)', side: 'right 20px' });
  await launcher.click();
  // The site's greeting, in the page's language.
  await expect(page.getByRole('dialog', { name: 'Help' })).toContainText('Hi! Ask us about your trip.');
  await page.goto('about:blank');
  await hostPage(page, TRAVEL, 'travel', 'data-greeting="Welcome aboard."');
  await page.getByRole('button', { name: 'Support-Chat öffnen' }).click();
  await expect(page.getByRole('dialog', { name: 'Help' })).toContainText('Welcome aboard.');
});

test('a site without settings keeps the defaults', async ({ page }) => {
  await hostPage(page, SHOP, 'shop');
  const launcher = page.getByRole('button', { name: 'Open support chat' });
  await expect(launcher).toBeVisible();
  expect(await launcherStyle(page)).toEqual({ background: 'rgb(36, 72, 200)', side: 'right 20px' });
  await launcher.click();
  await expect(page.getByRole('dialog', { name: 'Help' })).toContainText('Hi! Ask us anything, or talk to a person.');
});

let nextIp = 0;
const freshIp = () => {
  const n = ((Date.now() / 100) % 16_000_000) + nextIp++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

async function chat(request: APIRequestContext, origin: string, site: string, ip: string, message: string, conversation?: string) {
  const res = await request.post(`${API}/api/v1/chat`, {
    headers: { Origin: origin, 'X-Frontdesk-Site': site, 'CF-Connecting-IP': ip },
    data: { message, conversation_id: conversation },
  });
  const body = await res.json();
  return { status: res.status(), body, retryAfter: res.headers()['retry-after'] };
}

test("a site's own limit applies to its requests only", async ({ request }) => {
  // travel: messages_visitor = 3 (the deployment's default is 10).
  for (const [origin, site, want] of [
    [TRAVEL, 'travel', 3],
    [SHOP, 'shop', 10],
  ] as const) {
    const ip = freshIp();
    const first = await chat(request, origin, site, ip, 'How do I export my notes?');
    expect(first.status).toBe(200);
    const conv = first.body.conversation_id;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await chat(request, origin, site, ip, `And follow-up ${i}?`, conv)).status);
    const refused = await chat(request, origin, site, ip, 'One more', conv);
    console.log(`${site} (messages_visitor ${want}): follow-ups ${statuses.join(',')}, then ${refused.status} ${refused.body.error?.code ?? ''}`);
    if (want === 3) {
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('rate_limited');
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    } else {
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect(refused.status).toBe(200);
    }
  }
});

test("a site's always_human topics are the only ones that escalate there", async ({ request }) => {
  const m = 'I was charged twice for my subscription';
  const shop = await chat(request, SHOP, 'shop', freshIp(), m);
  expect(shop.body.reply).toMatchObject({ decision: 'escalate', reason: 'always_human' });
  const travel = await chat(request, TRAVEL, 'travel', freshIp(), m);
  expect(travel.status).toBe(200);
  expect(travel.body.reply.reason).not.toBe('always_human');
  const legal = await chat(request, TRAVEL, 'travel', freshIp(), 'My lawyer will contact you');
  expect(legal.body.reply).toMatchObject({ decision: 'escalate', reason: 'always_human' });
  console.log(`"${m}": shop ${shop.body.reply.decision}/${shop.body.reply.reason}, travel ${travel.body.reply.decision}/${travel.body.reply.reason ?? '-'}`);
});
