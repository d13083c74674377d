import { readFileSync } from 'node:fs';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { d1 } from './d1';
import { ADMIN_TOKEN, LOG } from './playwright.config';

// Help content updated on the running `wrangler dev` through the admin API
// (PUT/GET/DELETE /api/v1/admin/content): the widget answers from new
// articles at once, without a rebuild or restart, in the visitor's language;
// bad uploads change nothing. The spec ends with the bundled content live
// again (mode "replace" with no articles), as the other specs expect.

const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const CONTENT = '/api/v1/admin/content';

const launcher = (page: Page) => page.getByRole('button', { name: 'Open support chat' });
const panel = (page: Page) => page.getByRole('dialog', { name: 'Lumen Notes support' });
const composer = (page: Page) => panel(page).getByRole('textbox', { name: 'Your message' });

/** Asks in a new conversation (each question stands alone). */
async function ask(page: Page, question: string) {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await launcher(page).click();
  await expect(panel(page)).toBeVisible();
  await composer(page).fill(question);
  await composer(page).press('Enter');
  await expect(panel(page).locator('.fd-visitor').last()).toContainText(question);
  const reply = panel(page).locator('.fd-bot').last();
  await expect(reply).toHaveAttribute('data-decision', /.+/);
  return reply;
}

const EN_QUESTION = 'How do I pair the Lumen smart pen with my tablet?';
const DE_QUESTION = 'Wie verbinde ich den Lumen Stift mit meinem Tablet?';

const PEN_EN = `---
title: Pair the Lumen smart pen
url: /help/pair-smart-pen
lang: en
tags:
  - smart pen
questions:
  - How do I pair the smart pen with my tablet?
  - My smart pen does not connect
---
Hold the pen's button for three seconds until its light blinks blue, then open **Settings → Devices → Smart pen** in Lumen Notes on the tablet and choose **Pair**.

## The pen does not show up
Charge the pen for ten minutes and turn Bluetooth off and on again.
`;

const PEN_DE = `---
title: Den Lumen Stift verbinden
url: /help/de-stift-verbinden
lang: de
tags:
  - stift
questions:
  - Wie verbinde ich den Stift mit meinem Tablet?
  - Mein Stift verbindet sich nicht
---
Halten Sie die Taste des Stifts drei Sekunden lang gedrückt, bis das Licht blau blinkt. Öffnen Sie dann in Lumen Notes auf dem Tablet **Einstellungen → Geräte → Stift** und wählen Sie **Verbinden**.

## Der Stift wird nicht angezeigt
Laden Sie den Stift zehn Minuten lang und schalten Sie Bluetooth aus und wieder ein.
`;

type Listed = { version: number; articles: Array<{ slug: string; title: string; lang: string; source: string }> };

async function list(request: APIRequestContext): Promise<Listed> {
  const res = await request.get(CONTENT, { headers: ADMIN });
  expect(res.status()).toBe(200);
  return res.json();
}

async function put(request: APIRequestContext, body: unknown, headers: Record<string, string> = ADMIN) {
  return request.put(CONTENT, {
    data: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
}

test.describe.configure({ mode: 'serial' });

test.afterAll(async ({ request }) => {
  // Back to the bundled help centre, whatever happened above.
  const res = await put(request, { articles: [], mode: 'replace' });
  expect(res.status()).toBe(200);
});

test('new content uploaded to the running worker is answered from at once, in the visitor language', async ({
  page,
  request,
}) => {
  const before = await list(request);
  expect(before.articles.every((a) => a.source === 'bundled')).toBe(true);
  expect(before.articles.map((a) => a.slug)).toContain('reset-password');

  // The bundled help centre has no article about a smart pen: no answer
  // (at most suggestions of other articles).
  const unknown = await ask(page, EN_QUESTION);
  await expect(unknown).not.toHaveAttribute('data-decision', 'answer');
  await expect(unknown.getByRole('link', { name: 'Pair the Lumen smart pen' })).toHaveCount(0);

  const res = await put(request, {
    articles: [
      { slug: 'pair-smart-pen', source: PEN_EN },
      { slug: 'de-stift-verbinden', source: PEN_DE },
    ],
  });
  expect(res.status()).toBe(200);
  const updated = await res.json();
  expect(updated).toMatchObject({ version: before.version + 1, articles: before.articles.length + 2, uploaded: 2 });
  console.log(
    `content update: ${updated.articles} articles in ${updated.segments} segment(s), ${updated.rebuilt} rebuilt: ${updated.index_bytes} bytes built in ${updated.build_ms} ms (wrangler dev)`,
  );

  const after = await list(request);
  expect(after.version).toBe(updated.version);
  expect(after.articles).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ slug: 'pair-smart-pen', lang: 'en', source: 'uploaded' }),
      expect.objectContaining({ slug: 'de-stift-verbinden', lang: 'de', source: 'uploaded' }),
    ]),
  );

  // The same worker, no rebuild or restart: the widget answers from it.
  const answer = await ask(page, EN_QUESTION);
  await expect(answer).toHaveAttribute('data-decision', 'answer');
  await expect(answer).toContainText('three seconds');
  const link = answer.getByRole('link', { name: 'Pair the Lumen smart pen' });
  await expect(link).toHaveAttribute('href', /\/help\/pair-smart-pen$/);
  const pageRes = await page.request.get((await link.getAttribute('href'))!);
  expect(pageRes.status()).toBe(200);
  expect(await pageRes.text()).toContain('<h1>Pair the Lumen smart pen</h1>');

  // A German visitor gets the German article, never the English one.
  const german = await ask(page, DE_QUESTION);
  await expect(german).toHaveAttribute('data-decision', 'answer');
  await expect(german).toContainText('drei Sekunden');
  await expect(german.getByRole('link', { name: 'Den Lumen Stift verbinden' })).toHaveAttribute(
    'href',
    /\/help\/de-stift-verbinden$/,
  );
  const dePage = await page.request.get('/help/de-stift-verbinden');
  expect(await dePage.text()).toContain('<html lang="de">');
});

