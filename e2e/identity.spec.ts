import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { SignJWT, UnsecuredJWT } from 'jose';
import { d1 } from './d1';
import { AGENT_TOKEN, EMAIL_API_KEY, EMAIL_INBOUND_SECRET, IDENTITY_SECRET, LIMITS_PORT, LIMITS_STATE, LOG } from './playwright.config';

// Identity: `Frontdesk('identify', …)` with an HS256 JWT or a user hash from
// the site's backend. Tokens are minted here, at test time, by an
// independent JWT library (jose) and hashes by Node's crypto, with the
// secret the main server has as IDENTITY_SECRET: a user hash is the HMAC of
// 'frontdesk:user_hash:v1:' + the user id, or of 'frontdesk:email_hash:v1:'
// + the email, as the README tells sites to compute it (never the bare
// value: that is a token signature, issue 15). Each check prints what it
// tried and what happened.

// Reading D1 through wrangler takes a second a query; these tests make many.
test.describe.configure({ timeout: 120_000 });

const key = (s: string) => new TextEncoder().encode(s);
const nowS = () => Math.floor(Date.now() / 1000);
const jwt = (claims: Record<string, unknown>, { secret = IDENTITY_SECRET, exp = nowS() + 600, alg = 'HS256' } = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).setIssuedAt().setExpirationTime(exp).sign(key(secret));
const hmac = (value: string, secret: string) => createHmac('sha256', secret).update(value).digest('hex');
const idHash = (userId: string, secret = IDENTITY_SECRET) => hmac(`frontdesk:user_hash:v1:${userId}`, secret);
const emailHash = (email: string, secret = IDENTITY_SECRET) => hmac(`frontdesk:email_hash:v1:${email}`, secret);
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

// Every response body and header the tests saw, for the last test's check
// that no secret ever reaches one.
const seen: string[] = [];

