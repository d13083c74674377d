import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { d1 } from './d1';
import { AGENT_TOKEN, RECEIVER_PORT } from './playwright.config';

// The agent inbox (/agent, site/agent.{html,js,css}): a plain page over the
// agent API. Sign in with the token, list and filter, read a ticket, reply,
// close — and visitor text is only ever text.

const auth = { authorization: `Bearer ${AGENT_TOKEN}` };
const RECEIVER = `http://127.0.0.1:${RECEIVER_PORT}`;
const XSS = '<img src=x onerror="window.__pwned=1">';

async function openTicket(
  request: APIRequestContext,
  message: string,
  handoff: { email: string; note?: string; page_url?: string },
): Promise<string> {
  const chat = await request.post('/api/v1/chat', { data: { message, page_url: handoff.page_url } });
  expect(chat.status()).toBe(200);
  const { conversation_id } = await chat.json();
  const made = await request.post('/api/v1/handoff', { data: { conversation_id, ...handoff } });
  expect(made.status()).toBe(201);
  return (await made.json()).reference;
}

/** Opens /agent; collects CSP violations and uncaught page errors (expected: none). */
async function openInbox(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  const res = await page.goto('/agent');
  expect(res!.status()).toBe(200);
  return problems;
}

async function signIn(page: Page, token = AGENT_TOKEN) {
  await page.getByLabel('Agent token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const ticketLink = (page: Page, reference: string) => page.locator(`#ticket-list a[data-reference="${reference}"]`);

test('the inbox page is served with a strict Content-Security-Policy', async ({ request }) => {
  for (const path of ['/agent', '/agent.js', '/agent.css']) {
    const res = await request.get(path);
    expect(res.status(), path).toBe(200);
    const csp = res.headers()['content-security-policy'] ?? '';
    expect(csp, path).toContain("default-src 'self'");
    expect(csp, path).toContain("frame-ancestors 'none'");
  }
  const html = await (await request.get('/agent')).text();
  expect(html).toContain('<script type="module" src="/agent.js"></script>');
  expect(html).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/);
  // The demo page is not covered by the rule, and the rules file is not served.
  expect((await request.get('/')).headers()['content-security-policy']).toBeUndefined();
  expect((await request.get('/_headers')).status()).toBe(404);
});

test('an agent signs in, reads, answers and closes a ticket in the inbox', async ({ page, request }) => {
  const reference = await openTicket(request, 'I think my account was hacked, please help', {
    email: 'ines@example.com',
    note: 'Please hurry, I use it for work',
    page_url: 'https://lumen.example/account',
  });
  const problems = await openInbox(page);

  // A wrong token: an error, nothing listed, nothing kept.
  await signIn(page, 'not-the-token');
  await expect(page.locator('#sign-in-error')).toHaveText(/That token was not accepted/);
  await expect(page.locator('#inbox')).toBeHidden();
  await expect(page.locator('#ticket-list li')).toHaveCount(0);
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

  // The right token: the open ticket is listed with its triage.
  await signIn(page);
  await expect(page.locator('#sign-in-error')).toHaveText('');
  const link = ticketLink(page, reference);
  await expect(link).toContainText(reference);
  await expect(link).toContainText('urgent');
  await expect(link).toContainText('security incident');
  await expect(link).toContainText('hacked');
  await expect(link).toContainText('ines@example.com');
  expect(await page.evaluate(() => sessionStorage.getItem('frontdesk.agentToken'))).toBe(AGENT_TOKEN);

  // The token survives a reload of the tab.
  await page.reload();
  await expect(ticketLink(page, reference)).toBeVisible();

  // Keyboard: focus the ticket and open it with Enter.
  await ticketLink(page, reference).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#${reference}$`));
  await expect(page.getByRole('heading', { name: `Ticket ${reference}` })).toBeFocused();
  await expect(page.locator('#d-status')).toHaveText('open');
  await expect(page.locator('#d-summary')).toContainText('hacked');
  const triage = page.locator('#d-triage');
  await expect(triage).toContainText(/Topic\s*security incident \(\d+% sure\)/);
  await expect(triage).toContainText(/Priority\s*urgent \(\d+% sure\) — signals: hacked/);
  await expect(triage).toContainText(/Sentiment\s*\w+ \(\d+% sure\)/);
  await expect(triage).toContainText(/Language\s*en \(\d+% sure\)/);
  await expect(page.locator('#d-email')).toHaveText('ines@example.com');
  await expect(page.locator('#d-page a')).toHaveAttribute('href', 'https://lumen.example/account');
  // Made without a site key: the default site's.
  await expect(page.locator('#d-site')).toHaveText('Frontdesk demo (demo)');
  await expect(page.locator('#d-note')).toHaveText('Please hurry, I use it for work');
  const turns = page.locator('#d-conversation > li');
  await expect(turns).toHaveCount(2);
  await expect(turns.nth(0)).toContainText('Visitor');
  await expect(turns.nth(0).locator('.text')).toHaveText('I think my account was hacked, please help');
  await expect(turns.nth(1)).toContainText('Bot');
  await expect(page.locator('#d-deliveries td:first-child')).toHaveText(['github', 'slack', 'webhook', 'zendesk']);

  // An empty reply: the API's message is shown.
  await page.getByLabel('Reply to the visitor').fill('   ');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#reply-error')).toHaveText('Write a reply before sending it.');

  // A reply: in the page's conversation, and in the API's.
  const text = 'Hi Ines, I have locked the account. Reset your password from the link we sent.';
  await page.getByLabel('Reply to the visitor').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#status')).toHaveText(`Reply sent to ${reference}.`);
  await expect(page.locator('#reply-error')).toHaveText('');
  await expect(turns).toHaveCount(3);
  await expect(turns.nth(2)).toHaveClass(/turn-agent/);
  await expect(turns.nth(2).locator('.text')).toHaveText(text);
  await expect(page.getByLabel('Reply to the visitor')).toHaveValue('');
  const one = await (await request.get(`/api/v1/agent/tickets/${reference}`, { headers: auth })).json();
  expect(one.conversation.at(-1)).toMatchObject({ role: 'agent', text });

  // Close: the status says so, and it leaves the open list but is in the closed one.
  await page.getByRole('button', { name: 'Close ticket' }).click();
  await expect(page.locator('#d-status')).toHaveText('closed');
  await expect(page.getByRole('button', { name: 'Close ticket' })).toBeDisabled();
  await expect(page.locator('#status')).toHaveText(`${reference} closed.`);
  await expect(ticketLink(page, reference)).toHaveCount(0);
  await page.getByLabel('Status').selectOption('closed');
  await expect(ticketLink(page, reference)).toContainText('closed');
  const closed = await (await request.get(`/api/v1/agent/tickets/${reference}`, { headers: auth })).json();
  expect(closed.status).toBe('closed');

  // Sign out: the token is gone from the tab.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByLabel('Agent token')).toBeVisible();
  await expect(page.locator('#ticket-list li')).toHaveCount(0);
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  expect(problems).toEqual([]);
});

test('the list filters by priority and topic', async ({ page, request }) => {
  const urgent = await openTicket(request, 'I think my account was hacked', { email: 'a@example.com' });
  const other = await openTicket(request, 'how do I export my notes to PDF?', { email: 'b@example.com' });
  await openInbox(page);
  await signIn(page);
  await expect(ticketLink(page, urgent)).toBeVisible();
  await expect(ticketLink(page, other)).toBeVisible();
  await page.getByLabel('Priority').selectOption('urgent');
  await expect(ticketLink(page, other)).toHaveCount(0);
  await expect(ticketLink(page, urgent)).toBeVisible();
  await page.getByLabel('Priority').selectOption('');
  await page.getByLabel('Topic').fill('security incident');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(ticketLink(page, other)).toHaveCount(0);
  await expect(ticketLink(page, urgent)).toBeVisible();
  await page.getByLabel('Topic').fill('no such topic');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.locator('#ticket-list li')).toHaveCount(0);
  await expect(page.locator('#list-empty')).toBeVisible();
});

