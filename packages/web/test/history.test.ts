/**
 * The web app's history in real Chromium: a conversation longer than a page opens on its latest
 * messages, reading only that page of records; earlier ones are read a page at a time by scrolling
 * up or with the "Load earlier messages" button (keyboard too), and messages arriving while a chat
 * is open do not make the app read the conversation's history again (IndexedDB reads of the
 * history, and the records they return, are counted in the page).
 */
import { expect, test } from 'vitest';
import { HISTORY_PAGE } from '../src/containers/chatState.js';
import {
  BROWSER_WAIT_MS,
  browserSuite,
  conversation,
  hasKeyPackages,
  newChat,
  openConversation,
  type Person,
  register,
  screenshot,
} from './browser.js';
import { countHistoryReads, historyReads as readsOf, historyRecords as recordsOf } from './historyReads.js';

const SENT = 60;
const suite = browserSuite();

/** A person whose page counts its reads of conversations' history (see historyReads.ts). */
async function countingPerson(name: string): Promise<Person> {
  const p = await suite.person(name);
  await countHistoryReads(p.context);
  await p.page.reload();
  return p;
}

const historyReads = (p: Person) => readsOf(p.page);
const historyRecords = (p: Person) => recordsOf(p.page);

const label = (i: number) => `number ${String(i).padStart(2, '0')}`;

/** The messages shown in the open chat, by exact text. */
const shown = (p: Person) => p.page.locator('.message .text').allTextContents();

/** Whether the message with this text is within the visible part of the messages list. */
function inView(p: Person, text: string): Promise<boolean> {
  return p.page.getByRole('list', { name: 'Messages' }).evaluate((list, t) => {
    const item = Array.from(list.querySelectorAll('.message')).find(
      (m) => m.querySelector('.text')?.textContent === t,
    );
    if (item === undefined) return false;
    const box = list.getBoundingClientRect();
    const r = item.getBoundingClientRect();
    return r.bottom > box.top && r.top < box.bottom;
  }, text);
}

/** Type a message and send it with Enter; `shown`: wait until the chat shows it. */
async function write(p: Person, text: string, shown = true): Promise<void> {
  const box = p.page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
  if (shown) await p.page.locator('.message.mine .text', { hasText: text }).waitFor();
}

test('a long chat opens on its latest page; earlier pages come back by scrolling up or with the button; new messages read no history', async () => {
  const uma = await countingPerson('uma');
  const victor = await countingPerson('victor');
  await register(uma);
  await register(victor);
  await hasKeyPackages(suite.served, 'victor');

  await newChat(uma, 'victor');
  await write(uma, 'first message');
  await conversation(victor, 'uma').locator('.conversation-last', { hasText: 'first message' }).waitFor();
  await openConversation(victor, 'uma');
  await victor.page.locator('.message .text', { hasText: 'first message' }).waitFor();

  // Each opened its chat once: one history read each, however many messages come and go after.
  for (let i = 1; i <= SENT; i++) await write(victor, label(i), i === SENT);
  await uma.page.locator('.message .text', { hasText: label(SENT) }).waitFor();
  await write(uma, 'got them all');
  await victor.page.locator('.message .text', { hasText: 'got them all' }).waitFor();
  // Receipts move the ticks of the message they are about, also without a read of the history.
  await victor.page
    .locator('.message.mine', { hasText: label(SENT) })
    .locator('.ticks[data-status="read"]')
    .waitFor();
  expect(await historyReads(uma)).toBe(1);
  expect(await historyReads(victor)).toBe(1);
  // What arrived while the chat was open stays shown (nothing the person saw disappears).
  expect(await shown(uma)).toHaveLength(SENT + 2);

  // Opened again after a reload: the latest page only, with a way back to the rest. Only that page
  // of records is read (and one more, to know there is a page before it).
  await uma.page.reload();
  await openConversation(uma, 'victor');
  const texts = ['first message', ...Array.from({ length: SENT }, (_, i) => label(i + 1)), 'got them all'];
  await uma.page.locator('.message .text', { hasText: 'got them all' }).waitFor();
  expect(await shown(uma)).toEqual(texts.slice(-HISTORY_PAGE));
  expect(await historyReads(uma)).toBe(1);
  expect(await historyRecords(uma)).toBe(HISTORY_PAGE + 1);
  const earlier = uma.page.getByRole('button', { name: 'Load earlier messages' });
  await earlier.waitFor();
  await screenshot(uma, 'history-latest-page');

  // Scrolling up to the top reads and shows the page before (here the rest: the records not read
  // yet, and no others), and what was in view stays in view.
  const list = uma.page.getByRole('list', { name: 'Messages' });
  await list.evaluate((el) => {
    el.scrollTop = 0;
  });
  await uma.page.locator('.message .text', { hasText: 'first message' }).waitFor();
  expect(await shown(uma)).toEqual(texts);
  await earlier.waitFor({ state: 'detached' });
  expect(await list.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
  expect(await inView(uma, texts.at(-HISTORY_PAGE)!)).toBe(true);
  expect(await historyReads(uma)).toBe(2);
  expect(await historyRecords(uma)).toBe(texts.length + 1);

  // With the keyboard: the button is reached and pressed like any other; focus stays in the chat.
  await victor.page.reload();
  await openConversation(victor, 'uma');
  const button = victor.page.getByRole('button', { name: 'Load earlier messages' });
  await victor.page.locator('.message .text', { hasText: 'got them all' }).waitFor();
  expect(await historyRecords(victor)).toBe(HISTORY_PAGE + 1);
  // Whether the list says that the page before is being read, while it is.
  await victor.page.evaluate(() => {
    const w = window as unknown as { sawLoading: boolean };
    w.sawLoading = false;
    new MutationObserver(() => {
      w.sawLoading ||= document.body.textContent?.includes('Loading earlier messages…') === true;
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  await button.focus();
  await victor.page.keyboard.press('Enter');
  await victor.page.locator('.message .text', { hasText: 'first message' }).waitFor();
  expect(await shown(victor)).toEqual(texts);
  expect(await victor.page.evaluate(() => (window as unknown as { sawLoading: boolean }).sawLoading)).toBe(
    true,
  );
  expect(await historyReads(victor)).toBe(2);
  expect(await historyRecords(victor)).toBe(texts.length + 1);
  // Focus went with the button when it left; it is put on the list (in the next frames).
  await expect
    .poll(
      () =>
        victor.page.getByRole('list', { name: 'Messages' }).evaluate((el) => el === document.activeElement),
      { timeout: BROWSER_WAIT_MS },
    )
    .toBe(true);

  // A message arriving now is appended to the shown history, still without reading it again.
  await write(uma, 'and one more');
  await victor.page.locator('.message .text', { hasText: 'and one more' }).waitFor();
  expect(await shown(victor)).toEqual([...texts, 'and one more']);
  expect(await historyReads(victor)).toBe(2);
  expect(await historyReads(uma)).toBe(2);
}, 300_000);
