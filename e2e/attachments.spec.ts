import { expect, test, type Page } from '@playwright/test';
import { AGENT_TOKEN } from './playwright.config';

// Attachments (issue 19): a screenshot pasted into the widget, or a file
// picked with its button, is stored in R2 and seen by the agent through a
// short-lived signed link; an agent's file sent from the inbox reaches the
// widget as a link; disguised and oversized files are refused with nothing
// stored; a deleted conversation takes its files with it.

const auth = { authorization: `Bearer ${AGENT_TOKEN}` };
const launcher = (page: Page) => page.getByRole('button', { name: /^Open support chat/ });
const panel = (page: Page) => page.getByRole('dialog', { name: 'Lumen Notes support' });
const composer = (page: Page) => panel(page).getByRole('textbox', { name: 'Your message' });

/** The demo page's widget, handed off to a person: the conversation and ticket. */
async function handedOff(page: Page, email: string) {
  await page.goto('/');
  await launcher(page).click();
  await composer(page).fill('Someone hacked my account and changed the password');
  await composer(page).press('Enter');
  const offer = panel(page).locator('.fd-bot[data-decision="escalate"]');
  await offer.getByRole('button', { name: 'Talk to a person' }).click();
  await panel(page).getByRole('textbox', { name: 'Email' }).fill(email);
  await panel(page).getByRole('button', { name: 'Send to our team' }).click();
  const reference = (await panel(page).locator('.fd-ticket .fd-ref').textContent())!;
  const conversation = await page.evaluate(() => (window as any).__frontdesk.conv as string);
  return { reference, conversation };
}

/** Pastes a real PNG (drawn on a canvas) into the composer, as a screenshot is. */
async function pasteScreenshot(page: Page) {
  await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 200;
    const g = canvas.getContext('2d')!;
    g.fillStyle = '#c00';
    g.fillRect(0, 0, 320, 200);
    g.fillStyle = '#fff';
    g.fillText('Export failed: error 42', 20, 100);
    const blob: Blob = await new Promise((ok) => canvas.toBlob((b) => ok(b!), 'image/png'));
    const data = new DataTransfer();
    data.items.add(new File([blob], 'image.png', { type: 'image/png' }));
    const root = (window as any).__frontdesk.root as HTMLElement;
    const textarea = root.querySelector('.fd-composer textarea')!;
    textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
}

test('a pasted screenshot is seen by the agent through a signed link, and is gone after a delete', async ({ page, request }) => {
  const loaded: string[] = [];
  page.on('request', (r) => loaded.push(new URL(r.url()).pathname));
  const { reference, conversation } = await handedOff(page, 'attach.visitor@example.com');
  // The upload code is not fetched until a file comes.
  expect(loaded).not.toContain('/widget/attach.js');

  await pasteScreenshot(page);
  await expect(panel(page).getByRole('status').filter({ hasText: 'Attached: image.png' })).toBeVisible();
  expect(loaded).toContain('/widget/attach.js');

  // The agent's ticket lists it with a link good for 15 minutes.
  const ticket = await (await request.get(`/api/v1/agent/tickets/${reference}`, { headers: auth })).json();
  expect(ticket.attachments).toHaveLength(1);
  const file = ticket.attachments[0];
  expect(file).toMatchObject({ name: 'image.png', content_type: 'image/png' });
  expect(ticket.conversation.map((e: any) => e.text)).toContain('📎 image.png');
  const url = new URL(file.url, 'http://x');
  const expires = Number(url.searchParams.get('expires'));
  expect(expires - Date.now() / 1000).toBeGreaterThan(14 * 60);
  expect(expires - Date.now() / 1000).toBeLessThanOrEqual(15 * 60 + 5);
  const served = await request.get(file.url);
  expect(served.status()).toBe(200);
  expect(served.headers()['content-type']).toBe('image/png');
  expect(served.headers()['x-content-type-options']).toBe('nosniff');
  expect(served.headers()['content-security-policy']).toContain('sandbox');
  const bytes = await served.body();
  expect([...bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  // A changed signature or another expiry opens nothing.
  for (const forged of [file.url.replace(/sig=./, 'sig=0'), file.url.replace(/expires=\d+/, `expires=${expires + 3600}`)]) {
    const res = await request.get(forged);
    console.log(`attack: a forged attachment link → ${res.status()}`);
    expect(res.status()).toBe(401);
  }

  // In the inbox: the image itself.
  const inbox = await page.context().newPage();
  await inbox.goto('/agent');
  await inbox.getByLabel('Agent token').fill(AGENT_TOKEN);
  await inbox.getByRole('button', { name: 'Sign in' }).click();
  await inbox.locator(`#ticket-list a[data-reference="${reference}"]`).click();
  const img = inbox.locator('#d-attachments img[alt="image.png"]');
  await expect(img).toBeVisible();
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.naturalWidth)).toBe(320);
  await inbox.close();

  // The visitor deletes the conversation: the file goes with it.
  const deleted = await request.delete(`/api/v1/conversations/${conversation}`);
  expect(deleted.status()).toBe(200);
  const after = await request.get(file.url);
  console.log(`attachment link after the conversation was deleted → ${after.status()}`);
  expect(after.status()).toBe(404);
});

