import AxeBuilder from '@axe-core/playwright';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { ADMIN_TOKEN, INSIGHTS_QUIET_MS } from './playwright.config';

// Insights at /admin: real conversations on the `shop` site (answers rated
// up and down, a "thanks, that solved it", a quiet one, suggestions,
// escalations for several reasons, a ticket, three paraphrases of one
// unanswerable question in two languages and an unrelated one), then the
// page, signed in with the admin token and filtered to this spec's own
// period and site, must show exactly those numbers, group the paraphrases
// with links to their conversations, and export CSV. Also: every admin
// endpoint refuses a missing or wrong token, bad parameters are 400s with
// stable codes, and the page has no axe violations.

const SITE = 'shop';
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

type Reply = { decision: string; reason?: string; lang: string; sources: { title: string; url: string }[] };
type Turn = { conversation_id: string; message_id: number; reply: Reply };

/** One visitor turn on the shop site; a new conversation without `id`. */
async function chat(request: APIRequestContext, message: string, id?: string): Promise<Turn> {
  const res = await request.post('/api/v1/chat', {
    data: { message, conversation_id: id },
    headers: { 'x-frontdesk-site': SITE },
  });
  expect(res.status(), message).toBe(200);
  return res.json();
}

async function rate(request: APIRequestContext, t: Turn, rating: 'up' | 'down') {
  const res = await request.post('/api/v1/feedback', {
    data: { conversation_id: t.conversation_id, message_id: t.message_id, rating },
    headers: { 'x-frontdesk-site': SITE },
  });
  expect(res.status()).toBe(200);
}

