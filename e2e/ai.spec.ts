import { expect, test, type APIRequestContext } from '@playwright/test';
import { d1 } from './d1';
import { AI_PORT, AI_STATE, LLM_PORT, RECEIVER_PORT } from './playwright.config';

// The generator path, against a second worker configured with an
// OpenAI-compatible provider that is a scripted server on loopback
// (fake-llm.mjs): streamed answers, and every way a provider lets us down.

const API = `http://127.0.0.1:${AI_PORT}`;
const LLM = `http://127.0.0.1:${LLM_PORT}`;
const QUESTION = 'How do I export my notes as PDF?';
const ANSWER = 'Open the note and choose ⋯ → Export, then pick PDF [1].';

type Reply = { decision: string; text: string; sources: { title: string; url: string }[]; lang: string };
type Event = { name: string; data: any; at: number };

async function script(request: APIRequestContext, mode: string, text = ANSWER) {
  const res = await request.post(`${LLM}/__mode`, { data: { mode, text } });
  expect(res.status()).toBe(204);
}

async function llmRequests(request: APIRequestContext): Promise<any[]> {
  return (await request.get(`${LLM}/__requests`)).json();
}

/** One streamed chat turn, with each event's arrival time (ms after sending). */
async function streamTurn(message: string, conversation_id?: string): Promise<Event[]> {
  const started = Date.now();
  const res = await fetch(`${API}/api/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ message, conversation_id }),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: Event[] = [];
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body as any as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const name = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null');
      events.push({ name, data, at: Date.now() - started });
    }
  }
  return events;
}

const done = (events: Event[]) => events.find((e) => e.name === 'done')!.data as { conversation_id: string; reply: Reply };
const streamedText = (events: Event[]) =>
  events
    .filter((e) => e.name === 'delta')
    .map((e) => e.data.text)
    .join('');

test.describe.configure({ mode: 'serial' });

test('a grounded answer streams as it is written, with its citation as a link', async ({ request }) => {
  await script(request, 'slow');
  const before = (await llmRequests(request)).length;
  const events = await streamTurn(QUESTION);
  expect(events[0].name).toBe('start');
  const { conversation_id, reply } = done(events);
  expect(events[0].data.conversation_id).toBe(conversation_id);
  expect(reply).toMatchObject({ decision: 'answer', text: ANSWER, lang: 'en' });
  expect(reply.sources).toEqual([{ title: 'Export your notes', url: '/help/export-notes' }]);
  // What was streamed is exactly the final text, and it came in pieces
  // spread over time rather than all at once at the end.
  expect(streamedText(events)).toBe(ANSWER);
  const deltas = events.filter((e) => e.name === 'delta');
  expect(deltas.length).toBeGreaterThan(3);
  expect(deltas[deltas.length - 1].at - deltas[0].at).toBeGreaterThan(1000);
  // The model was asked properly: our model, streaming, grounded in the
  // export article, told how to decline.
  const sent = (await llmRequests(request)).slice(before);
  expect(sent).toHaveLength(1);
  const body = sent[0].body;
  expect(body).toMatchObject({ model: 'fake-model', stream: true });
  expect(body.messages[0].role).toBe('system');
  expect(body.messages[0].content).toContain('NO_ANSWER');
  const user = body.messages[body.messages.length - 1].content;
  expect(user).toContain(QUESTION);
  expect(user).toContain('Export your notes');
  // Stored: the visitor's message and the written answer.
  const rows = d1<{ role: string; body: string; decision: string | null }>(
    `SELECT role, body, decision FROM messages WHERE conversation_id = '${conversation_id}' ORDER BY id`,
    AI_STATE,
  );
  expect(rows).toEqual([
    { role: 'visitor', body: QUESTION, decision: null },
    { role: 'bot', body: ANSWER, decision: 'answer' },
  ]);
});

test('when the model says the sources do not answer, the bot suggests instead, and never shows the sentinel', async ({
  request,
}) => {
  await script(request, 'no_answer');
  const events = await streamTurn(QUESTION);
  expect(streamedText(events)).toBe('');
  const { reply } = done(events);
  expect(reply.decision).toBe('suggest');
  expect(reply.sources.map((s) => s.url)).toContain('/help/export-notes');
  expect(JSON.stringify(events)).not.toContain('NO_');
});

for (const [mode, what] of [
  ['stall', 'stalls past the time to first token'],
  ['error', 'fails with HTTP 500'],
  ['garbage', 'streams garbage'],
]) {
  test(`a provider that ${what} costs the visitor nothing: the built-in answer comes instead`, async ({ request }) => {
    await script(request, mode);
    const events = await streamTurn(QUESTION);
    const { conversation_id, reply } = done(events);
    // The built-in engine's answer: the export article's passage, linked.
    expect(reply.decision).toBe('answer');
    expect(reply.text).toContain('PDF');
    expect(reply.text).not.toBe(ANSWER);
    expect(reply.sources[0].url).toBe('/help/export-notes');
    if (mode === 'stall') {
      // Gave up at the 1.5 s budget, not at the provider's 20 s.
      expect(events[events.length - 1].at).toBeLessThan(8000);
    }
    const rows = d1<{ role: string }>(
      `SELECT role FROM messages WHERE conversation_id = '${conversation_id}' ORDER BY id`,
      AI_STATE,
    );
    expect(rows.map((r) => r.role)).toEqual(['visitor', 'bot']);
  });
}

test('a provider that ignores stream:true still works, and JSON clients get the written answer', async ({ request }) => {
  await script(request, 'plain');
  const events = await streamTurn(QUESTION);
  expect(done(events).reply).toMatchObject({ decision: 'answer', text: ANSWER });
  await script(request, 'answer');
  const res = await request.post(`${API}/api/v1/chat`, { data: { message: QUESTION } });
  expect(res.headers()['content-type']).toContain('application/json');
  expect((await res.json()).reply).toMatchObject({ decision: 'answer', text: ANSWER });
});

test('small talk and requests for a person never wait for the model', async ({ request }) => {
  await script(request, 'stall');
  const before = (await llmRequests(request)).length;
  for (const [message, decision] of [
    ['hello', 'small_talk'],
    ['talk to a person', 'escalate'],
  ]) {
    const res = await request.post(`${API}/api/v1/chat`, { data: { message } });
    expect((await res.json()).reply.decision).toBe(decision);
  }
  expect((await llmRequests(request)).length).toBe(before);
});

test('the widget shows the answer while it streams, then the final reply with its source link', async ({
  page,
  request,
}) => {
  await script(request, 'slow');
  await page.goto(`${API}/`);
  await page.getByRole('button', { name: 'Open support chat' }).click();
  const panel = page.getByRole('dialog', { name: 'Lumen Notes support' });
  await panel.getByRole('textbox', { name: 'Your message' }).fill(QUESTION);
  await panel.getByRole('textbox', { name: 'Your message' }).press('Enter');
  // Part of the answer is on screen before the whole has arrived.
  const streaming = panel.locator('.fd-streaming');
  await expect(streaming).toContainText('Open the note');
  await expect(streaming).not.toContainText('pick PDF');
  // Then the final reply replaces it, with the citation as a link.
  const reply = panel.locator('.fd-bot[data-decision="answer"]').last();
  await expect(reply).toContainText('then pick PDF');
  await expect(streaming).toHaveCount(0);
  await expect(reply.getByRole('link', { name: 'Export your notes', exact: true })).toHaveAttribute('href', /\/help\/export-notes$/);
  // The inline citation "[1]" is a link to the same article.
  const cite = reply.getByRole('link', { name: 'Source 1: Export your notes' });
  await expect(cite).toHaveText('[1]');
  await expect(cite).toHaveAttribute('href', /\/help\/export-notes$/);
});

test('the widget shows a Markdown answer as elements, and markup or unsafe links from the model as text', async ({
  page,
  request,
}) => {
  const markdown =
    'To export **one note**:\n\n1. Open it and choose *Export* [1]\n2. Pick `PDF`\n\n' +
    'See [the guide](/help/export-notes), not [this](javascript:alert(1)). <script>alert(1)</script><img src=x onerror=alert(1)>';
  await script(request, 'answer', markdown);
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs += 1;
    void d.dismiss();
  });
  await page.goto(`${API}/`);
  await page.getByRole('button', { name: 'Open support chat' }).click();
  const panel = page.getByRole('dialog', { name: 'Lumen Notes support' });
  await panel.getByRole('textbox', { name: 'Your message' }).fill(QUESTION);
  await panel.getByRole('textbox', { name: 'Your message' }).press('Enter');
  const reply = panel.locator('.fd-bot[data-decision="answer"]').last();
  await expect(reply.locator('.fd-text > p').first()).toHaveText('To export one note:');
  await expect(reply.locator('strong')).toHaveText('one note');
  await expect(reply.locator('ol > li')).toHaveText(['Open it and choose Export [1]', 'Pick PDF']);
  await expect(reply.locator('ol em')).toHaveText('Export');
  await expect(reply.locator('ol code')).toHaveText('PDF');
  await expect(reply.locator('ol').getByRole('link', { name: 'Source 1: Export your notes' })).toHaveText('[1]');
  const guide = reply.getByRole('link', { name: 'the guide' });
  await expect(guide).toHaveAttribute('href', /\/help\/export-notes$/);
  await expect(guide).toHaveAttribute('rel', 'noopener noreferrer');
  // The unsafe link and the HTML are shown as the model wrote them, as text.
  await expect(reply).toContainText('not [this](javascript:alert(1)). <script>alert(1)</script><img src=x onerror=alert(1)>');
  await expect(reply.locator('script, img, a[href^="javascript"]')).toHaveCount(0);
  expect(dialogs).toBe(0);
});

test('hybrid retrieval: passages embedded once and stored, then every question embedded once, small talk never', async ({
  request,
}) => {
  // The model declines to answer, so the reply shows what retrieval found.
  await script(request, 'no_answer');
  const embeddingCalls = async () =>
    (await (await request.get(`${LLM}/__embeddings`)).json()) as { inputs: number; texts: string[] }[];
  const ask = async (message: string) =>
    (await (await request.post(`${API}/api/v1/chat`, { data: { message } })).json()).reply as Reply;
  const passages = (await (await request.get(`${API}/healthz`)).json()).passages as number;
  const stored = () =>
    d1<{ n: number }>("SELECT COUNT(*) AS n FROM passage_vectors WHERE model = 'fake-embed'", AI_STATE)[0].n;
  // Italian, and no Italian articles: no word in common with any article.
  const q = "Ho dimenticato la parola d'ordine";
  // The first question finds no vectors: decided on words (nothing: a
  // person), and the passages are embedded after the response.
  if (stored() < passages) {
    expect(await ask(q)).toMatchObject({ decision: 'escalate', lang: 'it' });
  }
  await expect.poll(stored, { timeout: 20_000 }).toBe(passages);
  // Over the server's life, the passages were embedded once, in batches.
  const batches = (await embeddingCalls()).filter((c) => c.texts.length === 0);
  expect(batches.reduce((n, c) => n + c.inputs, 0)).toBe(passages);
  // Now the model's view counts: the English article, for an Italian visitor.
  await request.post(`${LLM}/__embed_mode`, { data: { mode: 'words' } });
  const start = (await embeddingCalls()).length;
  const reply = await ask(q);
  await request.post(`${LLM}/__embed_mode`, { data: { mode: 'blank' } });
  expect(['answer', 'suggest']).toContain(reply.decision);
  expect(reply).toMatchObject({ lang: 'it' });
  expect(reply.sources[0].url).toBe('/help/reset-password');
  let calls = (await embeddingCalls()).slice(start);
  expect(calls.map((c) => c.inputs)).toEqual([1]);
  expect(calls[0].texts).toEqual([q]);
  // Every question is embedded once; the stored passages are reused.
  await ask('How do I export my notes as PDF?');
  calls = (await embeddingCalls()).slice(start);
  expect(calls.map((c) => c.inputs)).toEqual([1, 1]);
  // Small talk and requests for a person never call the model.
  await ask('hello');
  await ask('I want to talk to a human');
  expect((await embeddingCalls()).slice(start)).toHaveLength(2);
});

// The ticket summary: written by the model after the visitor has the
// reference, stored in the ticket's document, and what the sinks receive.
const SUMMARY = 'Fake model summary: the visitor was billed twice and wants the second charge refunded.';
const RECEIVER = `http://127.0.0.1:${RECEIVER_PORT}`;

async function handoff(request: APIRequestContext, message: string, note: string) {
  // An always-human topic: escalated without calling the model.
  const chat = await (await request.post(`${API}/api/v1/chat`, { data: { message } })).json();
  expect(chat.reply.decision).toBe('escalate');
  const started = Date.now();
  const res = await request.post(`${API}/api/v1/handoff`, {
    data: { conversation_id: chat.conversation_id, email: 'ana@example.com', note },
  });
  expect(res.status()).toBe(201);
  return { reference: (await res.json()).reference as string, took: Date.now() - started };
}

const storedSummary = (reference: string) =>
  d1<{ method: string; text: string; transcript: number; schema: string }>(
    `SELECT json_extract(document, '$.summary.method') AS method, json_extract(document, '$.summary.text') AS text, ` +
      `json_array_length(document, '$.transcript') AS transcript, json_extract(document, '$.schema') AS schema ` +
      `FROM tickets WHERE reference = '${reference}'`,
    AI_STATE,
  )[0];

async function webhookFor(request: APIRequestContext, reference: string) {
  let hook: any;
  await expect
    .poll(
      async () => {
        const got: any[] = await (await request.get(`${RECEIVER}/__received`)).json();
        hook = got.find((r) => r.path === '/webhook' && r.payload?.data?.reference === reference);
        return Boolean(hook);
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  return hook;
}

test('a handoff gets a summary written by the model, without the visitor waiting for it, and the sinks get it', async ({
  request,
}) => {
  await script(request, 'hold'); // the summary comes when the test releases it
  const before = (await llmRequests(request)).length;
  const message = 'I was charged twice for my Team plan this month';
  const { reference, took } = await handoff(request, message, 'Please refund the second charge');
  expect(took).toBeLessThan(2000);
  // Stored first with the built-in summary, then the model's replaces it.
  expect(storedSummary(reference).method).toBe('extractive');
  await request.post(`${LLM}/__release`);
  await expect.poll(() => storedSummary(reference).method, { timeout: 15_000 }).toBe('model');
  expect(storedSummary(reference)).toEqual({ method: 'model', text: SUMMARY, transcript: 2, schema: 'frontdesk.ticket.v1' });
  // One summary request: whole, not streamed, with the conversation and the note as data.
  const sent = (await llmRequests(request)).slice(before);
  expect(sent).toHaveLength(1);
  expect(sent[0].body).toMatchObject({ model: 'fake-model', stream: false });
  const user = sent[0].body.messages[1].content;
  expect(user).toContain(`<message from="visitor">\n${message}\n</message>`);
  expect(user).toContain('<note>\nPlease refund the second charge\n</note>');
  // The deliveries were queued after the summary: the webhook carries it.
  const hook = await webhookFor(request, reference);
  expect(hook.verified).toBe(true);
  expect(hook.payload.data.summary).toEqual({ text: SUMMARY, method: 'model' });
  expect(hook.payload.data.routing).toEqual({ team: 'billing', sinks: ['webhook'] });
  // The agent list shows it too (it reads the document's summary).
  const listed = d1<{ summary: string }>(
    `SELECT json_extract(document, '$.summary.text') AS summary FROM tickets WHERE reference = '${reference}'`,
    AI_STATE,
  );
  expect(listed[0].summary).toBe(SUMMARY);
});

for (const [mode, what] of [
  ['error', 'fails'],
  ['garbage', 'sends garbage'],
]) {
  test(`when the model ${what}, the ticket keeps its extractive summary and is still delivered`, async ({ request }) => {
    await script(request, mode);
    const before = (await llmRequests(request)).length;
    const { reference } = await handoff(request, 'My account was hacked, someone changed my email', 'urgent');
    const hook = await webhookFor(request, reference);
    expect(hook.payload.data.summary.method).toBe('extractive');
    expect(hook.payload.data.summary.text).toContain('hacked');
    expect((await llmRequests(request)).length).toBe(before + 1); // it was asked
    expect(storedSummary(reference)).toMatchObject({ method: 'extractive', transcript: 2, schema: 'frontdesk.ticket.v1' });
    expect(storedSummary(reference).text).toContain('hacked');
    const deliveries = d1<{ sink: string; status: string }>(
      `SELECT sink, status FROM deliveries WHERE ticket_reference = '${reference}'`,
      AI_STATE,
    );
    expect(deliveries).toEqual([{ sink: 'webhook', status: 'delivered' }]);
  });
}