type StoredIndex = {
  version: number;
  segments: { segment: number; writer: string; key: string; bytes: number }[];
  objects: { key: string; bytes: number }[];
};

/** How the live index is stored (`GET /api/v1/admin/content/index`). */
async function storedIndex(request: APIRequestContext): Promise<StoredIndex> {
  const res = await request.get(`${CONTENT}/index`, { headers: ADMIN });
  expect(res.status()).toBe(200);
  return res.json();
}

/** The stored index segments' objects (not the passage vectors'), by key. */
const indexObjects = (stored: StoredIndex) =>
  stored.objects.filter((o) => o.key.startsWith('index/')).sort((a, b) => a.key.localeCompare(b.key));

/** `n` articles of made-up words (deterministic): enough text for an index
 * of several MB. */
function filler(n: number) {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const syllables = ['ka', 'lo', 'mi', 'ne', 'su', 'ta', 'ri', 'vo', 'pe', 'zu', 'ga', 'do', 'fi', 'hu'];
  const word = () => Array.from({ length: 2 + (next() % 3) }, () => syllables[next() % syllables.length]).join('');
  const words = (k: number) => Array.from({ length: k }, word).join(' ');
  return Array.from({ length: n }, (_, i) => ({
    slug: `filler-${i}`,
    source: `---\ntitle: ${words(4)}\nurl: /help/filler-${i}\nlang: en\n---\n${words(150)}\n\n## ${words(3)}\n${words(150)}\n\n## ${words(3)}\n${words(150)}\n`,
  }));
}

test('another isolate finds a newer version in D1 and loads its stored index', async ({
  page,
  request,
}) => {
  const penRow = () =>
    d1<{ id: number; updated: number }>(`SELECT rowid AS id, updated FROM content_articles WHERE slug = 'pair-smart-pen'`);
  const pen = penRow();
  expect(pen).toHaveLength(1);
  // An index of several MB: the pen articles among 700 others.
  const res = await put(request, { articles: filler(700) });
  expect(res.status()).toBe(200);
  const { version, articles } = await res.json();
  // The update wrote the 700 new rows only: the pen's row is the same one.
  expect(penRow()).toEqual(pen);
  // One segment, stored as one object under this update's writer id; only
  // the live segments' objects are kept.
  const [{ writer }] = d1<{ writer: string }>('SELECT writer FROM content_version WHERE id = 1');
  const stored = await storedIndex(request);
  expect(stored.version).toBe(version);
  expect(stored.segments).toEqual([{ segment: 0, writer, key: `index/${writer}/0`, bytes: expect.any(Number) }]);
  expect(stored.segments[0].bytes).toBeGreaterThan(1_000_000);
  // Two objects: what an isolate loads, and the articles' texts (read an
  // article at a time, for replies); together the segment's size.
  const objects = indexObjects(stored);
  expect(objects.map((o) => o.key)).toEqual([`index/${writer}/0`, `index/${writer}/0.text`]);
  expect(objects[0].bytes + objects[1].bytes).toBe(stored.segments[0].bytes);
  expect(objects[1].bytes).toBeGreaterThan(100_000);
  // What another isolate's update looks like to this one: a newer version
  // in D1 with its index (here the same one, under the new number).
  d1(`UPDATE content_version SET version = ${version + 1} WHERE id = 1`);
  const rebuilds = () => (readFileSync(LOG, 'utf8').match(/rebuilding it from the articles/g) ?? []).length;
  const rebuiltBefore = rebuilds();
  // Within CHECK_MS (5 s) the worker sees the version and reads the index.
  await expect
    .poll(async () => (await list(request)).version, { timeout: 10_000 })
    .toBe(version + 1);
  await page.waitForTimeout(5_500);
  const answer = await ask(page, EN_QUESTION);
  await expect(answer.getByRole('link', { name: 'Pair the Lumen smart pen' })).toHaveCount(1);
  const health = await (await request.get('/healthz')).json();
  expect(health).toMatchObject({ version: version + 1, articles });
  // Decoded as stored, not rebuilt from the articles.
  expect(rebuilds()).toBe(rebuiltBefore);
  // Back to the two pen articles only, for the tests after this one.
  const back = await put(request, {
    articles: [
      { slug: 'pair-smart-pen', source: PEN_EN },
      { slug: 'de-stift-verbinden', source: PEN_DE },
    ],
    mode: 'replace',
  });
  expect(back.status()).toBe(200);
  // The replaced ones' rows are gone.
  expect(d1<{ n: number }>('SELECT COUNT(*) AS n FROM content_articles')).toEqual([{ n: 2 }]);
});

