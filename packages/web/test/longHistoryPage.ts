/**
 * What longHistory.test.ts bundles for the page: a long history written into the browser's store
 * of a signed-in account the way the SDK writes arriving messages (storeMessage in a Batch over
 * the SealedStore, on this browser's IndexedDB records, under the device's own storage key), so
 * that the app then opens it as any history. The messages are made from ones the SDK really
 * stored in the conversation (their shape, the conversation, the senders and their devices).
 */
import { type ChatMessage, SealedStore } from '@parley/client';
import { BrowserDevices } from '@parley/client/browser';
import { toHex } from '@parley/core';
import { inBatch } from '../../client/dist/storage/batch.js';
import { storeMessage } from '../../client/dist/storage/messages.js';

/** A message's text in the long history: its number first, then a line of varying length. */
export function longText(i: number): string {
  const words = ['the', 'history', 'goes', 'on', 'and', 'on', 'with', 'more', 'words', 'here'];
  return `#${String(i).padStart(5, '0')} ${words.slice(0, 2 + (i % 9)).join(' ')}`;
}

/** The number a long-history text starts with (undefined for another message). */
export function longNumber(text: string): number | undefined {
  const m = /^#(\d{5}) /.exec(text);
  return m === null ? undefined : Number(m[1]);
}

const PER_BATCH = 500;

/**
 * Write `count` messages after those stored in `accountId`'s only conversation, alternating
 * between the other person (received) and this account (sent, read), numbered 1 to `count`.
 * Their log positions follow the newest stored message's; the conversation's last message becomes
 * the newest written, as when it arrives. Resolves with the number of messages the
 * conversation's history then holds.
 */
export async function writeLongHistory(accountId: string, count: number): Promise<number> {
  const devices = await BrowserDevices.open();
  const device = await devices.load(accountId);
  if (device === undefined) throw new Error(`this browser holds no device of ${accountId}`);
  const records = await devices.openRecords(accountId);
  devices.close();
  const store = new SealedStore(records, device.storageKey);
  const groups = await store.list('conversations');
  if (groups.length !== 1) throw new Error('expected exactly one conversation');
  const groupId = groups[0]!.key;
  const stored = (await store.list(`messages:${groupId}`)).map(
    (r) => JSON.parse(new TextDecoder().decode(r.value)) as ChatMessage,
  );
  const theirs = stored.find((m) => m.from.accountId !== accountId);
  const mine = stored.find((m) => m.from.accountId === accountId);
  if (theirs === undefined || mine === undefined) throw new Error('expected a message from each side');
  const newest = stored.at(-1)!;
  const newId = () => toHex(crypto.getRandomValues(new Uint8Array(newest.id.length / 2)));
  let last: ChatMessage = newest;
  for (let from = 1; from <= count; from += PER_BATCH) {
    await inBatch(store, async (w) => {
      for (let i = from; i < from + PER_BATCH && i <= count; i++) {
        const own = i % 3 === 0;
        const base = own ? mine : theirs;
        last = {
          ...base,
          seq: newest.seq + i,
          id: newId(),
          sentAt: newest.sentAt + i,
          text: longText(i),
          status: own ? 'read' : 'received',
          ...(own ? { deliveredTo: base.recipients ?? [], readBy: base.recipients ?? [] } : {}),
        };
        await storeMessage(w, last);
      }
    });
  }
  const meta = await store.getJson<Record<string, unknown>>('conversations', groupId);
  await store.putJson('conversations', groupId, { ...meta, last });
  await records.close();
  return stored.length + count;
}
