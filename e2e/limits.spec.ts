import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { d1 } from './d1';
import { AGENT_TOKEN, LIMITS, LIMITS_PORT, LIMITS_STATE, LLM_PORT, PORT } from './playwright.config';

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

type Chat = { status: number; retryAfter: number | null; code?: string; conversation?: string; message?: number };

/** One chat turn (JSON, not streamed) from `ip`. */
async function chat(
  request: APIRequestContext,
  ip: string,
  message: string,
  conversation?: string,
  base = BASE,
): Promise<Chat> {
  const res = await request.post(`${base}/api/v1/chat`, {
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
    message: body.message_id,
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

// Reads, long polls and ratings (issue 15, finding 4), and who the site's
// bucket refuses and how addresses are counted (finding 9).

type Got = { status: number; retryAfter: number | null; code?: string; ms: number };

/** One request from `ip`, as a page on the demo's origin sends it. */
async function send(request: APIRequestContext, method: string, url: string, ip: string, data?: unknown): Promise<Got> {
  const started = Date.now();
  const res = await request.fetch(url, {
    method,
    headers: { 'CF-Connecting-IP': ip, Origin: 'http://localhost:5173' },
    data,
  });
  const body = await res.json().catch(() => ({}));
  const retry = res.headers()['retry-after'];
  return {
    status: res.status(),
    retryAfter: retry === undefined ? null : Number(retry),
    code: body.error?.code,
    ms: Date.now() - started,
  };
}

const tally = (got: Got[]) => {
  const by: Record<number, number> = {};
  for (const g of got) by[g.status] = (by[g.status] || 0) + 1;
  return Object.entries(by)
    .map(([s, n]) => `${n}×${s}`)
    .join(' ');
};

test('reads per visitor: reading, polling and deleting a conversation count; over the limit 429, and a refused delete deletes nothing', async ({
  request,
}) => {
  const ip = freshIp();
  const conv = (await chat(request, ip, 'How do I export my notes as PDF?')).conversation!;
  const url = `${BASE}/api/v1/conversations/${conv}`;
  const got: Got[] = [];
  for (let i = 0; i < LIMITS.LIMIT_READS_VISITOR; i++) {
    got.push(await send(request, 'GET', i % 2 ? `${url}/replies?after=0` : url, ip));
  }
  const refused = await send(request, 'DELETE', url, ip);
  const read = await send(request, 'GET', url, ip);
  console.log(
    `reads: ${got.length} reads and polls ${tally(got)}, then DELETE ${refused.status} ${refused.code} ` +
      `Retry-After ${refused.retryAfter} s, GET ${read.status} (limit ${LIMITS.LIMIT_READS_VISITOR}/min)`,
  );
  expect(got.every((g) => g.status === 200)).toBe(true);
  expect(refused.status).toBe(429);
  expect(refused.code).toBe('rate_limited');
  expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
  expect(refused.retryAfter).toBeLessThanOrEqual(60 / LIMITS.LIMIT_READS_VISITOR);
  expect(read.status).toBe(429);
  // The refused delete changed nothing.
  expect(count(`SELECT COUNT(*) AS n FROM conversations WHERE id = '${conv}'`)).toBe(1);
  expect(count(`SELECT COUNT(*) AS n FROM messages WHERE conversation_id = '${conv}'`)).toBe(2);
  // Another visitor at the same address reads on: the address has room.
  const other = (await chat(request, ip, 'How do I reset my password?')).conversation!;
  expect((await send(request, 'GET', `${BASE}/api/v1/conversations/${other}`, ip)).status).toBe(200);
});

test('long polls are charged their seconds: over the budget a poll is refused at once; a reply gives back what it cut short', async ({
  request,
}) => {
  test.setTimeout(60_000);
  const ip = freshIp();
  const conv = (await chat(request, ip, 'My invoice is wrong')).conversation!;
  const url = `${BASE}/api/v1/conversations/${conv}/replies?after=0`;
  // LIMIT_POLLS_VISITOR seconds a minute: that many 5 s polls at once fit
  // (fewer than the reads allow), the rest are refused without being held.
  const fit = LIMITS.LIMIT_POLLS_VISITOR / 5;
  const polls = await Promise.all(Array.from({ length: fit + 2 }, () => send(request, 'GET', `${url}&wait=5`, ip)));
  const held = polls.filter((p) => p.status === 200);
  const refused = polls.filter((p) => p.status === 429);
  console.log(
    `polls: ${polls.length} polls of 5 s at once: ${tally(polls)}; held ${held.map((p) => p.ms).join(',')} ms, ` +
      `refused after ${refused.map((p) => p.ms).join(',')} ms, Retry-After ${refused[0]?.retryAfter} s ` +
      `(limit ${LIMITS.LIMIT_POLLS_VISITOR} poll-seconds/min, ${LIMITS.LIMIT_READS_VISITOR} reads/min)`,
  );
  expect(held).toHaveLength(fit);
  expect(refused).toHaveLength(2);
  expect(refused[0].code).toBe('rate_limited');
  expect(held.every((p) => p.ms >= 4_500)).toBe(true);
  expect(refused.every((p) => p.ms < 3_000)).toBe(true);
  // A poll an agent reply ends early gives back the seconds it did not
  // hold: after a whole-budget poll answered within ~1 s, a 15 s poll fits
  // at once (without the refund it would wait ~45 s for the budget).
  const ip2 = freshIp();
  const c = await chat(request, ip2, 'My invoice is wrong');
  const ticket = await request.post(`${BASE}/api/v1/handoff`, {
    headers: { 'CF-Connecting-IP': ip2 },
    data: { conversation_id: c.conversation, email: 'visitor@example.com' },
  });
  expect(ticket.status()).toBe(201);
  const { reference } = await ticket.json();
  const agent = async (text: string) => {
    await new Promise((r) => setTimeout(r, 1000));
    const res = await request.post(`${BASE}/api/v1/agent/tickets/${reference}/reply`, {
      headers: { authorization: `Bearer ${AGENT_TOKEN}` },
      data: { text },
    });
    expect(res.status()).toBe(201);
  };
  const poll = async (after: number, wait: number) => {
    const started = Date.now();
    const res = await request.get(`${BASE}/api/v1/conversations/${c.conversation}/replies?after=${after}&wait=${wait}`, {
      headers: { 'CF-Connecting-IP': ip2 },
    });
    const body = await res.json();
    return { status: res.status(), ms: Date.now() - started, last: body.messages?.at(-1)?.id ?? after };
  };
  const [first] = await Promise.all([poll(0, LIMITS.LIMIT_POLLS_VISITOR), agent('First reply')]);
  const [next] = await Promise.all([poll(first.last, LIMITS.LIMIT_POLLS_VISITOR - 5), agent('Second reply')]);
  console.log(
    `polls: a ${LIMITS.LIMIT_POLLS_VISITOR} s poll answered by a reply after ${first.ms} ms; ` +
      `the next, of ${LIMITS.LIMIT_POLLS_VISITOR - 5} s: ${next.status} after ${next.ms} ms`,
  );
  expect(first.status).toBe(200);
  expect(first.ms).toBeLessThan(5_000);
  expect(next.status).toBe(200);
  expect(next.last).toBeGreaterThan(first.last);
});

test('ratings per visitor: over the limit 429, and the stored rating stays', async ({ request }) => {
  const ip = freshIp();
  const c = await chat(request, ip, 'How do I export my notes as PDF?');
  const rate = (rating: string) =>
    send(request, 'POST', `${BASE}/api/v1/feedback`, ip, {
      conversation_id: c.conversation,
      message_id: c.message,
      rating,
    });
  const got: Got[] = [];
  const flip = (i: number) => (i % 2 ? 'down' : 'up');
  for (let i = 0; i < LIMITS.LIMIT_FEEDBACK_VISITOR; i++) got.push(await rate(flip(i)));
  const kept = flip(LIMITS.LIMIT_FEEDBACK_VISITOR - 1);
  const refused = await rate(flip(LIMITS.LIMIT_FEEDBACK_VISITOR));
  console.log(
    `ratings: ${tally(got)}, then ${refused.status} ${refused.code}, Retry-After ${refused.retryAfter} s ` +
      `(limit ${LIMITS.LIMIT_FEEDBACK_VISITOR}/min)`,
  );
  expect(got.every((g) => g.status === 200)).toBe(true);
  expect(refused.status).toBe(429);
  expect(refused.code).toBe('rate_limited');
  const rows = d1<{ rating: string }>(`SELECT rating FROM feedback WHERE message_id = ${c.message}`, LIMITS_STATE);
  expect(rows).toEqual([{ rating: kept }]);
});

test("a site over its limit refuses new conversations, not one with a history (the site's reserve)", async ({
  request,
}) => {
  test.setTimeout(90_000);
  const feedback = `${BASE}/api/v1/feedback`;
  const rating = (c: Chat) => ({ conversation_id: c.conversation, message_id: c.message, rating: 'up' });
  // A conversation that started over two minutes ago (moved back in D1).
  const oldIp = freshIp();
  const old = await chat(request, oldIp, 'How do I export my notes as PDF?');
  d1(`UPDATE conversations SET created_at = created_at - 180000 WHERE id = '${old.conversation}'`, LIMITS_STATE);
  // New conversations, each from its own address, rate until the site says
  // no: each stays within its own and its address's limits.
  const fresh: Array<Chat & { ip: string }> = [];
  for (let i = 0; i < 5; i++) {
    const ip = freshIp();
    fresh.push({ ip, ...(await chat(request, ip, 'How do I export my notes as PDF?')) });
  }
  const tried: Got[] = [];
  let refused: Got | undefined;
  let i = 0;
  for (; i < 4 * fresh.length && !refused; i++) {
    const f = fresh[i % fresh.length];
    const r = await send(request, 'POST', feedback, f.ip, rating(f));
    tried.push(r);
    if (r.status === 429) refused = r;
  }
  const established = await send(request, 'POST', feedback, oldIp, rating(old));
  const f = fresh[i % fresh.length];
  const again = await send(request, 'POST', feedback, f.ip, rating(f));
  console.log(
    `site reserve: ratings from ${fresh.length} new conversations at ${fresh.length} addresses: ${tally(tried)} ` +
      `(site limit ${LIMITS.LIMIT_FEEDBACK_SITE}/min; each conversation ≤ 4 of ${LIMITS.LIMIT_FEEDBACK_VISITOR}, ` +
      `each address ≤ 4 of ${LIMITS.LIMIT_FEEDBACK_IP}); then a conversation started 3 min ago: ${established.status}; ` +
      `a new one again: ${again.status}, Retry-After ${again.retryAfter} s`,
  );
  expect(refused?.code).toBe('rate_limited');
  expect(tried.filter((t) => t.status === 200).length).toBeLessThanOrEqual(LIMITS.LIMIT_FEEDBACK_SITE);
  expect(established.status).toBe(200);
  expect(again.status).toBe(429);
  expect(d1(`SELECT rating FROM feedback WHERE message_id = ${old.message}`, LIMITS_STATE)).toEqual([{ rating: 'up' }]);
});

test('IPv6 addresses count by their /64, so rotating within it does not help; IPv4-mapped ones as their IPv4', async ({
  request,
}) => {
  const n = Math.floor(Date.now() / 1000) % 65_536;
  const net = `2001:db8:${n.toString(16)}:${(nextIp++ & 0xffff).toString(16)}`;
  // The same /64, spelled as clients and proxies do: compressed, full with
  // leading zeros, upper case.
  const spell = (i: number) =>
    [
      `${net}::${(i + 1).toString(16)}`,
      `${net}:0000:0000:${(i * 7919).toString(16).padStart(4, '0')}:0001`,
      `${net.toUpperCase()}:A:B:C:${i.toString(16).toUpperCase()}`,
    ][i % 3];
  const v6: number[] = [];
  for (let i = 0; i <= LIMITS.LIMIT_MESSAGES_IP; i++) {
    v6.push((await chat(request, spell(i), `From ${spell(i)}: how do I export my notes?`)).status);
  }
  const neighbour = await chat(request, `2001:db8:${n.toString(16)}:ffff::1`, 'How do I export my notes?');
  const v4 = freshIp();
  const mapped: number[] = [];
  for (let i = 0; i <= LIMITS.LIMIT_MESSAGES_IP; i++) {
    mapped.push((await chat(request, i % 2 ? `::ffff:${v4}` : v4, `From ${v4}: how do I export my notes?`)).status);
  }
  console.log(
    `IPv6: ${v6.length} new visitors from ${v6.length} addresses of ${net}::/64: ${v6.join(',')} ` +
      `(limit ${LIMITS.LIMIT_MESSAGES_IP}/min per address); another /64: ${neighbour.status}; ` +
      `${v4} and ::ffff:${v4} in turn: ${mapped.join(',')}`,
  );
  expect(v6.slice(0, LIMITS.LIMIT_MESSAGES_IP).every((s) => s === 200)).toBe(true);
  expect(v6[LIMITS.LIMIT_MESSAGES_IP]).toBe(429);
  expect(neighbour.status).toBe(200);
  expect(mapped.slice(0, LIMITS.LIMIT_MESSAGES_IP).every((s) => s === 200)).toBe(true);
  expect(mapped[LIMITS.LIMIT_MESSAGES_IP]).toBe(429);
});

test('the widget waits out a 429 on reading its conversation and on polling, and shows both', async ({
  page,
  request,
}) => {
  test.setTimeout(120_000);
  const ip = freshIp();
  const question = 'My invoice is wrong and I was charged twice';
  const c = await chat(request, ip, question);
  const ticket = await request.post(`${BASE}/api/v1/handoff`, {
    headers: { 'CF-Connecting-IP': ip },
    data: { conversation_id: c.conversation, email: 'visitor@example.com' },
  });
  expect(ticket.status()).toBe(201);
  const { reference } = await ticket.json();
  // The conversation's reads are used up (as by another tab) before the
  // widget on a new page reads it back.
  for (let i = 0; i < LIMITS.LIMIT_READS_VISITOR; i++) {
    expect((await send(request, 'GET', `${BASE}/api/v1/conversations/${c.conversation}`, ip)).status).toBe(200);
  }
  type Seen = { kind: string; sent: number; status?: number; retryAfter?: number; at?: number };
  const seen: Seen[] = [];
  const kindOf = (url: string) => (/\/replies\?.*wait=/.test(url) ? 'poll' : /\/replies/.test(url) ? 'unread' : 'read');
  const byRequest = new Map<object, Seen>();
  page.on('request', (r) => {
    if (!r.url().includes('/api/v1/conversations/')) return;
    const s: Seen = { kind: kindOf(r.url()), sent: Date.now() };
    seen.push(s);
    byRequest.set(r, s);
  });
  page.on('response', (r) => {
    const s = byRequest.get(r.request());
    if (!s) return;
    s.status = r.status();
    s.at = Date.now();
    const retry = r.headers()['retry-after'];
    if (retry) s.retryAfter = Number(retry);
  });
  await page.setExtraHTTPHeaders({ 'CF-Connecting-IP': ip });
  const state = JSON.stringify({ conversation: c.conversation, seen: 0, ticket: true, outbox: [] });
  await page.addInitScript((s) => localStorage.setItem('frontdesk:v1', s), state);
  const start = Date.now();
  await page.goto(`${BASE}/`);
  await launcher(page).click();
  // Read back once the worker allows it.
  await expect(panel(page).locator('.fd-visitor')).toHaveText([question], { timeout: 45_000 });
  const restored = Date.now() - start;
  // Then the widget polls for replies; the agent's reaches it.
  expect(
    (
      await request.post(`${BASE}/api/v1/agent/tickets/${reference}/reply`, {
        headers: { authorization: `Bearer ${AGENT_TOKEN}` },
        data: { text: 'We refunded the second charge.' },
      })
    ).status(),
  ).toBe(201);
  await expect(panel(page).locator('.fd-agent')).toContainText('We refunded the second charge.', { timeout: 45_000 });
  const replied = Date.now() - start;
  const line = seen
    .map((s) => `${s.kind}@${s.sent - start}ms→${s.status ?? '…'}${s.retryAfter ? `(Retry-After ${s.retryAfter})` : ''}`)
    .join(' ');
  console.log(`widget after a 429: restored at ${restored} ms, agent reply shown at ${replied} ms; ${line}`);
  // Each 429 was waited out: the widget's next request of that kind came
  // no sooner than its Retry-After (no spinning), and it did come (unless
  // the wait is not over yet: the poll after the reply).
  const end = Date.now();
  const refused = seen.filter((s) => s.status === 429 && s.kind !== 'unread');
  expect(refused.map((r) => r.kind)).toEqual(expect.arrayContaining(['read', 'poll']));
  for (const r of refused) {
    const next = seen.find((s) => s.kind === r.kind && s.sent > r.at!);
    if (next) expect(next.sent - r.at!, `${r.kind} after its 429`).toBeGreaterThanOrEqual(r.retryAfter! * 1000 - 250);
    else expect(end - r.at!, `${r.kind} never sent again`).toBeLessThan(r.retryAfter! * 1000 + 2000);
  }
  expect(seen.filter((s) => s.kind !== 'unread').length).toBeLessThanOrEqual(8);
});

test('the attack of finding 4 against the default limits (the main server): one visitor, 150 ratings, 150 reads, 60 polls of 5 s at once', async ({
  request,
}) => {
  test.setTimeout(90_000);
  // The main server keeps the default per-visitor limits (it raises only
  // the per-address ones: every test client there is 127.0.0.1).
  const MAIN = `http://127.0.0.1:${PORT}`;
  const ip = '127.0.0.1';
  const at = Date.now();
  const a = await chat(request, ip, 'How do I export my notes as PDF?', undefined, MAIN);
  const b = await chat(request, ip, 'How do I reset my password?', undefined, MAIN);
  const c = await chat(request, ip, 'How do I share a notebook?', undefined, MAIN);
  const all = (n: number, f: (i: number) => Promise<Got>) => Promise.all(Array.from({ length: n }, (_, i) => f(i)));
  let t = Date.now();
  const ratings = await all(150, (i) =>
    send(request, 'POST', `${MAIN}/api/v1/feedback`, ip, {
      conversation_id: a.conversation,
      message_id: a.message,
      rating: i % 2 ? 'down' : 'up',
    }),
  );
  const ratingSecs = (Date.now() - t) / 1000;
  t = Date.now();
  const reads = await all(150, () => send(request, 'GET', `${MAIN}/api/v1/conversations/${b.conversation}`, ip));
  const readSecs = (Date.now() - t) / 1000;
  t = Date.now();
  const polls = await all(60, () =>
    send(request, 'GET', `${MAIN}/api/v1/conversations/${c.conversation}/replies?after=0&wait=5`, ip),
  );
  const pollSecs = (Date.now() - t) / 1000;
  console.log(
    `defaults: 150 ratings of one answer in ${ratingSecs} s: ${tally(ratings)}; 150 reads of one conversation ` +
      `in ${readSecs} s: ${tally(reads)}; 60 polls of 5 s at once: ${tally(polls)} (${pollSecs} s); ` +
      `${(Date.now() - at) / 1000} s in all`,
  );
  const ok = (g: Got[]) => g.filter((x) => x.status === 200).length;
  // The default bucket, plus what refilled while the requests ran.
  expect(ok(ratings)).toBeGreaterThanOrEqual(30);
  expect(ok(ratings)).toBeLessThanOrEqual(30 + Math.ceil(ratingSecs * 0.5));
  expect(ok(reads)).toBeGreaterThanOrEqual(60);
  expect(ok(reads)).toBeLessThanOrEqual(60 + Math.ceil(readSecs));
  expect(ok(polls)).toBeGreaterThanOrEqual(36);
  expect(ok(polls)).toBeLessThanOrEqual(36 + Math.ceil((pollSecs * 3) / 5));
  expect([...ratings, ...reads, ...polls].every((g) => g.status === 200 || g.code === 'rate_limited')).toBe(true);
});
