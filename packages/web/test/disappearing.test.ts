/**
 * Disappearing messages and search in the web app: the timer chosen in a conversation's details
 * shows as a system line on both sides; the search box over the list finds a message in the
 * browser's own history and opens its conversation.
 */
import { expect, test } from 'vitest';
import { BROWSER_WAIT_MS, browserSuite, dialog, message, newChat, screenshot, send } from './browser.js';

const suite = browserSuite();

test('the timer set in the details shows on both sides; the search box finds a message and opens its conversation', async () => {
  const [uma, vic] = await suite.pair('uma', 'vic');
  await newChat(uma, 'vic');
  await send(uma, 'the blue Café at noon');

  // vic has not opened the conversation: search finds the message (accents and case ignored).
  const box = vic.page.getByLabel('Search your messages');
  await box.fill('CAFE noon');
  const result = vic.page.locator('.search-result', { hasText: 'the blue Café at noon' });
  // Searched again until the message has reached vic's device (uma's copy shows before it is sent).
  await expect
    .poll(
      async () => {
        await box.press('Enter');
        return result.count();
      },
      { timeout: BROWSER_WAIT_MS, interval: 500 },
    )
    .toBe(1);
  expect(await result.locator('.conversation-title').innerText()).toBe('uma');
  await screenshot(vic, 'search-results');
  await result.click();
  await vic.page.locator('.chat-title h2', { hasText: 'uma' }).waitFor();
  await message(vic, 'the blue Café at noon').waitFor();
  expect(await vic.page.locator('.search-result').count()).toBe(0);

  // uma turns on disappearing messages in the details: a system line on both sides.
  await uma.page.getByRole('button', { name: 'Details' }).click();
  await dialog(uma.page).getByLabel('Disappearing messages').selectOption({ label: 'After 1 hour' });
  await uma.page.locator('.notice.system', { hasText: 'you set disappearing messages to 1 hour' }).waitFor();
  await dialog(uma.page).getByRole('button', { name: 'Close' }).click();
  await vic.page.locator('.notice.system', { hasText: 'uma set disappearing messages to 1 hour' }).waitFor();
  await vic.page.getByTestId('timer').filter({ hasText: 'Messages disappear after 1 hour' }).waitFor();
  await vic.page.getByRole('button', { name: 'Details' }).click();
  expect(await dialog(vic.page).getByLabel('Disappearing messages').inputValue()).toBe('3600');
  await screenshot(vic, 'disappearing-timer');
});
