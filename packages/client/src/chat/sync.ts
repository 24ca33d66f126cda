/**
 * Keeping up with the server: going online (key packages, Welcomes, every group's log, presence,
 * the outbox), pushes as they arrive, catching up a group page by page, and the work left at the
 * end of each batch of messages.
 */
import {
  commitPendingProposals,
  fromHex,
  type GroupCursor,
  groupEpoch,
  isActive,
  isErrorCode,
  ParleyError,
  pendingProposalCount,
  type ServerFrame,
  toHex,
} from '@parley/core';
import { inBatch } from '../storage/batch.js';
import { cursor, pruneSending } from '../storage/log.js';
import { TransportError } from '../transport.js';
import { syncBlocks } from './blocking.js';
import type { Chat } from './context.js';
import { removeFormerDevices } from './formerDevices.js';
import { removeGoneMembers } from './goneMembers.js';
import { commitWithRetry } from './handshake.js';
import { processOrRecover } from './inbound.js';
import { acceptWelcome, rejoin } from './join.js';
import { KEY_PACKAGE_TARGET, topUpKeyPackages } from './keyPackages.js';
import { flushOutbox } from './outbox.js';
import { enqueueReceipts } from './receipts.js';
import { resumeResets } from './reset.js';
import { deviceFor } from './suites.js';

const FETCH_PAGE = 200;
/**
 * Work that failed or was refused as `rate_limited` (a catch-up, the outbox) is tried again after
 * a delay that doubles with each failure in a row, from about a second up to a minute.
 */
const RETRY = { initialMs: 1_000, maxMs: 60_000 };
/** A send older than this when a catch-up starts has been stored by the server, if it ever will be. */
const SEND_SETTLED_MS = 60_000;

/**
 * Going online: replenish key packages, collect Welcomes, catch up every group (rejoining those
 * whose state this device lost), remove deleted accounts (goneMembers.ts), learn who is online,
 * flush the outbox. Everything the server
 * hands out comes in bounded pages. A group whose catch-up fails is reported (`sync_error`) and
 * tried again later without stopping the others; a failed step of the sync itself throws (the
 * caller reports it, see syncFailed).
 */
export async function onOnline(chat: Chat): Promise<void> {
  // Marks of sends older than this that the catch-up does not meet never reached the server: the
  // margin covers a send the server was still storing when the connection dropped.
  const settledBefore = Date.now() - SEND_SETTLED_MS;
  chat.broken.clear(); // a GroupInfo may have been published since: try those again
  chat.later.resync = false;
  await topUpKeyPackages(chat);
  await syncBlocks(chat);
  // Messages sent just before the connection dropped may be in the log without this device
  // knowing their position: send them again first (the server answers with the position it
  // stored them at), so the catch-up below recognises them as our own instead of failing to
  // decrypt them (MLS deletes a sender's own message keys).
  await flushOutbox(chat, true);
  await collectWelcomes(chat);
  let after: Uint8Array = new Uint8Array();
  for (;;) {
    const sync = answerOf(await chat.connection.request({ type: 'sync', after }), 'sync_state');
    // A group listed here that this device holds no state of may have added it after the
    // Welcomes were collected above (a Welcome is stored with the commit that sends it): collect
    // them again, once, so that the device joins from its Welcome, not by an external commit.
    if (sync.groups.some((g) => stateless(chat, toHex(g.groupId)))) await collectWelcomes(chat);
    for (const g of sync.groups) await step(chat, toHex(g.groupId), () => syncGroup(chat, g, settledBefore));
    // A newly linked device: join the conversations of this account's other devices.
    for (const g of sync.joinable) {
      const id = toHex(g);
      if (!chat.conversations.state(id))
        await step(chat, id, async () => {
          if (await rejoin(chat, id, 0, false)) await removeFormerDevices(chat, id);
        });
    }
    if (!sync.more) break;
    after = sync.cursor;
  }
  await resumeResets(chat);
  await removeGoneMembers(chat, (id, work) => step(chat, id, work));
  chat.presence.stale = true;
  await afterBatch(chat);
  settled(chat);
}

