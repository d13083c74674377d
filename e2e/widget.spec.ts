import { expect, test, type Page } from '@playwright/test';
import { d1 } from './d1';

const launcher = (page: Page) => page.getByRole('button', { name: 'Open support chat' });
const panel = (page: Page) => page.getByRole('dialog', { name: 'Lumen Notes support' });
const composer = (page: Page) => panel(page).getByRole('textbox', { name: 'Your message' });

/** Records every URL the page requests. */
function trackRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

async function open(page: Page) {
  await page.goto('/');
  await launcher(page).click();
  await expect(panel(page)).toBeVisible();
}

async function ask(page: Page, question: string) {
  await composer(page).fill(question);
  await composer(page).press('Enter');
  await expect(panel(page).locator('.fd-visitor').last()).toContainText(question);
}

test('the page loads only the small loader until the visitor shows intent', async ({ page }) => {
  const urls = trackRequests(page);
  await page.goto('/');
  await page.waitForLoadState('networkidle');
  await expect(launcher(page)).toBeVisible();
  expect(urls.some((u) => u.endsWith('/widget.js'))).toBe(true);
  expect(urls.filter((u) => /\.wasm|widget\/app\./.test(u))).toEqual([]);
  // No storage and no cookies before the widget is opened.
  const storage = await page.evaluate(() => ({
    cookie: document.cookie,
    local: localStorage.length,
    session: sessionStorage.length,
  }));
  expect(storage).toEqual({ cookie: '', local: 0, session: 0 });

  await launcher(page).hover();
  await expect.poll(() => urls.some((u) => /\/widget\/app\.wasm/.test(u))).toBe(true);
});

test('the widget opens inside a shadow root, apart from the host page', async ({ page }) => {
  await open(page);
  const where = await page.evaluate(() => {
    const host = document.querySelector('[data-frontdesk]');
    return {
      inShadow: !!host?.shadowRoot?.querySelector('.fd-panel'),
      inDocument: !!document.querySelector('.fd-panel'),
      // The host page styles every button Georgia/uppercase; ours must not be.
      sendFont: getComputedStyle(host!.shadowRoot!.querySelector('.fd-send')!).textTransform,
    };
  });
  expect(where).toEqual({ inShadow: true, inDocument: false, sendFont: 'none' });
  await expect(composer(page)).toBeFocused();
  await expect(launcher(page)).toHaveAttribute('aria-expanded', 'true');
  await expect(panel(page).getByRole('button', { name: 'Talk to a person' })).toBeVisible();
});

test('a question the help centre covers gets an answer with its source', async ({ page }) => {
  await open(page);
  await ask(page, 'How do I export my notes as PDF?');
  const reply = panel(page).locator('.fd-bot[data-decision="answer"]');
  await expect(reply).toContainText('PDF');
  const source = reply.getByRole('link', { name: 'Export your notes' });
  await expect(source).toHaveAttribute('href', /\/help\/export-notes$/);
  // The source link leads to a real article page.
  const res = await page.request.get((await source.getAttribute('href'))!);
  expect(res.status()).toBe(200);
  expect(await res.text()).toContain('<h1>Export your notes</h1>');
});

test('an unrelated question offers a person instead of guessing', async ({ page }) => {
  await open(page);
  await ask(page, "What's the weather going to be in Paris tomorrow?");
  const reply = panel(page).locator('.fd-bot[data-decision="escalate"]');
  await expect(reply).toContainText("couldn't find");
  await expect(reply.getByRole('button', { name: 'Talk to a person' })).toBeVisible();
  await expect(panel(page).locator('.fd-bot a')).toHaveCount(0);
});

test('the newest reply stays in view as the conversation grows', async ({ page }) => {
  await open(page);
  const questions = [
    'How do I reset my password?',
    'How do I turn on two-factor authentication?',
    'What are the keyboard shortcuts?',
    'Can I import my Evernote notebooks?',
  ];
  for (const [i, q] of questions.entries()) {
    await ask(page, q);
    await expect(panel(page).locator('.fd-bot[data-decision]')).toHaveCount(i + 1);
  }
  await expect(panel(page).locator('.fd-bot[data-decision]').last()).toBeInViewport({ ratio: 0.5 });
});

test('Shift+Enter adds a line, Enter sends, Escape closes and returns focus', async ({ page }) => {
  await open(page);
  await composer(page).type('first line');
  await composer(page).press('Shift+Enter');
  await composer(page).type('second line');
  await expect(panel(page).locator('.fd-visitor')).toHaveCount(0);
  await expect(composer(page)).toHaveValue('first line\nsecond line');
  await composer(page).press('Enter');
  await expect(panel(page).locator('.fd-visitor')).toHaveCount(1);
  await expect(composer(page)).toHaveValue('');
  await page.keyboard.press('Escape');
  await expect(panel(page)).toBeHidden();
  await expect(launcher(page)).toBeFocused();
  await expect(launcher(page)).toHaveAttribute('aria-expanded', 'false');
});

