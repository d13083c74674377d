import http from 'node:http';
import { expect, test } from '@playwright/test';
import { d1 } from './d1';
import { ADMIN_TOKEN, LIMITS_PORT, LIMITS_STATE, LLM_PORT, PORT } from './playwright.config';

// The attacks of the security review (issue 15) that only a running worker
// shows, each as it was reproduced: a repeated idempotency key, handoff keys
// across sites, a conversation too long for a ticket row, an endless
// chunked body, hostile links in help content. Each test prints what it
// sent and what it got.

const MAIN = `http://127.0.0.1:${PORT}`;
const LIMITED = `http://127.0.0.1:${LIMITS_PORT}`;
const LLM = `http://127.0.0.1:${LLM_PORT}`;
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

test('a message repeated 20 times while the model writes its answer: one model call, one reply, repeats limited', async ({
  request,
}) => {
  test.setTimeout(90_000);
  // The model takes ~4 s (300 ms a word); the limits server allows 4
  // messages a minute per visitor and 8 per address.
  await request.post(`${LLM}/__mode`, { data: { mode: 'slow' } });
  const key = `key-${unique()}`;
  const ip = `10.250.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
  const message = `How do I export my notes as PDF? ${key}`;
  const send = () =>
    request.post(`${LIMITED}/api/v1/chat`, {
      headers: { 'CF-Connecting-IP': ip, Origin: 'http://localhost:5173' },
      data: { message, idempotency_key: key },
      timeout: 60_000,
    });
  try {
    const first = send();
    await sleep(1500);
    const repeats = await Promise.all(Array.from({ length: 20 }, send));
    const original = await first;
    expect(original.status()).toBe(200);
    const answer = await original.json();
    const statuses = repeats.map((r) => r.status());
    const calls = ((await (await request.get(`${LLM}/__requests`)).json()) as unknown[]).filter((r) =>
      JSON.stringify(r).includes(key),
    ).length;
    const [{ visitor, bot }] = d1<{ visitor: number; bot: number }>(
      `SELECT SUM(role = 'visitor') AS visitor, SUM(role = 'bot') AS bot FROM messages WHERE conversation_id = '${answer.conversation_id}'`,
      LIMITS_STATE,
    );
    console.log(`repeats: ${JSON.stringify(statuses)}; model calls ${calls}; stored: ${visitor} visitor, ${bot} bot`);
    expect(calls, 'the model is asked once').toBe(1);
    expect([visitor, bot]).toEqual([1, 1]);
    expect(statuses.filter((s) => s === 429).length, 'repeats count toward the limits').toBeGreaterThan(0);
    expect(statuses.every((s) => [200, 409, 429].includes(s)), String(statuses)).toBe(true);
    for (const r of repeats) {
      const body = await r.json();
      if (r.status() === 200) expect(body.message_id).toBe(answer.message_id);
      if (r.status() === 409) {
        expect(body.error.code).toBe('message_in_progress');
        expect(Number(r.headers()['retry-after'])).toBeGreaterThan(0);
      }
      if (r.status() === 429) expect(body.error.code).toBe('rate_limited');
    }
  } finally {
    await request.post(`${LLM}/__mode`, { data: { mode: 'answer' } });
  }
});

test("a handoff key is scoped to its site and conversation: another site's or conversation's use changes nothing", async ({
  request,
}) => {
  const key = `handoff-${unique()}`;
  const handoff = (site: string, data: Record<string, unknown>) =>
    request.post(`${MAIN}/api/v1/handoff`, {
      headers: { 'X-Frontdesk-Site': site },
      data: { email: 'ana@example.com', idempotency_key: key, ...data },
    });
  const first = await handoff('demo', { note: 'Please call me' });
  expect(first.status()).toBe(201);
  const ticket = await first.json();
  const counts = () =>
    d1<{ conversations: number; tickets: number }>(
      "SELECT (SELECT COUNT(*) FROM conversations WHERE site = 'shop') AS conversations, (SELECT COUNT(*) FROM tickets) AS tickets",
    )[0];
  const before = counts();

  const otherSite = await handoff('shop', { email: 'mallory@example.com' });
  const otherConversation = await request.post(`${MAIN}/api/v1/chat`, { data: { message: 'Hello there' } });
  const elsewhere = await handoff('demo', { conversation_id: (await otherConversation.json()).conversation_id });
  const after = counts();
  console.log(`shop with demo's key: ${otherSite.status()}; another demo conversation: ${elsewhere.status()}`);
  for (const r of [otherSite, elsewhere]) {
    expect(r.status()).toBe(409);
    const body = await r.json();
    expect(body.error.code).toBe('idempotency_key_reused');
    expect(JSON.stringify(body)).not.toContain(ticket.reference);
    expect(JSON.stringify(body)).not.toContain('ana@example.com');
  }
  expect(after).toEqual(before);

  // The same request again (a retry after a lost answer) gets its ticket.
  const again = await handoff('demo', { note: 'Please call me' });
  expect(again.status()).toBe(200);
  expect(await again.json()).toEqual(ticket);
  const sameConversation = await handoff('demo', { conversation_id: ticket.conversation_id });
  expect(sameConversation.status()).toBe(200);
  expect(counts()).toEqual(before);
});