/** The Welcomes kept for this device, page by page: join each (or report it and drop it). */
async function collectWelcomes(chat: Chat): Promise<void> {
  let after: Uint8Array = new Uint8Array();
  for (;;) {
    const page = answerOf(await chat.connection.request({ type: 'welcome_fetch', after }), 'welcomes');
    for (const w of page.items)
      await step(chat, toHex(w.groupId), () => acceptWelcome(chat, w.groupId, w.seq, w.welcome));
    const last = page.items.at(-1);
    if (!page.more || last === undefined) return;
    after = last.groupId;
  }
}

/** A group this device is in on the server but holds no state of, and has not ended. */
const stateless = (chat: Chat, id: string) =>
  !chat.conversations.state(id) && !chat.conversations.meta(id).ended;

/** Catch up a group we hold, or rejoin one whose state this device lost. */
async function syncGroup(chat: Chat, g: GroupCursor, settledBefore: number): Promise<void> {
  const id = toHex(g.groupId);
  if (chat.conversations.state(id)) {
    await catchUp(chat, id);
    await pruneSending(chat.store, id, settledBefore);
    const at = await cursor(chat.store, id);
    if (at > g.acked) chat.acks.ack(id, at);
  } else if (!chat.conversations.meta(id).ended) await rejoin(chat, id, g.head - g.acked);
}

export async function onPush(chat: Chat, f: ServerFrame): Promise<void> {
  if (f.type === 'welcome') await acceptWelcome(chat, f.groupId, f.seq, f.welcome);
  else if (f.type === 'deliver') {
    const id = toHex(f.groupId);
    const at = await cursor(chat.store, id);
    if (f.seq <= at) return; // already processed (at-least-once delivery)
    if (f.seq !== at + 1) await step(chat, id, () => catchUp(chat, id));
    else await processOrRecover(chat, id, f.seq, f.payload);
  } else if (f.type === 'account_gone') {
    await removeGoneMembers(chat, (id, work) => step(chat, id, work));
  } else if (f.type === 'presence') {
    chat.presence.update(f.entries);
    return;
  } else if (f.type === 'kp_remaining' && f.cipherSuite != null) {
    await topUpKeyPackages(chat, f.cipherSuite); // another suite's packages ran low
    return;
  } else if (f.type === 'kp_remaining' && f.oneTime < KEY_PACKAGE_TARGET / 2) {
    await onOnline(chat);
    return;
  }
  await afterBatch(chat);
}

/**
 * What a batch of processed messages leaves to do: delivered receipts, committing members'
 * leave requests, and the outbox (which also carries those receipts).
 */
export async function afterBatch(chat: Chat): Promise<void> {
  for (const [groupIdHex, ids] of chat.later.receipts) {
    chat.later.receipts.delete(groupIdHex);
    await inBatch(chat.store, (w) => enqueueReceipts(chat, w, groupIdHex, 'delivered', [...ids]));
  }
  for (const groupIdHex of [...chat.later.commits]) {
    chat.later.commits.delete(groupIdHex);
    await commitWithRetry(chat, groupIdHex, async (state) =>
      pendingProposalCount(state) === 0 ? null : commitPendingProposals(deviceFor(chat, state), state),
    ).catch(() => {}); // another member may have committed it first; nothing is lost either way
  }
  await chat.presence.refreshIfStale();
  await flushOutbox(chat);
}

/**
 * Fetch and process everything after the cursor, page by page. With `serverEpoch` (the group's
 * epoch in a `stale_epoch` answer to our commit): if the whole log is processed and our state is
 * still behind that epoch, a commit we never applied sits behind our cursor (skipped as
 * undecryptable by an older client, say), so no commit of ours can ever win: rejoin.
 */
export async function catchUp(chat: Chat, groupIdHex: string, serverEpoch?: number): Promise<void> {
  if ((await fetchAndProcess(chat, groupIdHex)) !== 'done' || serverEpoch === undefined) return;
  const state = chat.conversations.state(groupIdHex);
  const behind = state !== undefined && isActive(state) && groupEpoch(state) < BigInt(serverEpoch);
  if (behind && !chat.broken.has(groupIdHex)) await rejoin(chat, groupIdHex, 0);
}