/** RFC 4180 rows (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field, 'the CSV ends with a line break').toBe('');
  return rows;
}

const tile = (page: Page, name: string) => page.locator(`[data-tile="${name}"] .value`);

test.describe.configure({ mode: 'serial' });

test('no token or a wrong one is 401 on every admin endpoint; bad parameters are 400 with stable codes', async ({
  request,
}) => {
  const paths = [
    '/api/v1/admin/insights',
    '/api/v1/admin/export?kind=conversations&format=csv',
    '/api/v1/admin/conversations/00000000-0000-4000-8000-000000000000',
  ];
  for (const path of paths) {
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: ADMIN_TOKEN }]) {
      const res = await request.get(path, { headers });
      expect(res.status(), path).toBe(401);
      expect((await res.json()).error.code).toBe('unauthorized');
    }
  }
  const bad: [string, number, string, string | undefined][] = [
    ['/api/v1/admin/insights?from=yesterday', 400, 'invalid_field', 'from'],
    ['/api/v1/admin/insights?to=2026-13-01', 400, 'invalid_field', 'to'],
    ['/api/v1/admin/insights?from=1d&to=2d', 400, 'invalid_field', 'from'],
    ['/api/v1/admin/insights?from=400', 400, 'invalid_field', 'from'],
    ['/api/v1/admin/insights?site=nope', 400, 'unknown_site', 'site'],
    ['/api/v1/admin/export?kind=tickets', 400, 'invalid_field', 'kind'],
    ['/api/v1/admin/export?kind=articles&format=xml', 400, 'invalid_field', 'format'],
    ['/api/v1/admin/export?format=csv', 400, 'invalid_field', 'kind'],
    ['/api/v1/admin/conversations/not-a-uuid', 400, 'invalid_field', 'conversation_id'],
    ['/api/v1/admin/conversations/00000000-0000-4000-8000-000000000000', 404, 'conversation_not_found', undefined],
    ['/api/v1/admin/nothing', 404, 'not_found', undefined],
  ];
  for (const [path, status, code, field] of bad) {
    const res = await request.get(path, { headers: admin });
    expect(res.status(), path).toBe(status);
    const error = (await res.json()).error;
    expect(error.code, path).toBe(code);
    if (field) expect(error.field, path).toBe(field);
  }
  const post = await request.post('/api/v1/admin/insights', { headers: admin });
  expect(post.status()).toBe(405);
});

test('/admin shows the numbers of the conversations made here, groups the paraphrases, and exports CSV', async ({
  page,
  request,
}) => {
  // This spec's own period: other specs' conversations (also on `shop`) started before it.
  const from = new Date(Date.now() - 1000).toISOString();
  await page.waitForTimeout(1100);
  const turns: Turn[] = [];
  const say = async (message: string, id?: string) => {
    const t = await chat(request, message, id);
    turns.push(t);
    return t;
  };

  const up = await say('How do I reset my password?');
  expect(up.reply.decision).toBe('answer');
  await rate(request, up, 'up');
  const down = await say('How do I export my notes?');
  expect(down.reply.decision).toBe('answer');
  await rate(request, down, 'down');
  const thanked = await say('can I get a refund');
  expect(thanked.reply.decision).toBe('answer');
  expect((await say('thanks, that solved it', thanked.conversation_id)).reply.decision).toBe('small_talk');
  const quiet = await say('what are the keyboard shortcuts');
  expect(quiet.reply.decision).toBe('answer');
  const quietAt = Date.now();
  expect((await say('formats?')).reply.decision).toBe('suggest');
  const human = await say('I want to speak to a human');
  expect(human.reply).toMatchObject({ decision: 'escalate', reason: 'requested' });
  const handoff = await request.post('/api/v1/handoff', {
    data: { conversation_id: human.conversation_id, email: 'insights@example.com' },
    headers: { 'x-frontdesk-site': SITE },
  });
  expect(handoff.status()).toBe(201);
  expect((await say('I will contact my lawyer about this')).reply.reason).toBe('always_human');
  expect((await say('this bot is useless')).reply.reason).toBe('frustrated');
  const paraphrases = [
    await say('do you have a desktop app for linux?'),
    await say('Is there a Linux version?'),
    await say('Gibt es eine Linux-App?'),
  ];
  for (const p of paraphrases) expect(['suggest', 'escalate']).toContain(p.reply.decision);
  expect(paraphrases.map((p) => p.reply.lang)).toEqual(['en', 'en', 'de']);
  const weather = await say("What's the weather going to be in Paris tomorrow?");
  expect(weather.reply).toMatchObject({ decision: 'escalate', reason: 'no_match' });
  // A question that reads as a formula in a spreadsheet.
  const formula = await say('=HYPERLINK("http://evil.example","click")');
  expect(['suggest', 'escalate']).toContain(formula.reply.decision);

  // What the page must show, from the replies themselves.
  const conversations = new Set(turns.map((t) => t.conversation_id)).size;
  const count = (d: string) => turns.filter((t) => t.reply.decision === d).length;
  const pct = (d: string) => `${Math.round((count(d) / turns.length) * 100)}%`;
  const reason = (r: string) => turns.filter((t) => t.reply.reason === r).length;

  // The quiet conversation has been quiet for N (INSIGHTS_QUIET_MS on this server).
  await page.waitForTimeout(Math.max(0, quietAt + INSIGHTS_QUIET_MS + 500 - Date.now()));

  await page.goto(`/admin?from=${encodeURIComponent(from)}&site=${SITE}`);
  await page.getByLabel('Admin token').fill('wrong-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('That token was not accepted. Check it and try again.');
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByLabel('Site', { exact: true })).toHaveValue(SITE);
  await expect(page.getByLabel('Period', { exact: true })).toHaveValue('linked');

  await expect(tile(page, 'conversations')).toHaveText(String(conversations));
  await expect(tile(page, 'answered')).toHaveText(pct('answer'));
  await expect(tile(page, 'suggested')).toHaveText(pct('suggest'));
  await expect(tile(page, 'escalated')).toHaveText(pct('escalate'));
  await expect(tile(page, 'confirmed')).toHaveText('2'); // the thumbs up and the thanks
  await expect(tile(page, 'assumed')).toHaveText('1'); // the quiet one
  await expect(tile(page, 'tickets')).toHaveText('1');
  for (const r of ['requested', 'no_match', 'always_human', 'frustrated', 'unresolved']) {
    await expect(page.locator(`#reasons [data-key="${r}"] .bar-count`), r).toHaveText(String(reason(r)));
  }
  expect(reason('requested') * reason('always_human') * reason('frustrated') * reason('no_match')).toBeGreaterThan(0);

  // Thumbs per article: the rated answers' articles.
  const row = (title: string) =>
    page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: title, exact: true }) });
  const suggested = (url: string) =>
    turns.filter((t) => t.reply.decision === 'suggest' && t.reply.sources.some((s) => s.url === url)).length;
  const upSource = up.reply.sources[0];
  await expect(row(upSource.title).getByRole('cell')).toHaveText(['1', String(suggested(upSource.url)), '1', '0']);
  await expect(row(down.reply.sources[0].title).getByRole('cell').nth(3)).toHaveText('1');

  // Write these next: the three paraphrases are one group, first.
  const first = page.locator('#groups > li').first();
  await expect(first.locator('.meta')).toHaveText('3 questions · 3 conversations · de, en');
  await first.getByText('Questions and conversations').click();
  const links = first.getByRole('link');
  await expect(links).toHaveCount(3);
  const hrefs = await links.evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')));
  expect(hrefs.sort()).toEqual(paraphrases.map((p) => `#conversation=${p.conversation_id}`).sort());
  const groups = await page.locator('#groups > li .representative').allTextContents();
  expect(groups).toContain("What's the weather going to be in Paris tomorrow?");
  expect(groups.length).toBeGreaterThanOrEqual(3);

  // A group's conversation opens in place, with the bot's decision.
  await links.filter({ hasText: 'Gibt es eine Linux-App?' }).click();
  const detail = page.locator('#detail');
  await expect(detail).toBeVisible();
  await expect(detail.locator('.turn-visitor .text')).toHaveText(['Gibt es eine Linux-App?']);
  await expect(detail.locator('.turn-bot .who')).toContainText(paraphrases[2].reply.decision);
  await expect(detail.locator('.turn-bot .who')).toContainText('de');

  // Zero axe violations, with a group open and a conversation shown.
  const axe = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  expect(axe.violations.map((v) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
  expect(axe.passes.length).toBeGreaterThan(10);

  // The numbers the page shows (the closing note's screenshot-level description).
  const shown: Record<string, string> = {};
  for (const name of ['conversations', 'answered', 'suggested', 'escalated', 'confirmed', 'assumed', 'tickets']) {
    shown[name] = `${await tile(page, name).textContent()} (${await page.locator(`[data-tile="${name}"] .note`).textContent()})`;
  }
  console.log('[admin] tiles', JSON.stringify(shown));
  const bars = await page.locator('#reasons li').evaluateAll((lis) =>
    lis.map((li) => `${li.querySelector('.bar-label')?.textContent}: ${li.querySelector('.bar-count')?.textContent}`),
  );
  console.log('[admin] escalation reasons', JSON.stringify(bars));
  const articleRows = await page.locator('#articles tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((c) => c.textContent).join(' | ')),
  );
  console.log('[admin] articles (title | answers | suggestions | up | down)', JSON.stringify(articleRows));
  const groupLines = await page.locator('#groups > li').evaluateAll((lis) =>
    lis.map((li) => `${li.querySelector('.representative')?.textContent} — ${li.querySelector('.meta')?.textContent}`),
  );
  console.log('[admin] write these next', JSON.stringify(groupLines));

  // The CSV export downloads and parses: a header and one row per conversation.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export conversations' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^frontdesk-conversations-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const rows = parseCsv(readFileSync((await file.path())!, 'utf8'));
  expect(rows[0]).toEqual([
    'conversation_id', 'site', 'started_at', 'last_message_at', 'language', 'visitor_messages', 'answered',
    'suggested', 'escalated', 'small_talk', 'thumbs_up', 'thumbs_down', 'tickets', 'outcome',
  ]);
  expect(rows).toHaveLength(conversations + 1);
  const outcome = (id: string) => rows.find((r) => r[0] === id)?.[13];
  expect(outcome(up.conversation_id)).toBe('confirmed');
  expect(outcome(thanked.conversation_id)).toBe('confirmed');
  expect(outcome(quiet.conversation_id)).toBe('assumed');
  expect(outcome(down.conversation_id)).toBe('unresolved');
  expect(outcome(human.conversation_id)).toBe('ticket');
  await expect(page.getByRole('status')).toHaveText('Exported conversations as CSV.');

  // The questions export over the API: the same groups, formula-safe.
  const q = new URLSearchParams({ from, site: SITE, kind: 'questions', format: 'csv' });
  const res = await request.get(`/api/v1/admin/export?${q}`, { headers: admin });
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toContain('text/csv');
  expect(res.headers()['content-disposition']).toMatch(/^attachment; filename="frontdesk-questions-/);
  const questions = parseCsv(await res.text());
  expect(questions[0]).toEqual(['group', 'representative', 'group_size', 'question', 'language', 'conversation_id', 'asked_at']);
  const formulaRow = questions.find((r) => r[5] === formula.conversation_id)!;
  expect(formulaRow[3]).toBe(`'=HYPERLINK("http://evil.example","click")`);
  const linux = questions.filter((r) => paraphrases.some((p) => p.conversation_id === r[5]));
  expect(new Set(linux.map((r) => r[0])).size).toBe(1);
  // JSON: the same rows as objects.
  q.set('format', 'json');
  const json = await (await request.get(`/api/v1/admin/export?${q}`, { headers: admin })).json();
  expect(json).toHaveLength(questions.length - 1);
  expect(json.find((r: { conversation_id: string }) => r.conversation_id === formula.conversation_id).question).toBe(
    '=HYPERLINK("http://evil.example","click")',
  );
});
