import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { PORT } from './playwright.config';

// The proactive greeting bubble ([[site.nudge]]): the "travel" site of
// frontdesk.toml (origin http://travel.localhost, served here with
// page.route) has one on paths matching /pricing*, after 1 s, in English
// and German (the site's locale is de; data-locale="en" here picks English).

test.describe.configure({ timeout: 60_000 });

const API = `http://127.0.0.1:${PORT}`;
const TRAVEL = 'http://travel.localhost';
const TEXT = "Questions about our prices? We're here.";
const TEXT_DE = 'Fragen zu unseren Preisen? Wir helfen gern.';
const DELAY_MS = 1000;

/** A host page at `path` on the travel site, with a centred content box
 * (#content) and the widget; returns the paths of the widget requests. */
async function hostPage(page: Page, path: string, attrs = 'data-locale="en"') {
  await page.context().grantPermissions(['local-network-access'], { origin: TRAVEL });
  await page.route(`${TRAVEL}/**`, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html lang="en"><head><title>Prices</title>
        <meta name="viewport" content="width=device-width,initial-scale=1">
        <style>body{margin:0}#content{position:fixed;left:50%;top:50%;width:300px;height:300px;
        transform:translate(-50%,-50%);background:#eee}</style></head>
        <body><main id="content"><h1>Our prices</h1></main>
        <script src="${API}/widget.js" async data-site="travel" data-title="Help" ${attrs}></script></body></html>`,
    }),
  );
  const widget: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin === API) widget.push(u.pathname);
  });
  const t0 = Date.now();
  await page.goto(`${TRAVEL}${path}`);
  return { widget, t0 };
}

const bubble = (page: Page) => page.getByRole('status').filter({ hasText: TEXT });
const storage = (page: Page) =>
  page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }));

test('the bubble shows after the delay on a matching path, once, and stores nothing', async ({ page }) => {
  const { widget, t0 } = await hostPage(page, '/pricing/family');
  await expect(page.getByRole('button', { name: 'Open support chat' })).toBeVisible();
  // Not before the delay (when the machine is quick enough to look before
  // it has passed), and nothing fetched for it yet.
  if (Date.now() - t0 < DELAY_MS - 200) {
    await expect(page.getByRole('status')).toHaveCount(0);
    expect(widget.filter((p) => p !== '/widget.js')).toEqual([]);
  }
  await expect(bubble(page)).toBeVisible();
  const shownAfter = Date.now() - t0;
  expect(shownAfter).toBeGreaterThanOrEqual(DELAY_MS);
  // The bubble's words and code, not the app.
  expect(widget.filter((p) => p !== '/widget.js').sort()).toEqual(['/widget/nudge.js', '/widget/site/travel.json']);
  expect(await storage(page)).toEqual({ local: 0, session: 0, cookie: '' });
  console.log(`nudge on /pricing/family: shown ${shownAfter} ms after navigation (delay ${DELAY_MS} ms); requests: ${widget.join(', ')}`);
  // Dismissed by its close button (an accessible name), it stays gone.
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByRole('status')).toHaveCount(0);
  await page.waitForTimeout(DELAY_MS * 1.5);
  await expect(page.getByRole('status')).toHaveCount(0);
  expect(widget.filter((p) => p.startsWith('/widget/app'))).toEqual([]);
  expect(await storage(page)).toEqual({ local: 0, session: 0, cookie: '' });
  // A new page view shows it again (nothing remembered it).
  await page.reload();
  await expect(bubble(page)).toBeVisible();
});

test('no bubble, and no request, on a path no nudge matches', async ({ page }) => {
  const { widget } = await hostPage(page, '/about/pricing');
  await expect(page.getByRole('button', { name: 'Open support chat' })).toBeVisible();
  await page.waitForTimeout(DELAY_MS * 2.5);
  await expect(page.getByRole('status')).toHaveCount(0);
  expect(widget).toEqual(['/widget.js']);
  console.log(`/about/pricing: no bubble after ${DELAY_MS * 2.5} ms; requests: ${widget.join(', ')}`);
});

test('Esc dismisses the bubble; clicking it opens the chat', async ({ page }) => {
  await hostPage(page, '/pricing');
  await expect(bubble(page)).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('status')).toHaveCount(0);
  await page.reload();
  await expect(bubble(page)).toBeVisible();
  await page.getByRole('button', { name: TEXT }).click();
  await expect(page.getByRole('dialog', { name: 'Help' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: TEXT })).toHaveCount(0);
});

test("the site's locale picks the bubble's words; opening the chat first means no bubble", async ({ page }) => {
  await hostPage(page, '/pricing', '');
  await expect(page.getByRole('status').filter({ hasText: TEXT_DE })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Hinweis schließen' })).toBeVisible();
  const { widget } = await hostPage(page, '/pricing', '');
  await page.getByRole('button', { name: 'Support-Chat öffnen' }).click();
  await expect(page.getByRole('dialog', { name: 'Help' })).toBeVisible();
  await page.waitForTimeout(DELAY_MS * 1.5);
  await expect(page.getByRole('status').filter({ hasText: TEXT_DE })).toHaveCount(0);
  expect(widget).not.toContain('/widget/nudge.js');
});

test('on a 375×667 phone the bubble stays in the launcher corner, clear of the content', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  // (The travel site's launcher is on the left; the right corner here.)
  await hostPage(page, '/pricing', 'data-locale="en" data-position="right"');
  await expect(bubble(page)).toBeVisible();
  const boxes = await page.evaluate(() => {
    const root = document.querySelector('[data-frontdesk]')!.shadowRoot!;
    const r = (e: Element) => {
      const b = e.getBoundingClientRect();
      return { left: b.left, top: b.top, right: b.right, bottom: b.bottom };
    };
    return {
      bubble: r(root.querySelector('.fd-nudge')!),
      launcher: r(root.querySelector('.fd-launcher')!),
      content: r(document.getElementById('content')!),
    };
  });
  const { bubble: b, launcher: l, content: c } = boxes;
  console.log(`375×667: bubble ${JSON.stringify(b)}, launcher ${JSON.stringify(l)}, content ${JSON.stringify(c)}`);
  // Inside the viewport, on the launcher's side, above it, compact.
  expect(b.right).toBeLessThanOrEqual(375);
  expect(b.left).toBeGreaterThanOrEqual(375 - 20 - 200 - 1);
  expect(b.right - b.left).toBeLessThanOrEqual(200);
  expect(b.bottom).toBeLessThanOrEqual(l.top);
  // The launcher's corner: the bottom 200 px of the screen.
  expect(b.top).toBeGreaterThanOrEqual(667 - 200);
  // Never over the page's centred content.
  const overlaps = b.left < c.right && c.left < b.right && b.top < c.bottom && c.top < b.bottom;
  expect(overlaps).toBe(false);
  await context.close();
});

test('the bubble is accessible (axe) and still under reduced motion', async ({ browser }) => {
  const context = await browser.newContext({ reducedMotion: 'reduce' });
  const page = await context.newPage();
  await hostPage(page, '/pricing');
  await expect(bubble(page)).toBeVisible();
  const result = await new AxeBuilder({ page })
    .include('[data-frontdesk]')
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  expect(result.passes.length).toBeGreaterThan(3);
  const animation = await page.evaluate(
    () => getComputedStyle(document.querySelector('[data-frontdesk]')!.shadowRoot!.querySelector('.fd-nudge')!).animationName,
  );
  expect(animation).toBe('none');
  await context.close();
});