test('two updates at once: one lands, the other is refused and leaves nothing behind', async ({ request }) => {
  const before = await list(request);
  const [a, b] = await Promise.all([
    put(request, { articles: filler(300) }),
    put(request, { articles: [{ slug: 'pair-smart-pen', source: PEN_EN.replace('three seconds', 'five seconds') }] }),
  ]);
  const statuses = [a.status(), b.status()].sort();
  console.log(`two concurrent content updates: ${statuses.join(', ')}`);
  // Interleaved, the second to finish finds the version changed (409);
  // one after the other, both land.
  expect([[200, 409], [200, 200]]).toContainEqual(statuses);
  for (const res of [a, b].filter((r) => r.status() === 409)) {
    expect((await res.json()).error.code).toBe('content_conflict');
  }
  const after = await list(request);
  expect(after.version).toBe(before.version + statuses.filter((s) => s === 200).length);
  // Only the live segments' objects are stored: none of the refused one's.
  const [{ writer }] = d1<{ writer: string }>('SELECT writer FROM content_version WHERE id = 1');
  const stored = await storedIndex(request);
  expect(stored.segments.map((s) => s.writer)).toEqual([writer]);
  expect(indexObjects(stored).map((o) => o.key)).toEqual([`index/${writer}/0`, `index/${writer}/0.text`]);
  // Back to the two pen articles only.
  const back = await put(request, {
    articles: [
      { slug: 'pair-smart-pen', source: PEN_EN },
      { slug: 'de-stift-verbinden', source: PEN_DE },
    ],
    mode: 'replace',
  });
  expect(back.status()).toBe(200);
});

test('past one segment of articles, an update rebuilds only the segment it touches', async ({ page, request }) => {
  test.setTimeout(180_000);
  const segments = async () => (await storedIndex(request)).segments;
  // 2,000 more articles: past the first segment's 2,000 (the bundled and
  // pen articles are in it), so the index has two.
  const big = await put(request, { articles: filler(2000) });
  expect(big.status()).toBe(200);
  const grown = await big.json();
  console.log(
    `content update: ${grown.articles} articles in ${grown.segments} segments, ${grown.rebuilt} rebuilt: ${grown.index_bytes} bytes built in ${grown.build_ms} ms (wrangler dev)`,
  );
  expect(grown).toMatchObject({ segments: 2, rebuilt: 2 });
  const [first, second] = await segments();
  expect([first.segment, second.segment]).toEqual([0, 1]);
  // One article of the first segment changes: only that segment is built
  // and stored again; the second's stored object stays as it is.
  const res = await put(request, {
    articles: [{ slug: 'pair-smart-pen', source: PEN_EN.replace('three seconds', 'four seconds') }],
  });
  expect(res.status()).toBe(200);
  const changed = await res.json();
  console.log(`one article changed: ${changed.rebuilt} of ${changed.segments} segments rebuilt in ${changed.build_ms} ms`);
  expect(changed).toMatchObject({ articles: grown.articles, segments: 2, rebuilt: 1 });
  const [first2, second2] = await segments();
  expect(first2.writer).not.toBe(first.writer);
  expect(second2).toEqual(second);
  // Only the live segments' objects are stored: the replaced one is gone.
  expect(indexObjects(await storedIndex(request)).map((o) => o.key)).toEqual(
    [first2, second2].flatMap((s) => [s.key, `${s.key}.text`]).sort((a, b) => a.localeCompare(b)),
  );
  // Another isolate reads both segments from D1 (a newer version, as
  // another isolate's update would leave it) and answers from them.
  d1(`UPDATE content_version SET version = ${changed.version + 1} WHERE id = 1`);
  // Within CHECK_MS (5 s) the worker sees the version and reads the index.
  await page.waitForTimeout(5_500);
  const answer = await ask(page, EN_QUESTION);
  await expect(answer).toHaveAttribute('data-decision', 'answer');
  await expect(answer).toContainText('four seconds');
  expect(await (await request.get('/healthz')).json()).toMatchObject({
    version: changed.version + 1,
    articles: grown.articles,
  });
  // Back to the two pen articles only: one segment again.
  const back = await put(request, {
    articles: [
      { slug: 'pair-smart-pen', source: PEN_EN },
      { slug: 'de-stift-verbinden', source: PEN_DE },
    ],
    mode: 'replace',
  });
  expect(back.status()).toBe(200);
  expect(await back.json()).toMatchObject({ segments: 1 });
  expect((await segments()).map((s) => s.segment)).toEqual([0]);
});

