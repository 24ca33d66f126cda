/**
 * A conversation of 10,000 messages in the web app, in real Chromium (issue #19). A real
 * conversation is made (an SDK person writes, the browser person answers in the app); then 10,000
 * more messages are written into the browser's store the way the SDK stores arriving ones
 * (longHistoryPage.ts), and the app is loaded again. Opening the conversation reads and unseals
 * its latest page only and shows its newest message (the time it takes, measured in the page, is
 * printed: bench/README.md); scrolling back twelve pages walks the history in order with a bounded
 * number of messages in the page, and scrolling back down reads and unseals nothing again (reads
 * of the history and the records they return are counted below the app, in IndexedDB).
 */
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { HISTORY_PAGE } from '../src/containers/chatState.js';
import {
  browserSuite,
  conversation,
  expectAccessible,
  hasKeyPackages,
  openConversation,
  type Person,
  register,
  send,
} from './browser.js';
import { countHistoryReads, historyReads, historyRecords } from './historyReads.js';
import { longNumber, longText, type writeLongHistory } from './longHistoryPage.js';
import { bundleForPage } from './pageBundle.js';
import { sdkPerson } from './sdkPerson.js';

const COUNT = 10_000;
/** Opening is timed this many times (the app loaded afresh each time); the median is printed. */
const RUNS = 5;
/** The most messages the page may hold at once, whatever the history's length. */
const MOST_SHOWN = 4 * HISTORY_PAGE;
/**
 * How many pages the walk goes back before coming down again: well past the three the list shows,
 * so the window slides over pages read from the store on the way up and over pages held in memory
 * on the way down (walking all 200 pages proves nothing more and takes minutes of key presses).
 */
const WALK_PAGES = 12;
const FIRST = 'hello uma';
const REPLY = 'hi victor';

const suite = browserSuite();

/** Someone in a browser context where the test may add its own script to the app's pages. */
async function scriptablePerson(name: string): Promise<Person> {
  const context = await suite.browser.newContext({ bypassCSP: true, viewport: { width: 1100, height: 760 } });
  await countHistoryReads(context);
  const page = await context.newPage();
  const p: Person = { name, context, page, problems: [] };
  suite.people.push(p);
  page.on('pageerror', (e) => p.problems.push(`page error: ${e.message}`));
  await page.goto(suite.served.url);
  return p;
}

/** A message's place in the history: the real first two, then the long history's numbers. */
function order(text: string): number {
  if (text === FIRST) return -1;
  if (text === REPLY) return 0;
  const n = longNumber(text);
  if (n === undefined) throw new Error(`unexpected message ${text}`);
  return n;
}

interface Shown {
  /** Items of the list (messages, controls, notices) in the page. */
  items: number;
  /** The messages in the page, by their place in the history, in page order. */
  places: number[];
}

async function shown(page: Page): Promise<Shown> {
  const { items, texts } = await page.getByRole('list', { name: 'Messages' }).evaluate((list) => ({
    items: list.querySelectorAll(':scope > li').length,
    texts: Array.from(list.querySelectorAll('.message .text'), (e) => e.textContent ?? ''),
  }));
  return { items, places: texts.map(order) };
}

/** The messages shown are consecutive in the history, and not more than a bounded number. */
function expectWindow(s: Shown): void {
  expect(s.places.length).toBeGreaterThan(0);
  expect(s.places.length).toBeLessThanOrEqual(MOST_SHOWN);
  expect(s.items).toBeLessThanOrEqual(MOST_SHOWN + 6);
  expect(s.places).toEqual(s.places.map((_, i) => s.places[0]! + i));
}

/** Click the conversation and wait, in the page, until its newest message is in view: the time taken. */
function timedOpen(page: Page, newest: string): Promise<number> {
  return page.evaluate(async (text) => {
    const button = document.querySelector<HTMLButtonElement>(
      'button.conversation[data-conversation="victor"]',
    );
    if (button === null) throw new Error('no conversation to open');
    const inView = () => {
      const list = document.querySelector('ol.messages');
      const item = Array.from(list?.querySelectorAll('.message .text') ?? []).find(
        (e) => e.textContent === text,
      );
      if (list === null || item === undefined) return false;
      const box = list.getBoundingClientRect();
      const r = item.getBoundingClientRect();
      return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
    };
    const start = performance.now();
    button.click();
    while (!inView()) await new Promise((resolve) => requestAnimationFrame(resolve));
    return performance.now() - start;
  }, newest);
}

/** The texts of the messages in the page, as one string. */
const shownTexts = () =>
  JSON.stringify(Array.from(document.querySelectorAll('ol.messages .message .text'), (e) => e.textContent));

