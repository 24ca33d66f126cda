/**
 * Removing deleted accounts from conversations (issue #18). An account deleted by the server's
 * operator, or whose own leave did not reach a conversation, keeps its MLS leaves until a member's
 * commit removes them. The server names such accounts (`gone_get`, at each sync and when it
 * pushes `account_gone`), each with the `account_deleted` entry its key transparency log holds.
 * A member believes it only with proof: the entry, rebuilt here from the account's name and the
 * time the server gives, must be in the log at that index under a head this device accepted
 * (transparency/view.ts); otherwise nobody is removed and `sync_error` says `deletion_not_logged`.
 * A server that logs a deletion it did not make cannot hide it: the entry stays in its
 * append-only log, where the owner's devices see it (transparency/monitor.ts `key_alert`).
 *
 * Every member that learns it commits the removal: the first commit wins, the others meet
 * `stale_epoch`, catch up, and find nothing left to remove (commitWithRetry rebuilds from the
 * newest state). Each member shows "bob's account was deleted" once, where the removal stands.
 */
import {
  commitPendingProposals,
  DeletionNotLoggedError,
  encodeLogEntry,
  type GoneMember,
  groupMembers,
  logLeaf,
  merkle,
  pendingProposalCount,
  removeMembers,
  toHex,
} from '@parley/core';
import { inBatch } from '../storage/batch.js';
import { cursor } from '../storage/log.js';
import type { Chat } from './context.js';
import { commitWithRetry } from './handshake.js';
import { deviceFor } from './suites.js';
import { storeSystemLine, systemEntry } from './systemLines.js';

const NS = 'gone';

/** Runs one group's work, reporting its failure without stopping the others (sync.ts `step`). */
export type Step = (groupIdHex: string, work: () => Promise<unknown>) => Promise<void>;

/** Ask the server which accounts of this device's groups were deleted, and remove them. */
export async function removeGoneMembers(chat: Chat, step: Step): Promise<void> {
  const answer = await chat.connection.request({ type: 'gone_get' });
  if (answer.type !== 'gone') return; // a server that predates it: nothing to learn
  const proven = new Set<string>(); // one proof per deletion, however many groups it is in
  for (const item of answer.items) {
    const id = toHex(item.groupId);
    await step(id, () => removeGone(chat, id, item, proven));
  }
}

/** Check one deleted account's deletion in the log, remove its leaves, and say so once. */
export async function removeGone(
  chat: Chat,
  groupIdHex: string,
  item: GoneMember,
  proven = new Set<string>(),
): Promise<void> {
  if (chat.conversations.state(groupIdHex) === undefined || item.accountId === chat.identity.accountId)
    return;
  const key = `${groupIdHex}:${item.accountId}:${item.logIndex}`;
  const shown = (await chat.store.get(NS, key)) !== undefined;
  const present = () => chat.conversations.members(groupIdHex).includes(item.accountId);
  if (shown && !present()) return;
  const deletion = `${item.accountId}:${item.logIndex}:${item.loggedAt}`;
  if (!proven.has(deletion)) await proveDeletion(chat, item);
  proven.add(deletion);
  // Proposals pending (the account's own leave, say) are committed first, on their own: a commit
  // must not remove one leaf twice (RFC 9420 §12.2); then what is left of the account goes. Only
  // while the server says a deleted leaf remains: once they are all removed, whoever holds the name
  // now (registered again after the quarantine) is someone else.
  for (let round = 0; round < 2 && item.removedSeq === 0 && present(); round++)
    await commitWithRetry(chat, groupIdHex, async (state) => {
      if (!groupMembers(state).some((m) => m.accountId === item.accountId)) return null;
      const device = deviceFor(chat, state);
      return pendingProposalCount(state) > 0
        ? commitPendingProposals(device, state)
        : removeMembers(device, state, { accountId: item.accountId });
    });
  if (shown) return;
  const seq = item.removedSeq > 0 ? item.removedSeq : await cursor(chat.store, groupIdHex);
  const at = { seq, id: `gone-${item.logIndex}-${item.accountId}`, sentAt: Date.now(), from: null };
  await inBatch(chat.store, async (w) => {
    await w.put(NS, key, new Uint8Array([1]));
    await storeSystemLine(
      chat,
      w,
      systemEntry(groupIdHex, at, { event: 'account_deleted', accountId: item.accountId }),
    );
  });
}

/**
 * The `account_deleted` entry the server names must be in its log, proved against the newest head
 * this device accepted; DeletionNotLoggedError otherwise.
 */
export async function proveDeletion(chat: Chat, item: GoneMember): Promise<void> {
  const head = await chat.transparency.refresh();
  const refuse = new DeletionNotLoggedError(item.accountId);
  if (item.logIndex >= head.size) throw refuse;
  const proof = await chat.connection.request({
    type: 'log_inclusion_get',
    index: item.logIndex,
    size: head.size,
  });
  if (proof.type !== 'log_inclusion') throw refuse;
  const entry = encodeLogEntry({
    kind: 'account_deleted',
    accountId: item.accountId,
    loggedAt: item.loggedAt,
  });
  if (!merkle.verifyInclusion(logLeaf(entry), item.logIndex, head.size, proof.path, head.root)) throw refuse;
}
