/**
 * Processing the group log, one message at a time, strictly in order: what a message changes (group
 * state, history, conversation, outbox, cursor, markers) lands in one batch, so after a crash a
 * message is either wholly processed or not at all, never half nor twice.
 */
import {
  type AppMessage,
  bytesEqual,
  decodeAppMessage,
  groupEpoch,
  groupMembers,
  messageEpoch,
  ownLeafIndex,
  ParleyError,
  processIncoming,
} from '@parley/core';
import { Batch, inBatch } from '../storage/batch.js';
import { advanceCursor, isOwn, wasSending } from '../storage/log.js';
import { storeMessage } from '../storage/messages.js';
import { checkInterrupted } from '../transparency/firstContact.js';
import { HeadGossip } from '../transparency/gossip.js';
import { applyAnnotation } from './annotations.js';
import { droppedWhenBlocked } from './blocking.js';
import { contentFields } from './content.js';
import { type Chat, others } from './context.js';
import { applyTimer, expired, sweepAt } from './disappearing.js';
import { publishGroupInfo } from './handshake.js';
import {
  heldMessages,
  holdMessage,
  noticeIdentityChange,
  releaseHeld,
  unaccepted,
} from './identityChanges.js';
import { flushOutbox, restateSettings } from './outbox.js';
import { withQuotes } from './quotes.js';
import { applyReceipt, readElsewhere, toAcknowledge } from './receipts.js';
import { brokenCommit, recover } from './repair.js';
import { acceptContinuation } from './reset.js';
import { StateBehind } from './stateBehind.js';
import { deviceFor } from './suites.js';
import { membershipLine, storeSystemLine, systemEntry } from './systemLines.js';
import type { ChatMessage } from './types.js';

type Processed = Awaited<ReturnType<typeof processIncoming>>;
type Sender = { accountId: string; deviceId: string };

/**
 * Process one message; a state found behind is rejoined, a commit we cannot apply is repaired
 * (repair.ts). A device of a changed identity key entering the group is let in and the change
 * recorded: the log goes on, while what we send there and what that device sends are held until
 * the person accepts the key (identityChanges.ts).
 */
export async function processOrRecover(
  chat: Chat,
  groupIdHex: string,
  seq: number,
  payload: Uint8Array,
): Promise<'processed' | 'rejoined'> {
  try {
    await processMessage(chat, groupIdHex, seq, payload);
    return 'processed';
  } catch (e) {
    if (!(e instanceof StateBehind)) throw e;
    if (await recover(chat, groupIdHex, e)) return 'rejoined';
    // No way back in: skip this message (reported by recover), so that the members' later
    // messages of our epoch still arrive.
    await inBatch(chat.store, (w) => advanceCursor(w, groupIdHex, seq));
    chat.acks.ack(groupIdHex, seq);
    return 'processed';
  }
}

async function processMessage(
  chat: Chat,
  groupIdHex: string,
  seq: number,
  payload: Uint8Array,
): Promise<void> {
  const state = chat.conversations.state(groupIdHex);
  if (state === undefined) return;
  const w = new Batch(chat.store);
  const mine = chat.conversations.pending(groupIdHex);
  let published: number | undefined;
  // Our own messages come back in the log (MLS cannot decrypt them: it deletes the sender's key);
  // they are recognised by their position, marked when the server stored them.
  if (await isOwn(chat.store, groupIdHex, seq)) {
    // Nothing to process.
  } else if (mine !== undefined && bytesEqual(mine.commit, payload)) {
    // Our own commit, whose answer the connection lost: its result is the state we kept.
    await membershipLine(chat, w, groupIdHex, seq, mine.newState, chat.identity.accountId);
    await chat.conversations.setPending(w, groupIdHex, null);
    await chat.conversations.saveState(w, groupIdHex, mine.newState);
    published = Number(groupEpoch(mine.newState));
    w.after(() => {
      chat.presence.stale = true;
      chat.events.emit('conversation', groupIdHex);
    });
  } else {
    let result: Processed | undefined;
    let app: AppMessage | undefined;
    try {
      result = await processIncoming(deviceFor(chat, state), state, payload, {
        onIdentityChange: (change) => noticeIdentityChange(chat, change),
      });
      if (result.kind === 'application') app = decodeAppMessage(result.plaintext);
    } catch (e) {
      // A key check that could not be made (offline, or the log untrusted): try again later.
      if (checkInterrupted(e)) throw e;
      // Decrypted but not decodable: the ratchet moved on all the same (stored before anything
      // else may send from this state).
      const advanced = result?.newState;
      if (advanced !== undefined)
        await inBatch(chat.store, (b) => chat.conversations.saveState(b, groupIdHex, advanced));
      await failed(chat, w, groupIdHex, seq, payload, e);
      result = undefined;
    }
    if (result !== undefined) await apply(chat, w, groupIdHex, seq, result, app);
  }
  await advanceCursor(w, groupIdHex, seq);
  w.after(() => chat.acks.ack(groupIdHex, seq));
  await w.commit();
  if (published !== undefined) await publishGroupInfo(chat, groupIdHex, published);
}

