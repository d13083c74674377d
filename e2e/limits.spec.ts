import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { d1 } from './d1';
import { LIMITS, LIMITS_PORT, LIMITS_STATE, LLM_PORT } from './playwright.config';

// Abuse limits, against a server started with low ones (LIMITS in
// playwright.config.ts) and the generator on the fake LLM. Each test comes
// from its own address (CF-Connecting-IP, which `wrangler dev` passes through
// when a request has it, as Cloudflare's edge sets it), so the per-address
// counters of one test do not touch another's. Every test prints what it
// tried and what it got.

const BASE = `http://127.0.0.1:${LIMITS_PORT}`;
const LLM = `http://127.0.0.1:${LLM_PORT}`;
let nextIp = 0;
/** A fresh address for one test (a worker restarted after a failure
 * starts counting again, so the clock makes it unique). */
const freshIp = () => {
  const n = ((Date.now() / 100) % 16_000_000) + nextIp++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

type Chat = { status: number; retryAfter: number | null; code?: string; conversation?: string };

/** One chat turn (JSON, not streamed) from `ip`. */
async function chat(request: APIRequestContext, ip: string, message: string, conversation?: string): Promise<Chat> {
  const res = await request.post(`${BASE}/api/v1/chat`, {
    headers: { 'CF-Connecting-IP': ip, Origin: 'http://localhost:5173' },
    data: { message, conversation_id: conversation },
  });
  const body = await res.json();
  const retry = res.headers()['retry-after'];
  return {
    status: res.status(),
    retryAfter: retry === undefined ? null : Number(retry),
    code: body.error?.code,
    conversation: body.conversation_id,
  };
}

const count = (sql: string) => d1<{ n: number }>(sql, LIMITS_STATE)[0].n;

test.beforeAll(async ({ request }) => {
  await request.post(`${LLM}/__mode`, { data: { mode: 'answer' } });
});

test('a visitor over messages per minute gets 429 with Retry-After and rate_limited; nothing is stored', async ({
  request,
}) => {
  test.setTimeout(90_000);
  const ip = freshIp();
  // A conversation's first message makes it; the next LIMIT_MESSAGES_VISITOR
  // count against it.
  const first = await chat(request, ip, 'How do I export my notes as PDF?');
  expect(first.status).toBe(200);
  const conv = first.conversation!;
  for (let i = 0; i < LIMITS.LIMIT_MESSAGES_VISITOR; i++) {
    const r = await chat(request, ip, `Thanks! Follow-up number ${i}`, conv);
    expect(r.status, `message ${i + 2}`).toBe(200);
  }
  const refused = await chat(request, ip, 'One message too many', conv);
  // At once again (within the wait): refused too, the header readable by
  // the browser cross-origin.
  const again = await request.post(`${BASE}/api/v1/chat`, {
    headers: { 'CF-Connecting-IP': ip, Origin: 'http://localhost:5173' },
    data: { message: 'Still too many', conversation_id: conv },
  });
  console.log(
    `visitor: ${LIMITS.LIMIT_MESSAGES_VISITOR + 1} messages accepted, the next answered ${refused.status} ` +
      `${refused.code}, Retry-After ${refused.retryAfter} s (limit ${LIMITS.LIMIT_MESSAGES_VISITOR}/min)`,
  );
  expect(refused.status).toBe(429);
  expect(refused.code).toBe('rate_limited');
  // One message's worth of the minute: 60 / limit seconds at most.
  expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
  expect(refused.retryAfter).toBeLessThanOrEqual(60 / LIMITS.LIMIT_MESSAGES_VISITOR);
  expect(again.status()).toBe(429);
  expect(again.headers()['access-control-expose-headers']).toContain('Retry-After');
  // Nothing of either was stored: the first message and the accepted ones
  // with their replies, no more.
  const visitorRows = count(`SELECT COUNT(*) AS n FROM messages WHERE conversation_id = '${conv}' AND role = 'visitor'`);
  expect(visitorRows).toBe(LIMITS.LIMIT_MESSAGES_VISITOR + 1);
  expect(count(`SELECT COUNT(*) AS n FROM messages WHERE body IN ('One message too many', 'Still too many')`)).toBe(0);
  // Another visitor from elsewhere is not affected.
  expect((await chat(request, freshIp(), 'How do I export my notes as PDF?')).status).toBe(200);
});

test('an address over messages per minute is refused across several visitors', async ({ request }) => {
  const ip = freshIp();
  const statuses: number[] = [];
  for (let i = 0; i < LIMITS.LIMIT_MESSAGES_IP + 1; i++) {
    // A new conversation each time: no visitor counter, only the address's.
    statuses.push((await chat(request, ip, `Visitor ${i}: how do I export my notes?`)).status);
  }
  const refused = await chat(request, ip, 'Visitor X: how do I export my notes?');
  console.log(
    `address: ${LIMITS.LIMIT_MESSAGES_IP + 2} new visitors from ${ip}: ${statuses.join(',')},${refused.status} ` +
      `(limit ${LIMITS.LIMIT_MESSAGES_IP}/min), Retry-After ${refused.retryAfter} s`,
  );
  expect(statuses.slice(0, LIMITS.LIMIT_MESSAGES_IP).every((s) => s === 200)).toBe(true);
  expect(statuses[LIMITS.LIMIT_MESSAGES_IP]).toBe(429);
  expect(refused.status).toBe(429);
  expect(refused.code).toBe('rate_limited');
  expect(count(`SELECT COUNT(*) AS n FROM messages WHERE body LIKE 'Visitor X:%'`)).toBe(0);
  expect(count(`SELECT COUNT(*) AS n FROM messages WHERE body LIKE 'Visitor ${LIMITS.LIMIT_MESSAGES_IP}:%'`)).toBe(0);
  // The same visitors' neighbours at another address go on.
  expect((await chat(request, freshIp(), 'Visitor Y: how do I export my notes?')).status).toBe(200);
});

test('tickets per hour: per visitor, then per address; a refused one stores no ticket', async ({ request }) => {
  const ip = freshIp();
  const handoff = async (conversation: string | undefined, note: string) => {
    const res = await request.post(`${BASE}/api/v1/handoff`, {
      headers: { 'CF-Connecting-IP': ip },
      data: { conversation_id: conversation, email: 'visitor@example.com', note },
    });
    return { status: res.status(), code: (await res.json()).error?.code, retry: res.headers()['retry-after'] };
  };
  const conv = (await chat(request, ip, 'I was charged twice'))!.conversation!;
  const got = [];
  for (let i = 0; i < LIMITS.LIMIT_TICKETS_VISITOR; i++) got.push((await handoff(conv, `ticket ${i}`)).status);
  const visitor = await handoff(conv, 'one ticket too many');
  console.log(
    `tickets, one visitor: ${got.join(',')},${visitor.status} ${visitor.code}, Retry-After ${visitor.retry} s ` +
      `(limit ${LIMITS.LIMIT_TICKETS_VISITOR}/h)`,
  );
  expect(got.every((s) => s === 201)).toBe(true);
  expect(visitor.status).toBe(429);
  expect(visitor.code).toBe('rate_limited');
  expect(Number(visitor.retry)).toBeGreaterThan(60);
  expect(count(`SELECT COUNT(*) AS n FROM tickets WHERE note = 'one ticket too many'`)).toBe(0);
  // The address has room for LIMIT_TICKETS_IP: one more, from a new visitor.
  const other = await handoff(undefined, 'another visitor');
  const over = await handoff(undefined, 'a third visitor');
  console.log(`tickets, same address, new visitors: ${other.status},${over.status} (limit ${LIMITS.LIMIT_TICKETS_IP}/h)`);
  expect(other.status).toBe(201);
  expect(over.status).toBe(429);
  expect(count(`SELECT COUNT(*) AS n FROM tickets WHERE note = 'a third visitor'`)).toBe(0);
});

test('model tokens per day: usage is charged; once spent, the built-in engine answers without the model', async ({
  request,
}) => {
  const ip = freshIp();
  const perAnswer = 600;
  await request.post(`${LLM}/__mode`, { data: { mode: 'answer', usage: perAnswer } });
  const calls = async () => ((await (await request.get(`${LLM}/__requests`)).json()) as unknown[]).length;
  const start = await calls();
  const first = await chat(request, ip, 'How do I export my notes as PDF?');
  const conv = first.conversation!;
  const modelCalls = [(await calls()) - start];
  // 600 of 1,000; then 1,200: spent (charged after the fact).
  for (let i = 0; i < 2; i++) {
    const r = await chat(request, ip, 'How do I export my notes as PDF?', conv);
    expect(r.status).toBe(200);
    modelCalls.push((await calls()) - start);
  }
  const rows = d1<{ body: string; decision: string }>(
    `SELECT body, decision FROM messages WHERE conversation_id = '${conv}' AND role = 'bot' ORDER BY id`,
    LIMITS_STATE,
  );
  console.log(
    `tokens: ${perAnswer} reported per answer, limit ${LIMITS.LIMIT_TOKENS_VISITOR}/day; model calls after each turn: ` +
      `${modelCalls.join(',')}; replies: ${rows.map((r) => r.decision).join(',')}`,
  );
  await request.post(`${LLM}/__mode`, { data: { mode: 'answer' } });
  // Two turns written by the model; the third, over budget, never reached it.
  expect(modelCalls).toEqual([1, 2, 2]);
  expect(rows).toHaveLength(3);
  expect(rows[0].body).toContain('Export');
  // The built-in reply still helps: the engine's own answer or suggestions.
  expect(['answer', 'suggest']).toContain(rows[2].decision);
});

const launcher = (page: Page) => page.getByRole('button', { name: 'Open support chat' });
const panel = (page: Page) => page.getByRole('dialog', { name: 'Lumen Notes support' });
const composer = (page: Page) => panel(page).getByRole('textbox', { name: 'Your message' });
const KIND = "You're sending messages very quickly";

test('the widget explains a 429 kindly, keeps the message and sends it after Retry-After', async ({ page }) => {
  test.setTimeout(90_000);
  await page.setExtraHTTPHeaders({ 'CF-Connecting-IP': freshIp() });
  await page.goto(`${BASE}/`);
  await launcher(page).click();
  const lines = panel(page).locator('.fd-visitor');
  const bot = panel(page).locator('.fd-bot[data-decision]');
  // The first message and LIMIT_MESSAGES_VISITOR more fit; the next does not.
  const fit = LIMITS.LIMIT_MESSAGES_VISITOR + 1;
  for (let i = 0; i < fit; i++) {
    await composer(page).fill(`How do I export my notes as PDF? (${i})`);
    await composer(page).press('Enter');
    await expect(bot).toHaveCount(i + 1);
  }
  const last = 'And how do I import notes from Evernote?';
  await composer(page).fill(last);
  await composer(page).press('Enter');
  const refusedAt = Date.now();
  await expect(lines.nth(fit)).toContainText(KIND);
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('frontdesk:v1') || 'null'));
  expect(saved.outbox.map((m: { t: string }) => m.t)).toEqual([last]);
  // Sent again on its own once the wait is over, and answered.
  await expect(bot).toHaveCount(fit + 1, { timeout: 70_000 });
  const sentAfter = Date.now() - refusedAt;
  await expect(panel(page)).not.toContainText(KIND);
  console.log(
    `widget: message ${fit + 1} refused (429), shown "${KIND}…", sent by itself ${sentAfter} ms later ` +
      `(limit ${LIMITS.LIMIT_MESSAGES_VISITOR}/min)`,
  );
  expect(count(`SELECT COUNT(*) AS n FROM messages WHERE body = '${last}'`)).toBe(1);
});

