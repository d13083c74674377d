import { expect, test, type APIRequestContext } from '@playwright/test';
import { d1 } from './d1';
import { AI_PORT, AI_STATE, LLM_PORT } from './playwright.config';

// Privacy: personal data in what a visitor writes is replaced by
// placeholders in everything the worker sends to an external model — the
// answer prompt, the embedding of a question, the ticket-summary prompt —
// while what is stored (messages, the ticket the agent reads) keeps it.
// Against the generator worker and the scripted model (fake-llm.mjs), which
// records every request. (REDACT_PII=off is a second worker configuration;
// its parsing is unit-tested in shared/src/llm/redact.rs instead.)

const API = `http://127.0.0.1:${AI_PORT}`;
const LLM = `http://127.0.0.1:${LLM_PORT}`;

const EMAIL = 'kim.lee@example.com';
const PHONE = '+49 171 1234567';
const CARD = '4111 1111 1111 1111'; // Luhn-valid (a test Visa number)
const NOT_A_CARD = '4111 1111 1111 1112'; // Luhn-invalid: stays
const ORIGINALS = [EMAIL, PHONE, CARD, '4111111111111111', '1711234567'];

async function llmRequests(request: APIRequestContext): Promise<any[]> {
  return (await request.get(`${LLM}/__requests`)).json();
}
async function embeddingCalls(request: APIRequestContext): Promise<{ inputs: number; texts: string[] }[]> {
  return (await request.get(`${LLM}/__embeddings`)).json();
}

function report(what: string, sent: string) {
  const placeholders = ['[email]', '[phone]', '[card]'].filter((p) => sent.includes(p));
  const originals = ORIGINALS.filter((o) => sent.includes(o));
  console.log(`${what}: placeholders ${placeholders.join(' ') || '-'}; originals sent: ${originals.length}`);
  return { placeholders, originals };
}

test.describe.configure({ mode: 'serial' });

// Questions go back to blank vectors for the other specs (fake-llm.mjs).
test.afterEach(async ({ request }) => {
  await request.post(`${LLM}/__embed_mode`, { data: { mode: 'blank' } });
});

test('an email, a phone and a card number reach the model as placeholders; the stored messages and ticket keep them', async ({
  request,
}) => {
  test.setTimeout(90_000);
  await request.post(`${LLM}/__mode`, { data: { mode: 'answer', text: 'Open the note and choose Export, then pick PDF [1].' } });

  // 1. The answer prompt. The fake model embeds questions by their words
  // here, so the question is decided with both views, as in production.
  await request.post(`${LLM}/__embed_mode`, { data: { mode: 'words' } });
  const message = `How do I export my notes as PDF? I'm ${EMAIL}, call ${PHONE}, my card is ${CARD}, order ${NOT_A_CARD}.`;
  let before = (await llmRequests(request)).length;
  const chat = await (await request.post(`${API}/api/v1/chat`, { data: { message } })).json();
  expect(['answer', 'suggest']).toContain(chat.reply.decision);
  const conversation = chat.conversation_id as string;
  let sent = (await llmRequests(request)).slice(before);
  expect(sent).toHaveLength(1);
  const prompt = JSON.stringify(sent[0].body.messages);
  const p = report('answer prompt', prompt);
  expect(p.placeholders).toEqual(['[email]', '[phone]', '[card]']);
  expect(p.originals).toEqual([]);
  expect(prompt).toContain(NOT_A_CARD); // a Luhn-invalid number is not a card
  expect(prompt).toContain('How do I export my notes as PDF?');

  // 2. The embedding of a question (once the passages' vectors are
  // stored: the first question only starts computing them).
  const passages = (await (await request.get(`${API}/healthz`)).json()).passages as number;
  await request.post(`${API}/api/v1/chat`, { data: { message: 'a question to start the passage vectors' } });
  await expect
    .poll(() => d1<{ n: number }>("SELECT COUNT(*) AS n FROM passage_vectors WHERE model = 'fake-embed'", AI_STATE)[0].n, {
      timeout: 20_000,
    })
    .toBe(passages);
  const embedBefore = (await embeddingCalls(request)).length;
  const italian = `Ho dimenticato la parola d'ordine, scrivimi a ${EMAIL} o chiama ${PHONE}`;
  const second = await (
    await request.post(`${API}/api/v1/chat`, { data: { message: italian, conversation_id: conversation } })
  ).json();
  expect(second.conversation_id).toBe(conversation);
  const calls = (await embeddingCalls(request)).slice(embedBefore).filter((c) => c.texts.length === 1);
  expect(calls.length).toBeGreaterThan(0);
  const embedded = calls.map((c) => c.texts[0]).join('\n');
  const e = report('embedding input', embedded);
  expect(e.placeholders).toEqual(['[email]', '[phone]']);
  expect(e.originals).toEqual([]);
  expect(embedded).toContain("Ho dimenticato la parola d'ordine");

  // 3. The ticket-summary prompt (after the handoff), with a note.
  before = (await llmRequests(request)).length;
  const note = `Reach me at ${EMAIL} or ${PHONE}; I paid with ${CARD}.`;
  const handoff = await request.post(`${API}/api/v1/handoff`, {
    data: { email: 'kim@example.com', conversation_id: conversation, note },
  });
  expect(handoff.status()).toBe(201);
  const reference = (await handoff.json()).reference as string;
  await expect
    .poll(
      async () =>
        (await llmRequests(request))
          .slice(before)
          .some((r) => String(r.body.messages?.[0]?.content).startsWith('You write the summary')),
      { timeout: 30_000 },
    )
    .toBe(true);
  const summary = (await llmRequests(request))
    .slice(before)
    .find((r) => String(r.body.messages?.[0]?.content).startsWith('You write the summary'));
  const summaryPrompt = JSON.stringify(summary.body.messages);
  const s = report('summary prompt', summaryPrompt);
  expect(s.placeholders).toEqual(['[email]', '[phone]', '[card]']);
  expect(s.originals).toEqual([]);

  // Stored as written: the visitor's messages and the ticket the agent reads.
  const stored = d1<{ body: string }>(
    `SELECT body FROM messages WHERE conversation_id = '${conversation}' AND role = 'visitor' ORDER BY id`,
    AI_STATE,
  ).map((r) => r.body);
  expect(stored).toEqual([message, italian]);
  const doc = d1<{ document: string }>(`SELECT document FROM tickets WHERE reference = '${reference}'`, AI_STATE)[0].document;
  for (const o of [EMAIL, PHONE, CARD]) expect(doc).toContain(o);
  expect(doc).not.toContain('[email]');
  console.log(`stored: messages and ticket keep ${[EMAIL, PHONE, CARD].filter((o) => doc.includes(o)).length}/3 originals`);
});