async function post(request: APIRequestContext, url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request.post(url, { data: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.text();
  seen.push(JSON.stringify(res.headers()), text);
  return { status: res.status(), body: text ? JSON.parse(text) : null };
}

const count = (table: string, state?: string) => d1<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`, state)[0].n;
const counts = (state?: string) => ['conversations', 'messages', 'tickets', 'deliveries'].map((t) => `${t}=${count(t, state)}`).join(' ');
const requester = (reference: string) =>
  JSON.parse(d1<{ document: string }>(`SELECT document FROM tickets WHERE reference = '${reference}'`)[0].document).requester;

test('a token minted by jose makes the ticket requester verified, with the claims', async ({ request }) => {
  const token = await jwt({ sub: 'user-42', email: 'kim.verified@example.com', name: 'Kim Lee' });
  const chat = await post(request, '/api/v1/chat', { message: 'How do I export my notes?', identity: { token } });
  console.log(`chat with a jose HS256 token (sub user-42, exp in 10 min) -> ${chat.status}`);
  expect(chat.status).toBe(200);
  // No email typed: the token's email is where the reply goes.
  const handoff = await post(request, '/api/v1/handoff', { conversation_id: chat.body.conversation_id, identity: { token } });
  console.log(`handoff with the token and no email -> ${handoff.status} ${JSON.stringify(handoff.body)}`);
  expect(handoff.status).toBe(201);
  expect(handoff.body.email).toBe('kim.verified@example.com');
  const r = requester(handoff.body.reference);
  console.log(`  ticket ${handoff.body.reference} requester in D1: ${JSON.stringify(r)}`);
  expect(r).toEqual({ email: 'kim.verified@example.com', verified: true, id: 'user-42', name: 'Kim Lee' });

  // A different typed email does not win over the verified one.
  const other = await post(request, '/api/v1/handoff', { email: 'mallory@example.com', identity: { token } });
  const r2 = requester(other.body.reference);
  console.log(`handoff with the token and a different typed email -> ${other.status}, requester ${JSON.stringify(r2)}`);
  expect(r2).toEqual({ email: 'kim.verified@example.com', verified: true, id: 'user-42', name: 'Kim Lee' });
  expect(d1(`SELECT email FROM tickets WHERE reference = '${other.body.reference}'`)).toEqual([{ email: 'kim.verified@example.com' }]);

  // A token without an email claim: the typed email, not verified; the id is.
  const idOnly = await post(request, '/api/v1/handoff', { email: 'typed@example.com', identity: { token: await jwt({ sub: 'user-7' }) } });
  const r3 = requester(idOnly.body.reference);
  console.log(`handoff with a token without email + typed email -> ${idOnly.status}, requester ${JSON.stringify(r3)}`);
  expect(r3).toEqual({ email: 'typed@example.com', verified: false, id: 'user-7' });

  // The agent sees it.
  const agent = await request.get(`/api/v1/agent/tickets/${handoff.body.reference}`, { headers: { authorization: `Bearer ${AGENT_TOKEN}` } });
  seen.push(await agent.text());
  expect((await agent.json()).ticket.requester.verified).toBe(true);
});

test('user hashes from node crypto: by user id, by email; a plain email stays unverified', async ({ request }) => {
  const byId = await post(request, '/api/v1/handoff', {
    email: 'sam@example.com',
    identity: { user_id: 'user-99', user_hash: idHash('user-99'), name: 'Sam' },
  });
  const r1 = requester(byId.body.reference);
  console.log(`handoff with user_id user-99 + its HMAC hash -> ${byId.status}, requester ${JSON.stringify(r1)}`);
  expect(byId.status).toBe(201);
  expect(r1).toEqual({ email: 'sam@example.com', verified: false, id: 'user-99', name: 'Sam' });

  const byEmail = await post(request, '/api/v1/handoff', { identity: { email: 'sam@example.com', user_hash: emailHash('sam@example.com') } });
  const r2 = requester(byEmail.body.reference);
  console.log(`handoff with email + its HMAC hash -> ${byEmail.status}, requester ${JSON.stringify(r2)}`);
  expect(r2).toEqual({ email: 'sam@example.com', verified: true });

  const plain = await post(request, '/api/v1/handoff', { email: 'anon@example.com' });
  const r3 = requester(plain.body.reference);
  console.log(`handoff with a plain email, no identity -> ${plain.status}, requester ${JSON.stringify(r3)}`);
  expect(r3).toEqual({ email: 'anon@example.com', verified: false });
});

test('forged, expired, alg none, wrong secret, tampered and mismatched identities get 401 and store nothing', async ({ request }) => {
  const good = await jwt({ sub: 'user-42', email: 'kim@example.com' });
  const [h, p, s] = good.split('.');
  const tamperedClaims = b64({ sub: 'admin', email: 'ceo@example.com', exp: nowS() + 600 });
  // Issue 15: an attacker signs up with a token's signing input as their
  // user id; the site's user hash for it, as bytes, is offered as that
  // token's signature.
  const chosen = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'user-1', email: 'ceo@example.com', exp: nowS() + 600 })}`;
  const replayed = `${chosen}.${Buffer.from(idHash(chosen), 'hex').toString('base64url')}`;
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['signature forged (last characters changed)', { token: `${h}.${p}.${s.slice(0, -4)}${s.endsWith('AAAA') ? 'BBBB' : 'AAAA'}` }, 'identity_invalid'],
    ['claims tampered, signature kept', { token: `${h}.${tamperedClaims}.${s}` }, 'identity_invalid'],
    ['expired an hour ago', { token: await jwt({ sub: 'user-42' }, { exp: nowS() - 3600 }) }, 'identity_expired'],
    ['alg none', { token: new UnsecuredJWT({ sub: 'user-42' }).setExpirationTime(nowS() + 600).encode() }, 'identity_invalid'],
    ['signed with another secret', { token: await jwt({ sub: 'user-42' }, { secret: 'not-the-site-secret-0123456789abcdef' }) }, 'identity_invalid'],
    ['alg HS512 with the right secret', { token: await jwt({ sub: 'user-42' }, { alg: 'HS512' }) }, 'identity_invalid'],
    ['user hash of another user', { user_id: 'user-43', user_hash: idHash('user-42') }, 'identity_invalid'],
    ['user hash with another secret', { user_id: 'user-42', user_hash: idHash('user-42', 'not-the-site-secret') }, 'identity_invalid'],
    ['old-style user hash (HMAC of the bare user id)', { user_id: 'user-42', user_hash: hmac('user-42', IDENTITY_SECRET) }, 'identity_invalid'],
    ['user hash of a chosen user id replayed as a token signature', { token: replayed }, 'identity_invalid'],
    ['user-id hash of an email-like id sent as an email hash', { email: 'ceo@example.com', user_hash: idHash('ceo@example.com') }, 'identity_invalid'],
    ['not a JWT', { token: 'definitely.not.a-jwt' }, 'identity_invalid'],
  ];
  const existing = await post(request, '/api/v1/chat', { message: 'hello' });
  expect(existing.status).toBe(200);
  const before = counts();
  for (const [what, identity, code] of cases) {
    for (const [path, body] of [
      ['/api/v1/chat', { message: 'I need help with billing', identity }],
      ['/api/v1/chat', { message: 'and more', conversation_id: existing.body.conversation_id, identity }],
      ['/api/v1/handoff', { email: 'kim@example.com', note: 'call me', identity }],
      ['/api/v1/handoff', { conversation_id: existing.body.conversation_id, email: 'kim@example.com', identity }],
    ] as const) {
      const res = await post(request, path, body);
      console.log(`${what} -> ${path}: ${res.status} ${res.body?.error?.code} (${res.body?.error?.message})`);
      expect(res.status, `${what} ${path}`).toBe(401);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.field).toBe('identity');
    }
  }
  const after = counts();
  console.log(`rows before: ${before}; after: ${after}`);
  expect(after).toBe(before);
});

