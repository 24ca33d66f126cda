/**
 * The web app with the keyboard alone, start to end (issue #22): register, start a chat, send,
 * open and close every dialog of the account and of the conversation (focus lands inside each one
 * and returns to the button that opened it), switch conversations with the arrow keys, log out.
 * No mouse event is used after the page opens.
 */
import { expect, test } from 'vitest';
import { browserSuite, dialog, message, type Person, passwordOf } from './browser.js';
import { focused, tabTo, tabToButton } from './keyboard.js';
import { sdkPerson } from './sdkPerson.js';

const suite = browserSuite();

const activeId = (p: Person) => p.page.evaluate(() => document.activeElement?.id ?? '');
const inDialog = (p: Person) => dialog(p.page).evaluate((d) => d.contains(document.activeElement));
const title = (p: Person) => p.page.locator('.chat-title h2').first().textContent();

/** Tab to the button named `name`, open its dialog with Enter, check focus, close with Escape. */
async function openAndClose(p: Person, name: string, inside?: () => Promise<void>): Promise<void> {
  await tabToButton(p, name);
  await p.page.keyboard.press('Enter');
  await dialog(p.page).waitFor();
  await expect.poll(() => inDialog(p), { message: `focus inside the ${name} dialog` }).toBe(true);
  if (inside !== undefined) await inside();
  await p.page.keyboard.press('Escape');
  await dialog(p.page).waitFor({ state: 'detached' });
  expect(await focused(p), `focus back on ${name}`).toBe(name);
}

test('with the keyboard alone: register, start a chat, send, open and close every dialog, switch chats, log out', async () => {
  const lee = await sdkPerson(suite.served.url, 'lee');
  const kim = await suite.person('kim');
  const { page } = kim;

  // Register: Tab to "Create an account", then through the form.
  await page.getByRole('button', { name: /Create account|Sign in/ }).waitFor();
  await tabTo(kim, (e) => e.textContent === 'Create an account' || e.getAttribute('name') === 'username');
  if ((await focused(kim)) === 'Create an account') {
    await page.keyboard.press('Enter');
    await tabTo(kim, (e) => e.getAttribute('autocomplete') === 'username');
  }
  await page.keyboard.type('kim');
  await tabTo(kim, (e) => e.getAttribute('type') === 'password');
  await page.keyboard.type(passwordOf('kim'));
  await page.keyboard.press('Enter');
  await page.getByTestId('me').filter({ hasText: 'kim' }).waitFor({ state: 'attached' });

  // Start a chat with lee: New chat, the name, Enter; the cursor is then in the composer.
  await tabTo(kim, (e) => e.textContent === 'New chat');
  await page.keyboard.press('Enter');
  await page.keyboard.type('lee');
  await page.keyboard.press('Enter');
  await page.locator('.chat-title h2', { hasText: 'lee' }).waitFor();
  await expect.poll(() => activeId(kim)).toBe('composer');
  await page.keyboard.type('hello from the keyboard');
  await page.keyboard.press('Enter');
  await message(kim, 'hello from the keyboard').waitFor();
  await expect.poll(() => lee.inbox.includes('hello from the keyboard'), { timeout: 20_000 }).toBe(true);

  // Every dialog of the conversation and of the account, from where the person is.
  await openAndClose(kim, 'Details', async () => {
    await tabTo(kim, (e) => e.textContent === 'Safety number');
    await page.keyboard.press('Enter');
    await dialog(page).getByTestId('safety-number').waitFor();
  });
  for (const name of ['Privacy', 'New chat', 'New group', 'Link a device', 'Log out'])
    await openAndClose(kim, name);
  await openAndClose(kim, 'Devices', async () => {
    await page.keyboard.type(passwordOf('kim'));
    await page.keyboard.press('Enter');
    await dialog(page).locator('li').first().waitFor();
  });

  // A second conversation: the arrow keys move between the two, Enter opens one.
  await lee.client.createGroup('Walk', ['kim']);
  await page.locator('button.conversation', { hasText: 'Walk' }).waitFor();
  const order = () =>
    page
      .locator('button.conversation')
      .evaluateAll((bs) => bs.map((b) => b.getAttribute('data-conversation')!));
  // (Once the list has settled: the group's first lines move it.)
  let settled = '';
  await expect
    .poll(
      async () => {
        const now = (await order()).join();
        const same = now === settled;
        settled = now;
        return same && now.split(',').length === 2;
      },
      { interval: 700 },
    )
    .toBe(true);
  const [first, second] = await order();
  await tabTo(kim, (e) => e.classList.contains('conversation'));
  const current = () => page.evaluate(() => document.activeElement?.getAttribute('data-conversation') ?? '');
  expect(await current()).toBe(first);
  await page.keyboard.press('ArrowDown');
  expect(await current()).toBe(second);
  await page.keyboard.press('Enter');
  await expect.poll(() => title(kim)).toBe(second);
  // Opened, the cursor is in its composer; Tab comes back to the list on the conversation open.
  await expect.poll(() => activeId(kim)).toBe('composer');
  await tabTo(kim, (e) => e.classList.contains('conversation'));
  expect(await current()).toBe(second);
  await page.keyboard.press('ArrowUp');
  expect(await current()).toBe(first);
  await page.keyboard.press('Enter');
  await expect.poll(() => title(kim)).toBe(first);
  expect(await order()).toEqual([first, second]);

  // Log out: the dialog's first button, and the sign-in screen is back with focus on it.
  await tabToButton(kim, 'Log out');
  await page.keyboard.press('Enter');
  await dialog(page).waitFor();
  await tabTo(kim, (e) => e.closest('[role="dialog"]') !== null && e.textContent === 'Log out');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: /Create account|Sign in/ }).waitFor();
  // Focus is not lost with the chat screen: it is on the sign-in screen's heading.
  expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
  await lee.client.close();
});
