import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { Webhook } from 'standardwebhooks';
import { d1 } from './d1';
import {
  AGENT_TOKEN,
  EMAIL_AFTER_SECS,
  EMAIL_INBOUND_SECRET,
  EMAIL_REPLY_DOMAIN,
  RECEIVER_PORT,
} from './playwright.config';

// Replies by e-mail (issue 19): an agent's reply that no widget showed is
// e-mailed after EMAIL_AFTER_SECS to the address the visitor typed in the
// handoff form (checked at the receiver's stand-in e-mail API); the
// visitor's answer comes back through the signed inbound webhook, threaded
// by the reply address, and shows in the inbox and in the widget on
// return. Forged and misaddressed answers are refused and store nothing.

const RECEIVER = `http://127.0.0.1:${RECEIVER_PORT}`;
const auth = { authorization: `Bearer ${AGENT_TOKEN}` };

const launcher = (page: Page) => page.getByRole('button', { name: /^Open support chat/ });
const panel = (page: Page) => page.getByRole('dialog', { name: 'Lumen Notes support' });
const composer = (page: Page) => panel(page).getByRole('textbox', { name: 'Your message' });

type Email = { path: string; at: number; ok: boolean; error?: string; payload?: any };

async function emailsTo(request: APIRequestContext, address: string): Promise<Email[]> {
  const got: Email[] = await (await request.get(`${RECEIVER}/__received`)).json();
  return got.filter((r) => r.path === '/emails' && JSON.stringify(r.payload?.to ?? '').includes(address));
}