/** A message that could not be processed: rejoined, repaired, or reported (unless it is ours after all). */
async function failed(
  chat: Chat,
  w: Batch,
  groupIdHex: string,
  seq: number,
  payload: Uint8Array,
  e: unknown,
): Promise<void> {
  const code = e instanceof ParleyError ? e.code : 'internal';
  const state = chat.conversations.state(groupIdHex)!;
  // Our state is behind the group (commits we can no longer process): rejoin.
  if (code === 'wrong_epoch' && (messageEpoch(payload) ?? 0n) > groupEpoch(state)) throw new StateBehind(1);
  // A commit of our epoch that we cannot apply (its author broke the group): repair at once.
  const broken = await brokenCommit(chat, state, seq, payload, code);
  if (broken !== undefined) throw broken;
  // One of ours whose answer was lost (a timeout) is not marked yet: sending it again gets its
  // position from the server.
  await flushOutbox(chat, true).catch(() => {});
  // One that was never to be sent again (a typing indicator, a gossiped head) is known by its mark.
  if (!(await isOwn(w, groupIdHex, seq)) && !(await wasSending(w, groupIdHex, payload)))
    w.after(() => chat.events.emit('undecryptable', { groupId: groupIdHex, seq, code }));
}

/** Stage what a processed message changes. */
async function apply(
  chat: Chat,
  w: Batch,
  groupIdHex: string,
  seq: number,
  result: Processed,
  app: AppMessage | undefined,
): Promise<void> {
  // Another commit took the epoch: ours, if it is still pending, can no longer be accepted.
  if (result.kind === 'commit') await chat.conversations.setPending(w, groupIdHex, null);
  await chat.conversations.saveState(w, groupIdHex, result.newState);
  if (app !== undefined && result.kind === 'application') {
    // From a device of an identity key the person has not accepted: not shown as from that person
    // until accepted (typing indicators are dropped).
    if (!(await unaccepted(chat, result.sender)))
      await onApplication(chat, w, groupIdHex, seq, result.sender, app);
    else if (app.body.type !== 'typing')
      await holdMessage(w, groupIdHex, seq, result.sender, result.plaintext);
  } else if (result.kind === 'commit') {
    await membershipLine(chat, w, groupIdHex, seq, result.newState, result.committer?.accountId ?? null);
    await onCommit(chat, w, groupIdHex, result);
  } else if (result.kind === 'proposal' && result.sender?.accountId !== chat.identity.accountId) {
    // A member asked to leave: commit it (whoever is first wins; the others catch up).
    w.after(() => chat.later.commits.add(groupIdHex));
  }
}

async function onCommit(
  chat: Chat,
  w: Batch,
  groupIdHex: string,
  result: Extract<Processed, { kind: 'commit' }>,
): Promise<void> {
  if (result.removedSelf) {
    // Removed by someone, unless we asked to leave (then a member only committed our request).
    const removedBy = chat.conversations.meta(groupIdHex).leaving ? undefined : result.committer?.accountId;
    await chat.conversations.updateMeta(w, groupIdHex, { ended: true, leaving: false, removedBy });
    w.after(() => chat.events.emit('removed', groupIdHex));
  }
  if (result.added.length > 0) {
    w.after(() => {
      chat.presence.stale = true;
    });
    // Someone joined by external commit (a person's new device): they cannot know the group's
    // name and timer, so the member with the lowest leaf tells them.
    const addedLeaves = new Set(result.added.map((m) => m.leafIndex));
    const firstOld = groupMembers(result.newState).find((m) => !addedLeaves.has(m.leafIndex));
    if (result.committer === null && firstOld?.leafIndex === ownLeafIndex(result.newState))
      await restateSettings(chat, w, groupIdHex);
  }
  w.after(() => chat.events.emit('conversation', groupIdHex));
}

