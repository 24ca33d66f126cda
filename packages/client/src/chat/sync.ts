/**
 * Keeping up with the server: going online (key packages, Welcomes, every group's log, presence,
 * the outbox), pushes as they arrive, catching up a group page by page, and the work left at the
 * end of each batch of messages.
 */
import {
  commitPendingProposals,
  fromHex,
  groupEpoch,
  isActive,
  pendingProposalCount,
  type ServerFrame,
  toHex,
} from '@parley/core';
import { inBatch } from '../storage/batch.js';
import { cursor } from '../storage/log.js';
import type { Chat } from './context.js';
import { commitWithRetry } from './handshake.js';
import { processOrRecover } from './inbound.js';
import { acceptWelcome, rejoin } from './join.js';
import { KEY_PACKAGE_TARGET, topUpKeyPackages } from './keyPackages.js';
import { flushOutbox } from './outbox.js';
import { enqueueReceipts } from './receipts.js';

const FETCH_PAGE = 200;
/** Work the server refused as `rate_limited` (a fetch, the outbox) is tried again this long after. */
const RETRY_MS = 1_000;

/**
 * Going online: replenish key packages, collect Welcomes, catch up every group (rejoining those
 * whose state this device lost), learn who is online, flush the outbox.
 */
export async function onOnline(chat: Chat): Promise<void> {
  chat.broken.clear(); // a GroupInfo may have been published since: try those again
  await topUpKeyPackages(chat);
  // Messages sent just before the connection dropped may be in the log without this device
  // knowing their position: send them again first (the server answers with the position it
  // stored them at), so the catch-up below recognises them as our own instead of failing to
  // decrypt them (MLS deletes a sender's own message keys).
  await flushOutbox(chat, true);
  const sync = await chat.connection.request({ type: 'sync' });
  if (sync.type === 'sync_state') {
    for (const w of sync.welcomes) await acceptWelcome(chat, w.groupId, w.seq, w.welcome);
    for (const g of sync.groups) {
      const id = toHex(g.groupId);
      if (chat.conversations.state(id)) {
        await catchUp(chat, id);
        const at = await cursor(chat.store, id);
        if (at > g.acked) chat.acks.ack(id, at);
      } else if (!chat.conversations.meta(id).ended) await rejoin(chat, id, g.head - g.acked);
    }
    // A newly linked device: join the conversations of this account's other devices.
    for (const g of sync.joinable) {
      const id = toHex(g);
      if (!chat.conversations.state(id)) await rejoin(chat, id, 0, false);
    }
  }
  chat.presence.stale = true;
  await afterBatch(chat);
}

export async function onPush(chat: Chat, f: ServerFrame): Promise<void> {
  if (f.type === 'welcome') await acceptWelcome(chat, f.groupId, f.seq, f.welcome);
  else if (f.type === 'deliver') {
    const id = toHex(f.groupId);
    const at = await cursor(chat.store, id);
    if (f.seq <= at) return; // already processed (at-least-once delivery)
    if (f.seq !== at + 1) await catchUp(chat, id);
    else await processOrRecover(chat, id, f.seq, f.payload);
  } else if (f.type === 'presence') {
    chat.presence.update(f.entries);
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
      pendingProposalCount(state) === 0 ? null : commitPendingProposals(chat.device, state),
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
    const page = await chat.connection.request({
      type: 'fetch',
      groupId,
      afterSeq: after,
      limit: FETCH_PAGE,
    });
    if (page.type !== 'messages') {
      // Over the server's frame rate: fetch again shortly (the pushed message that revealed the
      // gap was not processed, and nothing else may come to trigger it).
      if (page.type === 'error' && page.code === 'rate_limited') retryLater(chat, groupIdHex);
      return 'stopped';
    }
    for (const m of page.items) {
      const outcome = await processOrRecover(chat, groupIdHex, m.seq, m.payload);
      if (outcome === 'rejoined') break; // the cursor moved past our external commit
      // Held until the identity change is acknowledged, or until a GroupInfo lets us rejoin.
      if (outcome === 'held') return 'stopped';
    }
    if (!page.more && (await cursor(chat.store, groupIdHex)) >= (page.items.at(-1)?.seq ?? 0)) return 'done';
  }
}

/**
 * After the server said `rate_limited`: catch up `groupIdHex` (when given) and flush the outbox
 * again shortly. A reconnect syncs everything anyway, so nothing is tried while offline.
 */
export function retryLater(chat: Chat, groupIdHex?: string): void {
  if (groupIdHex !== undefined) chat.later.catchUps.add(groupIdHex);
  if (chat.later.retryTimer !== undefined || chat.closed) return;
  chat.later.retryTimer = setTimeout(() => {
    chat.later.retryTimer = undefined;
    if (chat.connection.state !== 'online') return;
    void chat
      .serial(async () => {
        for (const id of [...chat.later.catchUps]) {
          chat.later.catchUps.delete(id);
          await catchUp(chat, id);
        }
        await afterBatch(chat);
      })
      .catch(() => {});
  }, RETRY_MS);
  (chat.later.retryTimer as { unref?: () => void }).unref?.();
}
