/**
 * System lines kept in history in the web app: a timer change shows in its place among the
 * messages on both sides, and is still there after the page is reloaded (read from the store).
 */
import { expect, test } from 'vitest';
import {
  browserSuite,
  dialog,
  message,
  newChat,
  openConversation,
  type Person,
  screenshot,
  send,
} from './browser.js';

const suite = browserSuite();

/** The open chat's messages and system lines, in the order shown. */
const shown = (p: Person) => p.page.locator('.message .text, .notice.system').allTextContents();

test('a timer change is a system line among the messages on both sides, still in its place after a reload', async () => {
  const [uma, vic] = await suite.pair('uma', 'vic');
  await newChat(uma, 'vic');
  await send(uma, 'before the timer');
  await uma.page.getByRole('button', { name: 'Details' }).click();
  await dialog(uma.page).getByLabel('Disappearing messages').selectOption({ label: 'After 1 hour' });
  await uma.page.locator('.notice.system', { hasText: 'you set disappearing messages to 1 hour' }).waitFor();
  await dialog(uma.page).getByRole('button', { name: 'Close' }).click();
  await send(uma, 'after the timer');
  await openConversation(vic, 'uma');
  await message(vic, 'after the timer').waitFor();

  const expected = {
    uma: ['before the timer', 'you set disappearing messages to 1 hour', 'after the timer'],
    vic: ['before the timer', 'uma set disappearing messages to 1 hour', 'after the timer'],
  };
  expect(await shown(uma)).toEqual(expected.uma);
  expect(await shown(vic)).toEqual(expected.vic);

  for (const [p, other] of [
    [uma, 'vic'],
    [vic, 'uma'],
  ] as const) {
    await p.page.reload();
    await openConversation(p, other);
    await message(p, 'after the timer').waitFor();
    expect(await shown(p)).toEqual(expected[p.name as 'uma' | 'vic']);
  }
  await screenshot(vic, 'system-line-after-reload');
});