/** Waits (bounded) for the e-mails to `address`. */
async function waitForEmail(request: APIRequestContext, address: string, count = 1): Promise<Email[]> {
  for (let i = 0; i < 60; i++) {
    const got = await emailsTo(request, address);
    if (got.length >= count) return got;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no e-mail to ${address}`);
}

/** The inbound webhook as a provider sends it, signed with `secret`
 * (Standard Webhooks' header names, or Svix's as Resend sends them). */
async function inbound(request: APIRequestContext, mail: object, secret = EMAIL_INBOUND_SECRET, id = `msg_${Date.now()}_${Math.random()}`, prefix = 'webhook') {
  const body = JSON.stringify(mail);
  const now = new Date();
  const signature = new Webhook(secret).sign(id, now, body);
  const ts = String(Math.floor(now.getTime() / 1000));
  return request.post('/api/v1/email/inbound', {
    headers: { 'content-type': 'application/json', [`${prefix}-id`]: id, [`${prefix}-timestamp`]: ts, [`${prefix}-signature`]: signature },
    data: body,
  });
}

/** A conversation with a ticket, made through the API. */
async function ticket(request: APIRequestContext, email: string) {
  const chat = await (await request.post('/api/v1/chat', { data: { message: 'My account was hacked, please help' } })).json();
  const made = await request.post('/api/v1/handoff', { data: { conversation_id: chat.conversation_id, email } });
  expect(made.status()).toBe(201);
  return { conversation: chat.conversation_id as string, reference: (await made.json()).reference as string };
}

async function reply(request: APIRequestContext, reference: string, text: string) {
  const res = await request.post(`/api/v1/agent/tickets/${reference}/reply`, { headers: auth, data: { text } });
  expect(res.status()).toBe(201);
}

const visitorMessages = (conversation: string) =>
  d1<{ n: number }>(`SELECT COUNT(*) AS n FROM messages WHERE conversation_id = '${conversation}' AND role = 'visitor'`)[0].n;

test('a visitor who closed the tab gets the reply by e-mail, answers it, and the answer shows in the inbox and the widget', async ({ context, request }) => {
  const address = `email.visitor.${Date.now()}@example.com`;
  const page = await context.newPage();
  await page.goto('/');
  await launcher(page).click();
  await composer(page).fill('Someone hacked my account and changed the password');
  await composer(page).press('Enter');
  await panel(page).locator('.fd-bot[data-decision="escalate"]').getByRole('button', { name: 'Talk to a person' }).click();
  await panel(page).getByRole('textbox', { name: 'Email' }).fill(address);
  await panel(page).getByRole('button', { name: 'Send to our team' }).click();
  const reference = (await panel(page).locator('.fd-ticket .fd-ref').textContent())!;
  await page.close();

  const sent = Date.now();
  await reply(request, reference, 'Hi, Sam here. I have locked the account and reset your password.');
  const [email] = await waitForEmail(request, address);
  const waited = email.at - sent;
  console.log(`agent reply → e-mail at the stand-in after ${waited} ms (EMAIL_AFTER_SECS=${EMAIL_AFTER_SECS})`);
  expect(email.ok, email.error).toBe(true);
  expect(waited).toBeGreaterThanOrEqual(EMAIL_AFTER_SECS * 1000 - 200);
  const mail = email.payload;
  expect(mail.to).toEqual([address]);
  expect(mail.text).toContain('I have locked the account and reset your password.');
  expect(mail.html).toContain('I have locked the account and reset your password.');
  expect(mail.reply_to).toMatch(new RegExp(`^reply\\+[a-z2-7]{26}@${EMAIL_REPLY_DOMAIN.replace(/\./g, '\\.')}$`));

  // The visitor answers from their mail client. The provider (as Resend
  // does) posts only the metadata, signed with Svix's header names; the
  // worker fetches the body from the provider's API.
  const emailId = `em-${Date.now()}`;
  await request.post(`${RECEIVER}/__receiving`, {
    data: { id: emailId, text: `Thanks, I can sign in again!\n\nOn Tue, 1 Dec 2026 at 10:00, support@lumen.example wrote:\n> Hi, Sam here.` },
  });
  const answered = await inbound(
    request,
    {
      type: 'email.received',
      created_at: new Date().toISOString(),
      data: { email_id: emailId, from: `Visitor <${address.toUpperCase()}>`, to: [mail.reply_to], subject: `Re: ${mail.subject}` },
    },
    EMAIL_INBOUND_SECRET,
    `msg_${emailId}`,
    'svix',
  );
  expect(answered.status()).toBe(200);
  const got = await answered.json();
  expect(got.stored).toBe(true);

  // In the inbox.
  const agentPage = await context.newPage();
  await agentPage.goto('/agent');
  await agentPage.getByLabel('Agent token').fill(AGENT_TOKEN);
  await agentPage.getByRole('button', { name: 'Sign in' }).click();
  await agentPage.locator(`#ticket-list a[data-reference="${reference}"]`).click();
  await expect(agentPage.locator('#d-conversation')).toContainText('Thanks, I can sign in again!');
  await expect(agentPage.locator('#d-conversation')).not.toContainText('Hi, Sam here.\n>');
  await agentPage.close();

  // Back on the site: the widget shows the reply and the answer.
  const back = await context.newPage();
  await back.goto('/');
  await launcher(back).click();
  await expect(panel(back).locator('.fd-agent')).toContainText('I have locked the account');
  await expect(panel(back)).toContainText('Thanks, I can sign in again!');

  // Shown now: the next reply reaches the open widget and is not e-mailed.
  await reply(request, reference, 'Glad it works. Anything else?');
  await expect(panel(back).locator('.fd-agent')).toHaveCount(2, { timeout: 3_000 });
  await new Promise((r) => setTimeout(r, EMAIL_AFTER_SECS * 1000 + 1500));
  expect(await emailsTo(request, address)).toHaveLength(1);
});