async function fetchAndProcess(chat: Chat, groupIdHex: string): Promise<'done' | 'stopped'> {
  if (!chat.conversations.state(groupIdHex)) return 'stopped';
  const groupId = fromHex(groupIdHex);
  for (;;) {
    const after = await cursor(chat.store, groupIdHex);
    const answer = await chat.connection.request({
      type: 'fetch',
      groupId,
      afterSeq: after,
      limit: FETCH_PAGE,
    });
    // Over the server's frame rate: fetch again shortly (the pushed message that revealed the
    // gap was not processed, and nothing else may come to trigger it). Any other refusal throws.
    if (answer.type === 'error' && answer.code === 'rate_limited') {
      retryLater(chat, groupIdHex);
      return 'stopped';
    }
    const page = answerOf(answer, 'messages');
    for (const m of page.items) {
      const outcome = await processOrRecover(chat, groupIdHex, m.seq, m.payload);
      if (outcome === 'rejoined') break; // the cursor moved past our external commit
      // Left while processing it (a conversation reset moved on from this group): nothing to read.
      if (!chat.conversations.state(groupIdHex)) return 'stopped';
    }
    if (!page.more && (await cursor(chat.store, groupIdHex)) >= (page.items.at(-1)?.seq ?? 0)) return 'done';
  }
}

/** The answer of the expected type; an `error` answer (or any other) as a typed error. */
function answerOf<T extends ServerFrame['type']>(f: ServerFrame, type: T): Extract<ServerFrame, { type: T }> {
  if (f.type === type) return f as Extract<ServerFrame, { type: T }>;
  if (f.type === 'error') throw new ParleyError(isErrorCode(f.code) ? f.code : 'protocol', f.message);
  throw new TransportError('protocol', `unexpected answer ${f.type} to a request for ${type}`);
}

/**
 * One group's part of a sync: its failure is reported and the group tried again later, while the
 * others go on. A lost connection stops the whole sync (going online again starts it over).
 */
async function step(chat: Chat, groupIdHex: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (e) {
    if (connectionLost(e)) throw e;
    syncFailed(chat, e, groupIdHex);
  }
}

function connectionLost(e: unknown): boolean {
  return e instanceof TransportError && (e.code === 'offline' || e.code === 'closed');
}

/**
 * A step of catching up failed (an error answer, an unreadable one, a timeout, a bug): tell the
 * application (`sync_error`) and try again later with backoff, the group's catch-up when one
 * failed, else the whole sync. Nothing is tried while offline: going online syncs everything.
 */
export function syncFailed(chat: Chat, error: unknown, groupIdHex?: string): void {
  if (chat.closed || connectionLost(error)) return;
  const code = error instanceof ParleyError ? error.code : 'internal';
  chat.events.emit('sync_error', { code, groupId: groupIdHex ?? null });
  if (groupIdHex === undefined) chat.later.resync = true;
  chat.later.failures++;
  retryLater(chat, groupIdHex);
}

/** A sync or retry went through with nothing left to try again: the backoff starts over. */
function settled(chat: Chat): void {
  if (chat.later.resync || chat.later.catchUps.size > 0 || chat.later.failures === 0) return;
  chat.later.failures = 0;
  chat.events.emit('synced');
}

/**
 * Catch up `groupIdHex` (when given), or sync everything after a failed sync, and flush the outbox
 * again later (after `rate_limited` or a failure). A reconnect syncs everything anyway, so nothing
 * is tried while offline.
 */
export function retryLater(chat: Chat, groupIdHex?: string): void {
  if (groupIdHex !== undefined) chat.later.catchUps.add(groupIdHex);
  if (chat.later.retryTimer !== undefined || chat.closed) return;
  // Equal jitter: half the ceiling, plus up to the other half at random.
  const ceiling = Math.min(RETRY.maxMs, RETRY.initialMs * 2 ** Math.min(chat.later.failures, 16));
  chat.later.retryTimer = setTimeout(
    () => {
      chat.later.retryTimer = undefined;
      if (chat.connection.state !== 'online') return;
      void chat.serial(() => retry(chat)).catch((e: unknown) => syncFailed(chat, e));
    },
    ceiling / 2 + (Math.random() * ceiling) / 2,
  );
  (chat.later.retryTimer as { unref?: () => void }).unref?.();
}

async function retry(chat: Chat): Promise<void> {
  if (chat.later.resync) return onOnline(chat);
  for (const id of [...chat.later.catchUps]) {
    chat.later.catchUps.delete(id);
    await step(chat, id, () => catchUp(chat, id));
  }
  await afterBatch(chat);
  settled(chat);
}