async function onApplication(
  chat: Chat,
  w: Batch,
  groupIdHex: string,
  seq: number,
  sender: Sender,
  app: AppMessage,
) {
  const fromMe = sender.accountId === chat.identity.accountId;
  const body = app.body;
  if (!fromMe && chat.blocks.has(sender.accountId) && droppedWhenBlocked(body)) return;
  switch (body.type) {
    case 'text':
    case 'attachment': {
      if (expired(body.expiresAt)) return; // its time was up before it got here: never stored
      const message: ChatMessage = {
        groupId: groupIdHex,
        seq,
        id: app.id,
        from: { accountId: sender.accountId, deviceId: sender.deviceId },
        sentAt: app.sentAt,
        status: fromMe ? 'sent' : 'received',
        ...contentFields(body),
        ...(fromMe ? { recipients: others(chat, groupIdHex), deliveredTo: [], readBy: [] } : {}),
      };
      await storeMessage(w, message);
      const { unread, last } = chat.conversations.meta(groupIdHex);
      await chat.conversations.updateMeta(w, groupIdHex, {
        unread: fromMe ? unread : [...unread, app.id],
        // A message held until its sender's key was accepted may come after later ones.
        last: last !== undefined && last.seq > seq ? last : message,
      });
      if (!fromMe) toAcknowledge(chat, w, groupIdHex, app.id);
      const [shown] = await withQuotes(chat, w, [message]);
      w.after(() => {
        if (body.expiresAt !== undefined) sweepAt(chat, body.expiresAt);
        chat.events.emit('message', shown!);
        chat.events.emit('conversation', groupIdHex);
      });
      return;
    }
    case 'receipt':
      // Read on another of our devices: not unread here either.
      if (fromMe && body.receipt === 'read') await readElsewhere(chat, w, groupIdHex, body.ids);
      if (fromMe) return;
      for (const id of body.ids) await applyReceipt(chat, w, groupIdHex, id, sender.accountId, body.receipt);
      return;
    case 'typing':
      if (!fromMe) w.after(() => chat.typing.received(groupIdHex, sender.accountId, body.active));
      return;
    case 'continuation':
      await acceptContinuation(chat, w, groupIdHex, sender, body);
      return;
    case 'conversation': {
      const was = chat.conversations.meta(groupIdHex).name;
      await chat.conversations.updateMeta(w, groupIdHex, { name: body.name });
      w.after(() => chat.events.emit('conversation', groupIdHex));
      // A new name (not the first one, nor the same restated for newcomers) is a line of the history.
      if (was === null || was === body.name) return;
      const at = {
        seq,
        id: app.id,
        sentAt: app.sentAt,
        from: { accountId: sender.accountId, deviceId: sender.deviceId },
      };
      await storeSystemLine(
        chat,
        w,
        systemEntry(groupIdHex, at, { event: 'renamed', name: body.name, by: sender.accountId }),
      );
      return;
    }
    case 'timer': {
      if (!(await applyTimer(chat, w, groupIdHex, sender.accountId, body.seconds))) return;
      const { accountId, deviceId } = sender;
      const at = { seq, id: app.id, sentAt: app.sentAt, from: { accountId, deviceId } };
      await storeSystemLine(
        chat,
        w,
        systemEntry(groupIdHex, at, { event: 'timer', seconds: body.seconds, by: accountId }),
      );
      return;
    }
    case 'reaction':
    case 'edit':
    case 'delete':
      await applyAnnotation(chat, w, groupIdHex, sender, app, body);
      return;
    case 'key_log':
      // Compared with this device's view once the batch is stored (it asks the server for a proof).
      if (!fromMe) w.after(() => HeadGossip.received(chat, body.head));
      return;
    default:
      // Kinds from newer clients: not shown by this version.
      return;
  }
}

/** The person accepted `sender`'s identity key: the messages held from its devices appear, in log order. */
export async function releaseHeldMessages(chat: Chat, accountId: string): Promise<void> {
  const pinned = await chat.identities.get(accountId);
  if (pinned === undefined) return;
  for (const { key, held, plaintext } of await heldMessages(chat.store, accountId, pinned.identityKey))
    await inBatch(chat.store, async (w) => {
      await releaseHeld(w, key);
      if (!chat.conversations.active(held.groupId)) return;
      await onApplication(chat, w, held.groupId, held.seq, held.sender, decodeAppMessage(plaintext));
    });
}