test('an identity sent to a site without IDENTITY_SECRET is refused, never trusted', async ({ request }) => {
  const token = await jwt({ sub: 'user-42', email: 'kim@example.com' });
  // The low-limits server has no IDENTITY_SECRET (the identity check comes
  // before any limit is counted).
  const before = counts(LIMITS_STATE);
  for (const [path, body] of [
    ['/api/v1/chat', { message: 'hello', identity: { token } }],
    ['/api/v1/handoff', { identity: { token } }],
    ['/api/v1/handoff', { email: 'kim@example.com', identity: { user_id: 'user-42', user_hash: idHash('user-42') } }],
  ] as const) {
    const res = await post(request, `http://127.0.0.1:${LIMITS_PORT}${path}`, body);
    console.log(`server without IDENTITY_SECRET, ${path} with ${Object.keys(body.identity).join('+')} -> ${res.status} ${res.body.error?.code}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('identity_not_configured');
  }
  expect(counts(LIMITS_STATE)).toBe(before);
});

test('the agent API still needs AGENT_TOKEN: not an identity token, not the identity secret', async ({ request }) => {
  const token = await jwt({ sub: 'agent', email: 'agent@example.com' });
  for (const [what, headers] of [
    ['no authorization', {}],
    ['a valid identity token', { authorization: `Bearer ${token}` }],
    ['the identity secret', { authorization: `Bearer ${IDENTITY_SECRET}` }],
    ['the agent token', { authorization: `Bearer ${AGENT_TOKEN}` }],
  ] as const) {
    const res = await request.get('/api/v1/agent/tickets', { headers });
    const text = await res.text();
    seen.push(text);
    console.log(`GET /api/v1/agent/tickets with ${what} -> ${res.status()}`);
    expect(res.status()).toBe(what === 'the agent token' ? 200 : 401);
    if (res.status() === 401) expect(JSON.parse(text).error.code).toBe('unauthorized');
  }
});

async function host(page: Page, path: string, script: string) {
  page.on('response', async (r) => {
    if (r.url().includes('/api/')) seen.push(JSON.stringify(await r.allHeaders()), await r.text().catch(() => ''));
  });
  await page.route(`**${path}`, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html><head><title>Account</title><script>
        window.events = [];
        window.Frontdesk = window.Frontdesk || function () { (Frontdesk.q = Frontdesk.q || []).push(arguments); };
        Frontdesk('on', 'identity_error', (e) => events.push('identity_error:' + e.code));
        Frontdesk('on', 'ticket', (t) => events.push('ticket:' + t.email));
        ${script}
      </script></head><body><h1>Account</h1><script src="/widget.js" async></script></body></html>`,
    }),
  );
  await page.goto(path);
}

async function handoffInWidget(page: Page) {
  const panel = page.getByRole('dialog', { name: 'Support' });
  await page.getByRole('button', { name: /^Open support chat/ }).click();
  await panel.getByRole('textbox', { name: 'Your message' }).fill('How do I export my notes?');
  await panel.getByRole('button', { name: 'Send', exact: true }).click();
  // The bot answered (a refused identity must not stop the turn).
  await expect(panel.locator('.fd-bot[data-decision]')).toHaveCount(1);
  await panel.getByRole('button', { name: 'Talk to a person' }).click();
  return panel;
}