test('handing off stores a ticket with the transcript and shows its reference', async ({ page }) => {
  await open(page);
  const question = 'I was charged twice this month, can someone look at my invoice?';
  await ask(page, question);
  await expect(panel(page).locator('.fd-bot[data-decision]')).toHaveCount(1);
  await panel(page).locator('.fd-human-bar').getByRole('button', { name: 'Talk to a person' }).click();

  const email = panel(page).getByRole('textbox', { name: 'Email' });
  await expect(email).toBeFocused();
  const note = panel(page).getByRole('textbox', { name: 'Anything to add? (optional)' });
  await expect(note).toHaveValue(question);

  await email.fill('not-an-email');
  await panel(page).getByRole('button', { name: 'Send to our team' }).click();
  await expect(panel(page).getByRole('alert')).toContainText('valid email');

  await email.fill('ana.e2e@example.com');
  await panel(page).getByRole('button', { name: 'Send to our team' }).click();
  const confirmation = panel(page).locator('.fd-ticket');
  await expect(confirmation).toContainText('ana.e2e@example.com');
  const reference = (await confirmation.locator('.fd-ref').textContent())!;
  expect(reference).toMatch(/^FD-[0-9A-HJKMNP-TV-Z]{8}$/);

  const [ticket] = d1<{ email: string; note: string; transcript: string; status: string }>(
    `SELECT email, note, json_extract(document, '$.transcript') AS transcript, status FROM tickets WHERE reference = '${reference}'`,
  );
  expect(ticket.email).toBe('ana.e2e@example.com');
  expect(ticket.status).toBe('open');
  expect(ticket.note).toBe(question);
  const transcript = JSON.parse(ticket.transcript);
  expect(transcript[0]).toMatchObject({ role: 'visitor', text: question });
  expect(transcript[1].role).toBe('bot');
});

test('asking for a person before writing anything still opens a ticket', async ({ page }) => {
  await open(page);
  await panel(page).getByRole('button', { name: 'Talk to a person' }).click();
  await panel(page).getByRole('textbox', { name: 'Email' }).fill('first.contact@example.com');
  await panel(page).getByRole('textbox', { name: 'Anything to add? (optional)' }).fill('Call me about a team plan');
  await panel(page).getByRole('button', { name: 'Send to our team' }).click();
  const reference = (await panel(page).locator('.fd-ticket .fd-ref').textContent())!;
  const rows = d1(`SELECT note FROM tickets WHERE reference = '${reference}'`);
  expect(rows).toEqual([{ note: 'Call me about a team plan' }]);
});

test('thumbs up or down on an answer is stored, can be changed, and is shown again after a reload', async ({ page }) => {
  await open(page);
  await ask(page, 'How do I export my notes?');
  const answer = () => panel(page).locator('.fd-bot[data-decision="answer"]');
  const helpful = () => answer().getByRole('button', { name: 'Helpful', exact: true });
  const notHelpful = () => answer().getByRole('button', { name: 'Not helpful', exact: true });
  await expect(helpful()).toHaveAttribute('aria-pressed', 'false');
  // Drawn, not emoji (which need a font the visitor may not have): an icon
  // of its own size, thumbs down the same one turned over.
  const turned = (b: ReturnType<typeof helpful>) => b.locator('svg').evaluate((e) => getComputedStyle(e).transform);
  for (const b of [helpful(), notHelpful()]) {
    await expect(b).toHaveText('');
    await expect(b.locator('svg path')).toHaveCount(1);
    expect(Math.round((await b.locator('svg').boundingBox())!.width)).toBe(16);
  }
  expect(await turned(helpful())).toBe('none');
  expect(await turned(notHelpful())).not.toBe('none');
  await helpful().click();
  await expect(answer().getByRole('status')).toHaveText('Thanks for the feedback.');
  await expect(helpful()).toHaveAttribute('aria-pressed', 'true');
  const conversation = await page.evaluate(() => JSON.parse(localStorage.getItem('frontdesk:v1')!).conversation);
  const ratings = () =>
    d1(`SELECT f.rating FROM feedback f JOIN messages m ON m.id = f.message_id WHERE m.conversation_id = '${conversation}'`);
  expect(ratings()).toEqual([{ rating: 'up' }]);
  await notHelpful().click();
  await expect(notHelpful()).toHaveAttribute('aria-pressed', 'true');
  await expect(helpful()).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(ratings).toEqual([{ rating: 'down' }]);
  await page.reload();
  await launcher(page).click();
  await expect(notHelpful()).toHaveAttribute('aria-pressed', 'true');
  // Small talk and handoff offers have nothing to rate.
  await ask(page, 'thanks!');
  await expect(panel(page).locator('.fd-bot[data-decision="small_talk"] .fd-thumb')).toHaveCount(0);
});