test('a 2,000-message conversation still reaches a person: the ticket carries the recent 100, once', async ({
  request,
}) => {
  test.setTimeout(60_000);
  const start = await request.post(`${MAIN}/api/v1/chat`, { data: { message: 'My sync stopped working' } });
  const conversation = (await start.json()).conversation_id;
  // 2,000 more long messages (2,002 in all), straight into D1 (the limits would take an
  // hour through the API). Each is 2,000 characters, quotes and accents.
  d1(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) ` +
      `INSERT INTO messages (conversation_id, role, body, created_at) ` +
      `SELECT '${conversation}', CASE i % 2 WHEN 0 THEN 'visitor' ELSE 'bot' END, ` +
      `printf('%05d ', i) || substr(replace(hex(zeroblob(1000)), '00', 'é"'), 1, 1994), 1700000000000 + i FROM n`,
  );
  const res = await request.post(`${MAIN}/api/v1/handoff`, {
    data: { conversation_id: conversation, email: 'long@example.com' },
  });
  expect(res.status()).toBe(201);
  const { reference } = await res.json();
  const [row] = d1<{ messages: number; omitted: number; first: string; bytes: number }>(
    `SELECT json_array_length(document, '$.transcript') AS messages, ` +
      `json_extract(document, '$.transcript_omitted') AS omitted, ` +
      `json_extract(document, '$.transcript[0].text') AS first, length(CAST(document AS BLOB)) AS bytes ` +
      `FROM tickets WHERE reference = '${reference}'`,
  );
  console.log(`2,002 messages → ticket with ${row.messages}, ${row.omitted} left out, document ${row.bytes} bytes`);
  expect(row.messages).toBe(100);
  expect(row.omitted).toBe(1902);
  expect(row.first.startsWith('01901 ')).toBe(true);
  expect(row.bytes).toBeLessThan(1_000_000);
  const columns = d1<{ name: string }>('SELECT name FROM pragma_table_info(\'tickets\')').map((c) => c.name);
  expect(columns, 'the transcript is stored once, in the document').not.toContain('transcript');
});

/** POSTs a chunked JSON body of `total` bytes (64 KiB chunks) to the chat
 * endpoint; resolves with how the request ended and how much was sent then. */
function chunked(total: number): Promise<{ ended: string; sent: number }> {
  return new Promise((resolve) => {
    let sent = 0;
    let done = false;
    const finish = (ended: string) => {
      if (done) return;
      done = true;
      resolve({ ended, sent });
      req.destroy();
    };
    const req = http.request(`${MAIN}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    });
    req.on('response', (res) => {
      const at = sent;
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        sent = at;
        const code = /"code":"([a-z_]+)"/.exec(text)?.[1];
        finish(`${res.statusCode} ${code ?? text.slice(0, 60)}`);
      });
    });
    req.on('error', (e) => finish(`reset (${(e as NodeJS.ErrnoException).code})`));
    setTimeout(() => finish('no answer in 30 s'), 30_000);
    req.write('{"message": "');
    const chunk = 'x'.repeat(64 * 1024);
    const pump = () => {
      if (done) return;
      if (sent >= total) {
        req.end();
        return;
      }
      sent += chunk.length;
      if (req.write(chunk)) setTimeout(pump, 1);
      else req.once('drain', pump);
    };
    pump();
  });
}

test('a chunked body over the limit gets 413; an endless one is cut off, not read on', async ({ request }) => {
  test.setTimeout(90_000);
  // A chunked body (no Content-Length) that ends: refused at the limit.
  const finite = await chunked(1024 * 1024);
  // One of 256 MiB, which a worker reading the whole body first would take
  // in before answering: the worker stops reading at 16 KiB, and the
  // request ends (wrangler dev's proxy answers or resets the connection
  // once the worker no longer reads) long before it is all sent.
  const endless = await chunked(256 * 1024 * 1024);
  console.log(`1 MiB chunked: ${finite.ended}; 256 MiB chunked: ${endless.ended} after ${endless.sent} bytes sent`);
  expect(finite.ended).toBe('413 payload_too_large');
  expect(endless.ended).not.toBe('no answer in 30 s');
  expect(endless.sent).toBeLessThan(64 * 1024 * 1024);
  // And the worker is fine.
  expect((await request.get(`${MAIN}/healthz`)).status()).toBe(200);
});

test('help pages: hostile link targets in an article are dropped, a strict CSP, the default site', async ({
  request,
}) => {
  const slug = `hostile-${unique()}`;
  const source = [
    '---',
    'title: Hostile links',
    `url: /help/${slug}`,
    'lang: en',
    '---',
    '[one](javascript:alert(1)) <javascript:alert(2)> [three][r] ![four](data:text/html,x) [five](JAVA%0Ascript:x)',
    '',
    '[r]: javascript:alert(3)',
    '',
    '[fine](https://example.com/) [also fine](/help/reset-password)',
    '',
  ].join('\n');
  const put = await request.put(`${MAIN}/api/v1/admin/content`, {
    headers: ADMIN,
    data: JSON.stringify({ articles: [{ slug, source }] }),
  });
  expect(put.status()).toBe(200);
  try {
    const page = await request.get(`${MAIN}/help/${slug}`);
    expect(page.status()).toBe(200);
    const html = await page.text();
    const targets = [...html.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]);
    console.log(`targets left: ${JSON.stringify(targets)}`);
    for (const t of targets) expect(t).toMatch(/^(https?:|\/|#|\?|mailto:)/);
    expect(targets).toContain('https://example.com/');
    const csp = page.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers()['x-content-type-options']).toBe('nosniff');
    // The widget on it is the default site's, titled with its name.
    expect(html).toContain('data-site="demo"');
    expect(html).toContain('data-title="Frontdesk demo"');
  } finally {
    await request.delete(`${MAIN}/api/v1/admin/content/${slug}`, { headers: ADMIN });
  }
});
