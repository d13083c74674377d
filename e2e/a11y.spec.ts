import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

// WCAG 2.2 AA in the open widget, checked by axe-core (which reads inside
// the shadow root) in every state a visitor meets, and the whole flow walked
// with the keyboard alone.

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const launcher = (page: Page) => page.getByRole('button', { name: /^Open support chat/ });
const panel = (page: Page) => page.getByRole('dialog', { name: 'Lumen Notes support' });

async function axe(page: Page, state: string) {
  const result = await new AxeBuilder({ page }).include('[data-frontdesk]').withTags(TAGS).analyze();
  const found = result.violations.map((v) => `${state}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(found).toEqual([]);
  // axe really looked inside: the panel's nodes were among those checked.
  expect(result.passes.length).toBeGreaterThan(5);
}

test('the open widget has no WCAG 2.2 AA violations in any state', async ({ page }) => {
  await page.goto('/');
  await axe(page, 'launcher');
  await launcher(page).click();
  await expect(panel(page)).toBeVisible();
  await axe(page, 'empty panel');
  const composer = panel(page).getByRole('textbox', { name: 'Your message' });
  for (const q of ['How do I export my notes?', 'refund', 'my cat ate the router']) {
    await composer.fill(q);
    await composer.press('Enter');
  }
  await expect(panel(page).locator('.fd-bot[data-decision]')).toHaveCount(3);
  await axe(page, 'answer, suggestions, handoff offer');
  await panel(page).locator('.fd-human-bar').getByRole('button', { name: 'Talk to a person' }).click();
  await panel(page).getByRole('textbox', { name: 'Email' }).fill('not-an-email');
  await panel(page).getByRole('button', { name: 'Send to our team' }).click();
  await expect(panel(page).locator('.fd-error')).not.toBeEmpty();
  await axe(page, 'handoff form with an error');
  await panel(page).getByRole('textbox', { name: 'Email' }).fill('axe@example.com');
  await panel(page).getByRole('button', { name: 'Send to our team' }).click();
  await expect(panel(page).locator('.fd-ticket')).toHaveCount(1);
  await axe(page, 'ticket confirmation');
  await panel(page).getByRole('button', { name: 'Delete conversation' }).click();
  await axe(page, 'delete confirmation');
});

test('the whole flow works with the keyboard alone', async ({ page }) => {
  await page.goto('/');
  // The launcher is the page's last stop: Shift+Tab from the top reaches it.
  await page.keyboard.press('Shift+Tab');
  await expect(launcher(page)).toBeFocused();
  await page.keyboard.press('Enter');
  const composer = panel(page).getByRole('textbox', { name: 'Your message' });
  await expect(composer).toBeFocused();
  await page.keyboard.type('How do I export my notes?');
  await page.keyboard.press('Enter');
  await expect(panel(page).locator('.fd-bot[data-decision="answer"]')).toHaveCount(1);
  // Tab order: composer → Send → (back up) the source link and "Talk to a person".
  await page.keyboard.press('Shift+Tab');
  await expect(panel(page).locator('.fd-human-bar').getByRole('button', { name: 'Talk to a person' })).toBeFocused();
  await page.keyboard.press('Enter');
  const email = panel(page).getByRole('textbox', { name: 'Email' });
  await expect(email).toBeFocused();
  await page.keyboard.type('keys.only@example.com');
  await page.keyboard.press('Tab');
  await expect(panel(page).getByRole('textbox', { name: 'Anything to add? (optional)' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(panel(page).getByRole('button', { name: 'Send to our team' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(panel(page).locator('.fd-ticket .fd-ref')).toHaveText(/^FD-/);
  // Back in the chat, the composer has the focus again.
  await expect(composer).toBeFocused();
  // Every control shows where the focus is.
  const outline = await composer.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).not.toBe('none');
  await page.keyboard.press('Escape');
  await expect(panel(page)).toBeHidden();
  await expect(launcher(page)).toBeFocused();
});

test('with reduced motion the panel appears without animation', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto('/');
  await launcher(page).click();
  expect(await panel(page).evaluate((p) => getComputedStyle(p).animationName)).toBe('none');
  await page.emulateMedia({ reducedMotion: 'no-preference' });
  await page.reload();
  await launcher(page).click();
  expect(await panel(page).evaluate((p) => getComputedStyle(p).animationName)).toBe('fd-in');
});