test('the widget: identify with a jose token makes a verified ticket without asking the email', async ({ page }) => {
  const token = await jwt({ sub: 'user-5', email: 'widget.user@example.com', name: 'Wren' });
  await host(page, '/__test/identity-token.html', `Frontdesk('identify', { token: ${JSON.stringify(token)} });`);
  const panel = await handoffInWidget(page);
  await expect(panel.getByRole('textbox', { name: 'Email' })).toBeHidden();
  await expect(panel.locator('.fd-hint')).toContainText('widget.user@example.com');
  await panel.getByRole('button', { name: 'Send to our team' }).click();
  const reference = (await panel.locator('.fd-ticket .fd-ref').textContent())!;
  const r = requester(reference);
  console.log(`widget, identify({token}) -> ticket ${reference}, requester ${JSON.stringify(r)}`);
  expect(r).toEqual({ email: 'widget.user@example.com', verified: true, id: 'user-5', name: 'Wren' });
  expect(await page.evaluate(() => (window as any).events.join(','))).toBe('ticket:widget.user@example.com');
});

test('the widget: a forged identity is dropped, the page gets identity_error, the visitor goes on unverified', async ({ page }) => {
  const good = await jwt({ sub: 'user-5', email: 'forged.user@example.com' });
  const forged = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  await host(page, '/__test/identity-forged.html', `Frontdesk('identify', { token: ${JSON.stringify(forged)} });`);
  const panel = await handoffInWidget(page);
  await expect.poll(() => page.evaluate(() => (window as any).events.join(','))).toBe('identity_error:identity_invalid');
  await expect(panel.locator('.fd-failed')).toHaveCount(0);
  await panel.getByRole('button', { name: 'Send to our team' }).click();
  const reference = (await panel.locator('.fd-ticket .fd-ref').textContent())!;
  const r = requester(reference);
  console.log(`widget, identify({forged token}) -> events ${await page.evaluate(() => (window as any).events.join(','))}; ticket ${reference}, requester ${JSON.stringify(r)}`);
  expect(r).toEqual({ email: 'forged.user@example.com', verified: false });
});

test('the widget: identify with a user hash', async ({ page }) => {
  await host(
    page,
    '/__test/identity-hash.html',
    `Frontdesk('identify', { user_id: 'user-77', user_hash: ${JSON.stringify(idHash('user-77'))}, email: 'hash.user@example.com', name: 'Hal', id: 'legacy-field' });`,
  );
  const panel = await handoffInWidget(page);
  await panel.getByRole('button', { name: 'Send to our team' }).click();
  const reference = (await panel.locator('.fd-ticket .fd-ref').textContent())!;
  const r = requester(reference);
  console.log(`widget, identify({user_id, user_hash, email, name}) -> ticket ${reference}, requester ${JSON.stringify(r)}`);
  expect(r).toEqual({ email: 'hash.user@example.com', verified: false, id: 'user-77', name: 'Hal' });
});

test('no secret appears in any response or in the worker log', async () => {
  expect(seen.length, 'run with the tests above').toBeGreaterThan(50);
  expect(existsSync(LOG)).toBe(true);
  const log = readFileSync(LOG, 'utf8');
  // The log is the real one: it has the requests the tests made.
  expect(log).toContain('/api/v1/handoff');
  const haystack = seen.join('\n');
  for (const [name, secret] of [
    ['IDENTITY_SECRET', IDENTITY_SECRET],
    ['AGENT_TOKEN', AGENT_TOKEN],
    // Used by email.spec.ts, which runs before this file.
    ['EMAIL_API_KEY', EMAIL_API_KEY],
    ['EMAIL_INBOUND_SECRET', EMAIL_INBOUND_SECRET],
  ]) {
    const inResponses = haystack.includes(secret);
    const inLog = log.includes(secret);
    console.log(`${name}: in ${seen.length / 1} response parts: ${inResponses}; in ${log.split('\n').length} log lines: ${inLog}`);
    expect(inResponses).toBe(false);
    expect(inLog).toBe(false);
  }
});
