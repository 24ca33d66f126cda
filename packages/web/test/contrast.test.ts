/**
 * Contrast of what axe does not check (issue #22), computed in real Chromium from the colours it
 * resolved, in the light and the dark theme: the edge of every field and of the disabled Send
 * button against the colours inside and around it, and every focus ring the keyboard shows,
 * at 3:1 or more (WCAG 2.2, 1.4.11); placeholders at 4.5:1 or more (1.4.3). Text contrast is
 * axe's (accessibility.test.ts).
 */
import { expect, test } from 'vitest';
import { browserSuite, dialog, newChat, type Person, register, registered } from './browser.js';
import { componentContrasts, type Measured } from './contrast.js';
import { tabTo } from './keyboard.js';

const suite = browserSuite();

/** What fails its threshold, in words (placeholders need 4.5:1, edges and rings 3:1). */
function failing(measured: Measured[]): string[] {
  return measured
    .filter((m) => m.ratio < (m.what.endsWith('placeholder') ? 4.5 : 3))
    .map((m) => `${m.what}: ${m.ratio.toFixed(2)}:1 (${m.colours.join(' on ')})`);
}

/** Measure the screen as it is, print it, and return what was measured (by name). */
async function measure(p: Person, where: string, all: string[]): Promise<string[]> {
  const measured = await componentContrasts(p.page);
  all.push(...failing(measured).map((f) => `${where}: ${f}`));
  const lowest = [...measured].sort((a, b) => a.ratio - b.ratio)[0];
  console.log(
    `${where}: ${measured.length} pairs, lowest ${lowest?.ratio.toFixed(2)}:1 (${lowest?.what ?? 'none'})`,
  );
  return measured.map((m) => m.what);
}

test('fields, the disabled Send button and focus rings stand out at 3:1 and placeholders read at 4.5:1, in the light and the dark theme', async () => {
  const failures: string[] = [];
  await registered(suite, 'bo');
  for (const scheme of ['light', 'dark'] as const) {
    const ada = await suite.person(`ada${scheme}`, undefined, scheme);
    const { page } = ada;

    // The sign-in screen, its first field focused from the keyboard.
    await page.getByRole('button', { name: /Create account|Sign in/ }).waitFor();
    await tabTo(ada, (e) => e.tagName === 'INPUT');
    const signIn = await measure(ada, `sign-in (${scheme})`, failures);
    expect(signIn.filter((w) => w.startsWith('input') && w.endsWith('edge / around')).length).toBeGreaterThan(
      1,
    );
    expect(signIn.some((w) => w.endsWith('focus ring / around'))).toBe(true);

    // The chat screen: the empty composer (Send disabled) and the search field.
    await register(ada);
    await newChat(ada, 'bo');
    await page.getByLabel('Message', { exact: true }).waitFor();
    const chat = await measure(ada, `chat screen (${scheme})`, failures);
    expect(chat).toEqual(expect.arrayContaining(['textarea[composer] edge / around']));
    expect(chat.some((w) => w.startsWith('button') && w.endsWith('edge / inside'))).toBe(true);
    expect(chat.some((w) => w.endsWith('placeholder'))).toBe(true);

    // A dialog's fields, and its focus ring.
    await page.getByRole('button', { name: 'New group' }).click();
    await dialog(page).getByLabel('Group name').waitFor();
    await page.keyboard.press('Tab');
    const group = await measure(ada, `new group dialog (${scheme})`, failures);
    expect(group.filter((w) => w.endsWith('edge / inside')).length).toBeGreaterThan(1);
    await page.keyboard.press('Escape');
    await dialog(page).waitFor({ state: 'detached' });
  }
  expect(failures).toEqual([]);
});
