/**
 * Counting, in a browser context's pages, how often the app reads a conversation's history from
 * IndexedDB and how many records those reads return. The SDK's history() is the only reader of the
 * `messages:<conversation>` records, with one getAll or one cursor each time, and each record
 * returned is one the SDK unseals: the counts are taken below the app, where it cannot skip them.
 * The counts start at 0 on every load of a page.
 */
import type { BrowserContext, Page } from 'playwright-core';

interface Counted {
  historyReads: number;
  historyRecords: number;
}

export async function countHistoryReads(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as Counted;
    w.historyReads = 0;
    w.historyRecords = 0;
    const ofHistory = (query: unknown) =>
      query instanceof IDBKeyRange &&
      Array.isArray(query.lower) &&
      String(query.lower[0]).startsWith('messages:');
    const getAll = IDBObjectStore.prototype.getAll;
    IDBObjectStore.prototype.getAll = function (this: IDBObjectStore, ...args: Parameters<typeof getAll>) {
      const r = getAll.apply(this, args);
      if (ofHistory(args[0])) {
        w.historyReads++;
        r.addEventListener('success', () => {
          w.historyRecords += r.result.length;
        });
      }
      return r;
    };
    const openCursor = IDBObjectStore.prototype.openCursor;
    IDBObjectStore.prototype.openCursor = function (
      this: IDBObjectStore,
      ...args: Parameters<typeof openCursor>
    ) {
      const r = openCursor.apply(this, args);
      if (ofHistory(args[0])) {
        w.historyReads++;
        // One success per record the cursor steps onto, and a last one (null) at the range's end.
        r.addEventListener('success', () => {
          if (r.result !== null) w.historyRecords++;
        });
      }
      return r;
    };
  });
}

/** Reads of the history since the page loaded. */
export const historyReads = (page: Page) => page.evaluate(() => (window as unknown as Counted).historyReads);

/** Records those reads returned. */
export const historyRecords = (page: Page) =>
  page.evaluate(() => (window as unknown as Counted).historyRecords);
