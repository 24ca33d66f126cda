/**
 * The web app's languages in real Chromium, on one page: a browser whose language is German opens
 * in German; the switch turns it to Arabic, right to left (<html lang="ar" dir="rtl">), which is
 * kept across a reload; registering and the chat screen work in Arabic, the layout mirrored (the
 * conversation list on the right), with no axe violation; a screenshot shows the Arabic layout; the
 * switch in the Privacy dialog turns it back to English.
 */
import { expect, test } from 'vitest';
import { BROWSER_WAIT_MS, browserSuite, expectAccessible, passwordOf, screenshot } from './browser.js';

const suite = browserSuite();

test('the language follows the browser (German), and Arabic mirrors the layout', async () => {
  const p = await suite.person('rania', { width: 1100, height: 700 }, 'light', { locale: 'de-DE' });
  const { page } = p;
  const html = page.locator('html');
  await page.getByRole('heading', { name: 'Erstelle dein Parley-Konto' }).waitFor();
  expect(await html.getAttribute('lang')).toBe('de');
  expect(await html.getAttribute('dir')).toBe('ltr');

  await page.getByLabel('Sprache').selectOption('ar');
  await page.getByRole('heading', { name: 'أنشئ حسابك في Parley' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'أنشئ حسابك في Parley' }).waitFor();
  expect(await html.getAttribute('lang')).toBe('ar');
  expect(await html.getAttribute('dir')).toBe('rtl');

  await page.getByLabel('اسم المستخدم').fill(p.name);
  await page.getByLabel('كلمة المرور', { exact: true }).fill(passwordOf(p.name));
  await page.getByRole('button', { name: 'إنشاء الحساب' }).click();
  const list = page.getByRole('navigation', { name: 'المحادثات' });
  await list.getByRole('button', { name: 'محادثة جديدة' }).waitFor({ timeout: BROWSER_WAIT_MS });
  await page.getByText('لا توجد محادثات بعد').waitFor();

  // Mirrored: the conversation list is at the right edge, the chat area to its left.
  const listBox = (await list.boundingBox())!;
  const chatBox = (await page.locator('.chat.placeholder').boundingBox())!;
  expect(listBox.x).toBeGreaterThan(chatBox.x);
  expect(listBox.x + listBox.width).toBeGreaterThan(1100 - 2);

  await screenshot(p, 'arabic-layout');
  await expectAccessible(p, 'the chat screen in Arabic');

  // The dialogs speak Arabic too: Privacy's blocked people, history and backup sections.
  await page.getByRole('button', { name: 'الخصوصية' }).click();
  const privacy = page.getByRole('dialog', { name: 'الخصوصية' });
  await privacy.getByRole('heading', { name: 'الأشخاص المحظورون' }).waitFor();
  await privacy.getByText('لم تحظر أحدًا.').waitFor();
  await privacy.getByRole('button', { name: 'تنزيل سجلي' }).waitFor();
  await privacy.getByRole('button', { name: 'نسخ حسابي احتياطيًا' }).waitFor();
  await screenshot(p, 'arabic-privacy');
  await expectAccessible(p, 'the Privacy dialog in Arabic');

  // The switch is also in the settings (Privacy), and goes back to left to right.
  await page.getByLabel('اللغة').selectOption('en');
  await page.getByRole('dialog', { name: 'Privacy' }).getByLabel('Language').waitFor();
  expect(await html.getAttribute('dir')).toBe('ltr');
});