test('the attach button opens a file picker from the keyboard; disguised and oversized files are refused and store nothing', async ({ page, request }) => {
  const { reference, conversation } = await handedOff(page, 'attach.button@example.com');
  // The button is the next stop after the message box.
  await panel(page).getByRole('textbox', { name: 'Your message' }).focus();
  await page.keyboard.press('Tab');
  const button = panel(page).getByRole('button', { name: 'Attach a file' });
  await expect(button).toBeFocused();
  const chooser = page.waitForEvent('filechooser');
  await page.keyboard.press('Enter');
  // An HTML page named like a screenshot.
  await (await chooser).setFiles({ name: 'shot.png', mimeType: 'image/png', buffer: Buffer.from('<html><script>alert(document.cookie)</script></html>') });
  await expect(panel(page).getByRole('status').filter({ hasText: 'shot.png: only images (PNG, JPEG, GIF, WebP) and PDFs can be attached.' })).toBeVisible();

  // Straight to the API: a disguised file, an oversized one, an empty one.
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const post = (name: string, data: Buffer) =>
    request.post(`/api/v1/conversations/${conversation}/attachments?name=${encodeURIComponent(name)}`, {
      headers: { 'content-type': 'application/octet-stream' },
      data,
    });
  for (const [what, name, data, status, code] of [
    ['an SVG with script', 'logo.png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 415, 'unsupported_media_type'],
    ['a PNG over 5 MB', 'big.png', Buffer.concat([png, Buffer.alloc(5 * 1024 * 1024)]), 413, 'payload_too_large'],
    ['nothing', 'empty.png', Buffer.alloc(0), 400, 'invalid_field'],
  ] as const) {
    const res = await post(name, data);
    console.log(`attack: ${what} → ${res.status()} ${(await res.json()).error?.code}`);
    expect(res.status(), what).toBe(status);
  }
  const unknown = await request.post(`/api/v1/conversations/00000000-0000-4000-8000-000000000000/attachments?name=a.png`, {
    headers: { 'content-type': 'application/octet-stream' },
    data: png,
  });
  expect(unknown.status()).toBe(404);
  const ticket = await (await request.get(`/api/v1/agent/tickets/${reference}`, { headers: auth })).json();
  expect(ticket.attachments).toEqual([]);
  expect(ticket.conversation.map((e: any) => e.text).filter((t: string) => t.startsWith('📎'))).toEqual([]);

  // A real one through the button is kept.
  const again = page.waitForEvent('filechooser');
  await button.click();
  await (await again).setFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1') });
  await expect(panel(page).getByRole('status').filter({ hasText: 'Attached: invoice.pdf' })).toBeVisible();
  const pdf = (await (await request.get(`/api/v1/agent/tickets/${reference}`, { headers: auth })).json()).attachments[0];
  const served = await request.get(pdf.url);
  expect(served.headers()['content-type']).toBe('application/pdf');
  expect(served.headers()['content-disposition']).toMatch(/^attachment;/);

  // Dropped on the panel.
  await page.evaluate(() => {
    const data = new DataTransfer();
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    data.items.add(new File([png], 'dropped.png', { type: 'image/png' }));
    const root = (window as any).__frontdesk.root as HTMLElement;
    const target = root.querySelector('.fd-composer textarea')!;
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await expect(panel(page).getByRole('status').filter({ hasText: 'Attached: dropped.png' })).toBeVisible();
  const names = (await (await request.get(`/api/v1/agent/tickets/${reference}`, { headers: auth })).json()).attachments.map((a: any) => a.name);
  expect(names).toEqual(['invoice.pdf', 'dropped.png']);
});

test("an agent's file sent from the inbox shows in the open widget as a link that opens it, and after a reload", async ({ page, request }) => {
  const { reference } = await handedOff(page, 'attach.agent@example.com');
  const inbox = await page.context().newPage();
  await inbox.goto('/agent');
  await inbox.getByLabel('Agent token').fill(AGENT_TOKEN);
  await inbox.getByRole('button', { name: 'Sign in' }).click();
  await inbox.locator(`#ticket-list a[data-reference="${reference}"]`).click();
  const picker = inbox.getByLabel('Attach a file for the visitor (an image or a PDF, up to 5 MB)');
  const pdf = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1');
  await picker.setInputFiles({ name: 'steps.pdf', mimeType: 'application/pdf', buffer: pdf });
  await expect(inbox.locator('#d-attachments')).toContainText('steps.pdf (PDF');

  // The visitor's open widget: the agent's message, a link to the file.
  const link = panel(page).locator('.fd-agent a', { hasText: '📎 steps.pdf' });
  await expect(link).toBeVisible();
  await expect(link).toHaveAttribute('target', '_blank');
  const href = (await link.getAttribute('href'))!;
  expect(href).toMatch(/\/api\/v1\/attachments\/att_[0-9a-f-]+\?expires=\d+&sig=[0-9a-f]{64}$/);
  const expires = Number(new URL(href).searchParams.get('expires'));
  expect(expires - Date.now() / 1000).toBeGreaterThan(6.9 * 24 * 3600);
  const served = await request.get(href);
  expect(served.status()).toBe(200);
  expect(served.headers()['content-type']).toBe('application/pdf');
  expect(served.headers()['content-disposition']).toMatch(/^attachment;/);
  expect(await served.body()).toEqual(pdf);

  // A page named like a picture is refused in the inbox, and nothing is sent.
  await picker.setInputFiles({ name: 'evil.png', mimeType: 'image/png', buffer: Buffer.from('<svg onload=alert(1)></svg>') });
  await expect(inbox.locator('#reply-error')).toContainText('evil.png: Attach an image');
  const ticket = await (await request.get(`/api/v1/agent/tickets/${reference}`, { headers: auth })).json();
  expect(ticket.attachments.map((a: any) => a.name)).toEqual(['steps.pdf']);
  await inbox.close();

  // Back on a new page: the message is restored with a working link.
  await page.reload();
  await launcher(page).click();
  const restored = panel(page).locator('.fd-agent a', { hasText: '📎 steps.pdf' });
  await expect(restored).toBeVisible();
  expect((await request.get((await restored.getAttribute('href'))!)).status()).toBe(200);
});