/** Press `key` in the focused list until the messages shown change (at most `presses` times). */
async function pressUntilMoved(page: Page, key: string, presses: number): Promise<void> {
  const was = await page.evaluate(shownTexts);
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press(key);
    const moved = await page
      .waitForFunction(
        (before) =>
          JSON.stringify(
            Array.from(document.querySelectorAll('ol.messages .message .text'), (e) => e.textContent),
          ) !== before,
        was,
        { timeout: 2_000 },
      )
      .then(() => true)
      .catch(() => false); // not moved yet (a key that scrolls a little at a time): press again
    if (moved) return;
  }
  throw new Error(`${key} did not move the history shown`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

test('a 10,000-message conversation opens on its newest page, walks back in order with few messages in the page, and is not read again on the way down', async () => {
  const code = await bundleForPage(new URL('./longHistoryPage.ts', import.meta.url), 'LongHistory');
  const uma = await scriptablePerson('uma');
  await register(uma);
  await hasKeyPackages(suite.served, 'uma');
  const victor = await sdkPerson(suite.served.url, 'victor');
  const groupId = await victor.client.directConversation('uma');
  await victor.client.sendText(groupId, FIRST);
  await openConversation(uma, 'victor');
  await uma.page.locator('.message .text', { hasText: FIRST }).waitFor();
  await send(uma, REPLY);
  await uma.page.locator('.message.mine .ticks:not([data-status="sending"])').waitFor();
  await expect.poll(() => victor.inbox, { timeout: 20_000 }).toContain(REPLY);
  await victor.client.close();

  await uma.page.addScriptTag({ content: code });
  const total = await uma.page.evaluate(
    ([count]) =>
      (
        window as unknown as { LongHistory: { writeLongHistory: typeof writeLongHistory } }
      ).LongHistory.writeLongHistory('uma', count!),
    [COUNT],
  );
  expect(total).toBe(COUNT + 2);

  // Opened afresh each time: the newest message in view, its page alone read and unsealed (and one
  // record more, to know that there is a page before it).
  const newest = longText(COUNT);
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await uma.page.reload();
    await conversation(uma, 'victor').waitFor();
    times.push(await timedOpen(uma.page, newest));
    expect(await historyReads(uma.page)).toBe(1);
    expect(await historyRecords(uma.page)).toBe(HISTORY_PAGE + 1);
  }
  console.log(
    `opening a ${COUNT.toLocaleString('en')}-message conversation: median ${median(times).toFixed(1)} ms ` +
      `(runs: ${times.map((t) => t.toFixed(1)).join(', ')} ms)`,
  );
  expectWindow(await shown(uma.page));
  expect((await shown(uma.page)).places.at(-1)).toBe(COUNT);

  // Back with the keyboard: PageUp first, then Home, each move showing earlier messages
  // next to those shown, never more than a few pages of them.
  const list = uma.page.getByRole('list', { name: 'Messages' });
  await list.focus();
  await pressUntilMoved(uma.page, 'PageUp', 40);
  let now = await shown(uma.page);
  expectWindow(now);
  const later = uma.page.getByRole('button', { name: 'Show later messages' });
  let checked = false;
  // Far enough back that the window has slid well past the pages it shows (it holds three).
  const back = COUNT - WALK_PAGES * HISTORY_PAGE;
  for (let moves = 0; now.places[0]! > back; moves++) {
    expect(moves).toBeLessThan(2 * WALK_PAGES + 10);
    const first = now.places[0]!;
    await pressUntilMoved(uma.page, 'Home', 5);
    now = await shown(uma.page);
    expectWindow(now);
    expect(now.places[0]).toBeLessThan(first);
    if (!checked && (await later.isVisible())) {
      // Between the two ends, the list offers both ways, and stays accessible.
      checked = true;
      await expect(uma.page.getByRole('button', { name: 'Load earlier messages' }).isVisible()).resolves.toBe(
        true,
      );
      await expectAccessible(uma, 'a long history, moved back a few pages', 'ol.messages');
    }
  }
  expect(checked).toBe(true);
  // Each page read once, on the way up (a page's read takes one record more, to know whether
  // there is a page before it).
  const reads = await historyReads(uma.page);
  expect(reads).toBeGreaterThanOrEqual(WALK_PAGES);
  expect(await historyRecords(uma.page)).toBe(reads * (HISTORY_PAGE + 1));

  // Back down to the newest with End: the pages are still there, nothing is read or unsealed again.
  for (let moves = 0; now.places.at(-1) !== COUNT; moves++) {
    expect(moves).toBeLessThan(2 * WALK_PAGES + 10);
    const last = now.places.at(-1)!;
    await pressUntilMoved(uma.page, 'End', 5);
    now = await shown(uma.page);
    expectWindow(now);
    expect(now.places.at(-1)).toBeGreaterThan(last);
  }
  expect(await historyReads(uma.page)).toBe(reads);
  expect(await historyRecords(uma.page)).toBe(reads * (HISTORY_PAGE + 1));
  // The history is not a live region: nothing of it was said by the announcer.
  expect(await uma.page.getByTestId('announcer').textContent()).toBe('');
}, 600_000);
