/**
 * Replies, reactions, edits and deletes in the web app, seen on both sides: the emoji picker and
 * reaction chips (with who reacted), a reply's quote, the "edited" mark, the tombstone.
 */
import type { Locator, Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { browserSuite, newChat, openConversation, type Person, screenshot, send } from './browser.js';

const suite = browserSuite();

/** The message whose own text (not a quote) contains `text`. */
function bubble(p: Person, text: string): Locator {
  return p.page.locator('li.message').filter({ has: p.page.locator(':scope > .text', { hasText: text }) });
}

async function act(page: Page, message: Locator, action: string): Promise<void> {
  await message.hover();
  await message.getByRole('button', { name: action, exact: true }).click();
  void page;
}

test('react with the picker, reply with a quote, edit and delete, each shown on both sides', async () => {
  const [uma, vic] = await suite.pair('uma', 'vic');
  await newChat(uma, 'vic');
  await send(uma, 'picnic on saturday');
  await openConversation(vic, 'uma');

  // vic reacts with the picker, by keyboard alone (the actions show on focus, the picker takes it);
  // uma joins in with the chip. Each chip says who reacted.
  await bubble(vic, 'picnic on saturday').getByRole('button', { name: 'React', exact: true }).focus();
  await vic.page.keyboard.press('Enter');
  await vic.page.getByRole('button', { name: 'React with 👍' }).and(vic.page.locator(':focus')).waitFor();
  await screenshot(vic, 'annotations-emoji-picker');
  await vic.page.keyboard.press('Enter');
  await bubble(uma, 'picnic on saturday').getByRole('button', { name: '👍 1: vic' }).click();
  await bubble(vic, 'picnic on saturday').getByRole('button', { name: '👍 2: uma, vic' }).waitFor();
  expect(await bubble(vic, 'picnic on saturday').locator('.reaction').getAttribute('aria-pressed')).toBe(
    'true',
  );

  // vic replies: the reply shows a quote of uma's message on both sides.
  await act(vic.page, bubble(vic, 'picnic on saturday'), 'Reply');
  await vic.page.getByTestId('replying').filter({ hasText: 'picnic on saturday' }).waitFor();
  await vic.page.getByLabel('Message', { exact: true }).fill('count me in');
  await vic.page.getByLabel('Message', { exact: true }).press('Enter');
  for (const p of [uma, vic])
    await bubble(p, 'count me in').locator('.quote', { hasText: 'uma picnic on saturday' }).waitFor();

  // uma edits her message: vic sees the new text marked edited, and the quote follows.
  await act(uma.page, bubble(uma, 'picnic on saturday'), 'Edit');
  await uma.page.getByLabel('Edit message').fill('picnic on sunday');
  await uma.page.getByRole('button', { name: 'Save' }).click();
  await bubble(vic, 'picnic on sunday').locator('.edited').waitFor();
  await bubble(vic, 'count me in').locator('.quote', { hasText: 'picnic on sunday' }).waitFor();
  await screenshot(vic, 'annotations-reply-react-edit');

  // On a touch screen (no hover), a long press shows a message's actions.
  const touched = bubble(uma, 'picnic on sunday');
  await touched.dispatchEvent('pointerdown', { pointerType: 'touch', isPrimary: true });
  await touched.locator('.actions.open').waitFor();
  await touched.dispatchEvent('pointerup', { pointerType: 'touch', isPrimary: true });

  // uma deletes it for everyone: a tombstone on both sides, the reactions gone, the quote says so.
  await act(uma.page, bubble(uma, 'picnic on sunday'), 'Delete');
  await uma.page.getByRole('button', { name: 'Delete for everyone' }).click();
  for (const p of [uma, vic]) {
    await bubble(p, 'Message deleted').waitFor();
    await bubble(p, 'count me in').locator('.quote', { hasText: 'Message deleted' }).waitFor();
    expect(await p.page.locator('.reaction').count()).toBe(0);
    expect(await p.page.locator('.messages').innerText()).not.toContain('picnic');
  }
  await screenshot(vic, 'annotations-deleted');
});