test('the handoff form shows the kind message on a 429 and keeps what was typed', async ({ page, request }) => {
  const ip = freshIp();
  // Use up this address's tickets first, through the API.
  for (let i = 0; i < LIMITS.LIMIT_TICKETS_IP; i++) {
    const res = await request.post(`${BASE}/api/v1/handoff`, {
      headers: { 'CF-Connecting-IP': ip },
      data: { email: 'someone@example.com', note: `used up ${i}` },
    });
    expect(res.status()).toBe(201);
  }
  await page.setExtraHTTPHeaders({ 'CF-Connecting-IP': ip });
  await page.goto(`${BASE}/`);
  await launcher(page).click();
  await panel(page).locator('.fd-human-bar').getByRole('button', { name: 'Talk to a person' }).click();
  const email = panel(page).getByRole('textbox', { name: 'Email' });
  const note = panel(page).getByRole('textbox', { name: 'Anything to add? (optional)' });
  await email.fill('visitor@example.com');
  await note.fill('My invoice is wrong');
  await panel(page).getByRole('button', { name: 'Send to our team' }).click();
  await expect(panel(page).locator('.fd-error')).toContainText(KIND);
  await expect(email).toHaveValue('visitor@example.com');
  await expect(note).toHaveValue('My invoice is wrong');
  console.log(`handoff form after 429: "${await panel(page).locator('.fd-error').textContent()}", fields kept`);
  expect(count(`SELECT COUNT(*) AS n FROM tickets WHERE note = 'My invoice is wrong'`)).toBe(0);
});
