/**
 * Per-conversation log position: the cursor (last log position processed) and the markers of this
 * device's own messages waiting in the log past it. A marker exists only ahead of the cursor: the
 * batch that moves the cursor past it deletes it, so markers never pile up.
 */
import { fromUtf8, toHex } from '@parley/core';
import type { SealedStore } from '../store.js';
import { type Batch, inBatch, type Records } from './batch.js';

const CURSORS = 'cursors';
/** Own messages (and commits) the server stored at a position this device has not processed yet. */
const own = (groupIdHex: string) => `own:${groupIdHex}`;
/** Own messages handed to the server whose position is not known yet (see markSending). */
const sending = (groupIdHex: string) => `sending:${groupIdHex}`;
/** Markers of earlier versions, one `done:`/`own:` record per message in this namespace. */
const LEGACY = 'meta';

export function seqKey(seq: number): string {
  return String(seq).padStart(15, '0');
}

export async function cursor(r: Records, groupIdHex: string): Promise<number> {
  return (await r.getJson<number>(CURSORS, groupIdHex)) ?? 0;
}

/** Move the cursor to `seq` and drop the own markers it passes, in the same batch. */
export async function advanceCursor(w: Batch, groupIdHex: string, seq: number): Promise<void> {
  const from = await cursor(w, groupIdHex);
  await w.putJson(CURSORS, groupIdHex, seq);
  if (seq === from + 1) await w.delete(own(groupIdHex), seqKey(seq));
  else
    for (const { key } of await w.store.list(own(groupIdHex)))
      if (Number(key) <= seq) await w.delete(own(groupIdHex), key);
}

/**
 * The server stored one of our messages at `seq`: when it comes back in the log it is recognised
 * as ours (MLS cannot decrypt one's own messages). Not needed once the cursor is past it.
 */
export async function markOwn(r: Records, groupIdHex: string, seq: number): Promise<void> {
  if (seq > (await cursor(r, groupIdHex))) await r.put(own(groupIdHex), seqKey(seq), new Uint8Array([1]));
}

export async function isOwn(r: Records, groupIdHex: string, seq: number): Promise<boolean> {
  return (await r.get(own(groupIdHex), seqKey(seq))) !== undefined;
}

/**
 * Earlier versions wrote a `done:` and an `own:` record per message and never deleted them: drop
 * them all, keeping as current markers the own ones still ahead of their cursor. One batch.
 */
export async function dropLegacyMarkers(store: SealedStore): Promise<void> {
  const legacy = await store.list(LEGACY);
  if (legacy.length === 0) return;
  await inBatch(store, async (w) => {
    for (const { key } of legacy) {
      await w.delete(LEGACY, key);
      const [kind, groupIdHex, seq] = key.split(':');
      if (kind === 'own' && groupIdHex !== undefined && seq !== undefined)
        await markOwn(w, groupIdHex, Number(seq));
    }
  });
}

/**
 * A message is about to leave with no retry behind it (a typing indicator, a gossiped head):
 * marked by its last 16 bytes (its content's AEAD tag, unique per message), so that if the answer
 * is lost (the device closed or went offline), the message met again in the log is known for ours,
 * which MLS cannot decrypt, rather than reported as unreadable. Outbox items need no mark: one
 * whose answer was lost is sent again, and the server answers with its position (inbound.ts). The
 * mark goes in the batch that records the answer (`clearSending`), when the message is met, or,
 * for a send that never reached the server, at the next catch-up (`pruneSending`).
 */
export function sendingKey(payload: Uint8Array): string {
  return toHex(payload.subarray(Math.max(0, payload.length - 16)));
}

export async function markSending(r: Records, groupIdHex: string, payload: Uint8Array): Promise<void> {
  await r.putJson(sending(groupIdHex), sendingKey(payload), Date.now());
}

export async function clearSending(r: Records, groupIdHex: string, payload: Uint8Array): Promise<void> {
  await r.delete(sending(groupIdHex), sendingKey(payload));
}

/** Whether `payload` is one of ours whose answer was lost (and forget it: it has been met). */
export async function wasSending(w: Records, groupIdHex: string, payload: Uint8Array): Promise<boolean> {
  const key = sendingKey(payload);
  if ((await w.get(sending(groupIdHex), key)) === undefined) return false;
  await w.delete(sending(groupIdHex), key);
  return true;
}

/**
 * The log has been processed to a head read after `before`: a message marked before then that
 * reached the server has been met; the marks left are of sends that never arrived. Dropped, so
 * that marks never pile up.
 */
export async function pruneSending(store: SealedStore, groupIdHex: string, before: number): Promise<void> {
  const marks = await store.list(sending(groupIdHex));
  if (marks.length === 0) return;
  const stale = marks.filter(({ value }) => !(markedAt(value) >= before));
  if (stale.length === 0) return;
  await inBatch(store, async (w) => {
    for (const { key } of stale) await w.delete(sending(groupIdHex), key);
  });
}

/** When a mark was made (NaN for one of an earlier version, which held no time). */
function markedAt(value: Uint8Array): number {
  const text = fromUtf8(value);
  return /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
}