test('bad uploads are refused with a stable code and change nothing', async ({ request }) => {
  const before = await list(request);

  const noToken = await put(request, { articles: [{ slug: 'x', source: PEN_EN }] }, {});
  expect(noToken.status()).toBe(401);
  expect((await noToken.json()).error.code).toBe('unauthorized');
  expect((await request.get(CONTENT)).status()).toBe(401);

  const broken = await put(request, {
    articles: [
      { slug: 'fine-article', source: PEN_EN.replace('pair-smart-pen', 'fine-article') },
      { slug: 'broken-article', source: '---\ntitle: Broken\nurll: /help/broken\n---\nText.\n' },
    ],
  });
  expect(broken.status()).toBe(400);
  const error = (await broken.json()).error;
  expect(error.code).toBe('invalid_article');
  expect(error.field).toBe('articles[1]');
  expect(error.message).toContain("'broken-article'");
  expect(error.message).toContain('line 3');

  const badSlug = await put(request, { articles: [{ slug: '../etc', source: PEN_EN }] });
  expect(badSlug.status()).toBe(400);
  expect((await badSlug.json()).error.code).toBe('invalid_article');

  // 9 MiB: over the 8 MiB body limit.
  const huge = await put(request, {
    articles: [{ slug: 'huge', source: PEN_EN + 'x'.repeat(9 * 1024 * 1024) }],
  });
  expect(huge.status()).toBe(413);
  expect((await huge.json()).error.code).toBe('payload_too_large');

  // One article over the 256 KiB article limit, inside the body limit.
  const long = await put(request, {
    articles: [{ slug: 'long', source: PEN_EN + 'word '.repeat(60_000) }],
  });
  expect(long.status()).toBe(413);
  expect((await long.json()).error).toMatchObject({ code: 'payload_too_large', field: 'articles[0]' });

  const wrongType = await request.put(CONTENT, { data: 'articles=1', headers: { ...ADMIN, 'content-type': 'text/plain' } });
  expect(wrongType.status()).toBe(415);

  expect(await list(request)).toEqual(before);
  expect((await request.get('/help/fine-article')).status()).toBe(404);
});

test('a deleted article is no longer answered; replace restores the bundled help centre', async ({
  page,
  request,
}) => {
  const before = await list(request);
  expect(before.articles.map((a) => a.slug)).toContain('pair-smart-pen');

  const del = await request.delete(`${CONTENT}/pair-smart-pen`, { headers: ADMIN });
  expect(del.status()).toBe(200);
  expect((await del.json()).version).toBe(before.version + 1);
  const missing = await request.delete(`${CONTENT}/pair-smart-pen`, { headers: ADMIN });
  expect(missing.status()).toBe(404);
  expect((await missing.json()).error.code).toBe('article_not_found');
  expect((await request.get('/help/pair-smart-pen')).status()).toBe(404);

  const reply = await ask(page, EN_QUESTION);
  await expect(reply).not.toHaveAttribute('data-decision', 'answer');
  await expect(reply.getByRole('link', { name: 'Pair the Lumen smart pen' })).toHaveCount(0);

  // A bundled article can be deleted too, and comes back with replace.
  expect((await request.delete(`${CONTENT}/refund-policy`, { headers: ADMIN })).status()).toBe(200);
  expect((await list(request)).articles.map((a) => a.slug)).not.toContain('refund-policy');
  expect((await request.get('/help/refund-policy')).status()).toBe(404);

  const reset = await put(request, { articles: [], mode: 'replace' });
  expect(reset.status()).toBe(200);
  const now = await list(request);
  expect(now.articles.every((a) => a.source === 'bundled')).toBe(true);
  expect(now.articles.map((a) => a.slug)).toContain('refund-policy');
  expect(now.articles.map((a) => a.slug)).not.toContain('de-stift-verbinden');

  // And the bundled answers are back.
  const res = await request.post('/api/v1/chat', { data: { message: 'How do I reset my password?' } });
  expect((await res.json()).reply).toMatchObject({ decision: 'answer', sources: [{ url: '/help/reset-password' }] });
});