test('forged, misaddressed and replayed answers are refused or stored once; unsubscribe stops the e-mails', async ({ request }) => {
  const ada = `email.ada.${Date.now()}@example.com`;
  const bob = `email.bob.${Date.now()}@example.com`;
  const a = await ticket(request, ada);
  const b = await ticket(request, bob);
  await reply(request, a.reference, 'Reply for Ada');
  await reply(request, b.reference, 'Reply for Bob');
  const [adaMail] = await waitForEmail(request, ada);
  const [bobMail] = await waitForEmail(request, bob);
  const adaTo = adaMail.payload.reply_to as string;
  const bobTo = bobMail.payload.reply_to as string;
  expect(adaTo).not.toBe(bobTo);
  const before = [visitorMessages(a.conversation), visitorMessages(b.conversation)];

  const attacks: [string, () => Promise<any>, number, string][] = [
    ['signed with another key', () => inbound(request, { from: ada, to: adaTo, text: 'hi' }, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), 401, 'signature_invalid'],
    ['unsigned', () => request.post('/api/v1/email/inbound', { data: { from: ada, to: adaTo, text: 'hi' } }), 401, 'signature_invalid'],
    ["Ada's address with Bob's reply token", () => inbound(request, { from: ada, to: bobTo, text: 'Cancel my order' }), 403, 'sender_not_allowed'],
    ["a stranger with Ada's reply token", () => inbound(request, { from: 'eve@evil.example', to: adaTo, text: 'Refund to me' }), 403, 'sender_not_allowed'],
    ['a guessed reply token', () => inbound(request, { from: ada, to: `reply+${'a'.repeat(26)}@${EMAIL_REPLY_DOMAIN}`, text: 'hi' }), 404, 'thread_not_found'],
    ['only the quoted e-mail', () => inbound(request, { from: ada, to: adaTo, text: '> Reply for Ada' }), 400, 'message_empty'],
    ['not JSON', () => request.post('/api/v1/email/inbound', { headers: { 'content-type': 'text/plain' }, data: 'hello' }), 415, 'unsupported_media_type'],
  ];
  for (const [what, send, status, code] of attacks) {
    const res = await send();
    const body = await res.json();
    console.log(`attack: ${what} → ${res.status()} ${body.error?.code}`);
    expect(res.status(), what).toBe(status);
    expect(body.error.code, what).toBe(code);
  }
  expect([visitorMessages(a.conversation), visitorMessages(b.conversation)]).toEqual(before);

  // The provider retries a delivery: stored once.
  const id = `msg_replay_${Date.now()}`;
  const first = await (await inbound(request, { from: ada, to: adaTo, text: 'Thanks!' }, EMAIL_INBOUND_SECRET, id)).json();
  const again = await (await inbound(request, { from: ada, to: adaTo, text: 'Thanks!' }, EMAIL_INBOUND_SECRET, id)).json();
  expect(first.stored).toBe(true);
  expect(again).toEqual({ ...first, stored: false });
  expect(visitorMessages(a.conversation)).toBe(before[0] + 1);

  // Unsubscribe: the link's page changes nothing; its button (or a mail
  // client's one-click POST) does.
  const link = /<(.+)>/.exec(adaMail.payload.headers['List-Unsubscribe'])![1];
  const path = new URL(link).pathname + new URL(link).search;
  const page = await request.get(path);
  expect(page.status()).toBe(200);
  expect(await page.text()).toContain('<button type="submit">Unsubscribe</button>');
  const token = new URL(link).searchParams.get('token');
  const subscribed = () => d1<{ u: number | null }>(`SELECT unsubscribed_at AS u FROM email_threads WHERE token = '${token}'`)[0].u;
  expect(subscribed()).toBeNull();
  const done = await request.post(path, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: 'List-Unsubscribe=One-Click' });
  expect(done.status()).toBe(200);
  expect(subscribed()).not.toBeNull();
  const unknown = await request.post(`/api/v1/email/unsubscribe?token=${'b'.repeat(26)}`, { data: '' });
  expect(unknown.status()).toBe(404);
  await reply(request, a.reference, 'Another reply for Ada');
  await new Promise((r) => setTimeout(r, EMAIL_AFTER_SECS * 1000 + 1500));
  expect(await emailsTo(request, ada)).toHaveLength(1);
});