test('visitor text with HTML in it is shown as text, never run', async ({ page, request }) => {
  const reference = await openTicket(request, `${XSS} my invoice is wrong`, {
    email: 'mallory@example.com',
    note: XSS,
  });
  const problems = await openInbox(page);
  await signIn(page);
  const link = ticketLink(page, reference);
  await expect(link).toContainText(XSS);
  await link.click();
  await expect(page.locator('#d-note')).toHaveText(XSS);
  await expect(page.locator('#d-conversation > li').first().locator('.text')).toHaveText(`${XSS} my invoice is wrong`);
  await expect(page.locator('#d-summary')).toContainText(XSS);
  expect(await page.locator('main img').count()).toBe(0);
  // Give an injected onerror every chance to run.
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  // Its reply round-trips as text too.
  await page.getByLabel('Reply to the visitor').fill(XSS);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#d-conversation > li').last().locator('.text')).toHaveText(XSS);
  expect(await page.locator('main img').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(problems).toEqual([]);
});

test('dead-lettered deliveries are flagged in the list and the ticket', async ({ page, request }) => {
  await request.post(`${RECEIVER}/__fail`, { data: { path: '/slack', times: 100 } });
  let reference = '';
  try {
    reference = await openTicket(request, 'my notes are gone, please help', { email: 'dee@example.com' });
    await expect
      .poll(() => d1<{ status: string }>(`SELECT status FROM deliveries WHERE ticket_reference = '${reference}' AND sink = 'slack'`)[0]?.status, {
        timeout: 60_000,
      })
      .toBe('dead');
  } finally {
    await request.post(`${RECEIVER}/__fail`, { data: { path: '/slack', times: 0 } });
  }
  await openInbox(page);
  await signIn(page);
  const link = ticketLink(page, reference);
  await expect(link.locator('.dead')).toHaveText('Delivery failed: slack');
  await link.click();
  const slack = page.locator('#d-deliveries tr', { hasText: 'slack' });
  await expect(slack.locator('td')).toHaveText(['slack', 'dead (gave up)', '5', /HTTP 500/]);
  await expect(page.locator('#d-deliveries tr.dead-row')).toHaveCount(1);
});
