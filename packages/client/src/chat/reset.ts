/**
 * The conversation reset (docs/recovery.md): a group that could not be repaired (`group_broken`:
 * no GroupInfo its members can join from) leaves nobody able to commit. After a random delay, unless
 * a continuation arrived meanwhile, a member creates a fresh MLS group with every account of the old
 * one but the account whose device broke it, and sends a `continuation` as its first message. The
 * others attach it to the conversation only if it continues a group they saw break, in the same
 * place and by the same device, comes from a device of that group, brings nobody new in and leaves
 * the offender out; otherwise it stays a conversation of its own. Concurrent resets converge on the
 * lowest new group id.
 */
import { type AppBody, groupMembers, ParleyError } from '@parley/core';
import { type Batch, inBatch } from '../storage/batch.js';
import { removeMessage } from '../storage/messages.js';
import { TransportError } from '../transport.js';
import type { Chat } from './context.js';
import { addAccountNow, startGroup } from './membership.js';
import { enqueue, flushOutbox } from './outbox.js';
import { storeSystemLine, systemEntry } from './systemLines.js';
import type { BrokenMark, ConversationMeta, ConversationReset, GroupBroken } from './types.js';

/** How long a member waits, at random in this range, before it resets a broken group itself. */
export const RESET_DELAY_MS = { min: 5_000, max: 30_000 };

type Continuation = Extract<AppBody, { type: 'continuation' }>;
type Device = { accountId: string; deviceId: string };

const sameDevice = (a: Device | null, b: Device | null) =>
  a === null || b === null ? a === b : a.accountId === b.accountId && a.deviceId === b.deviceId;

/**
 * A group could not be repaired: remember the break (the first one: every member saw the same
 * commit there) and the group's devices then, attach a continuation offered before we saw the
 * break (a Welcome is read before the group's log), or else plan the reset.
 */
export async function markBroken(chat: Chat, info: GroupBroken): Promise<void> {
  const id = info.groupId;
  const state = chat.conversations.state(id);
  if (state === undefined) return;
  if (chat.conversations.meta(id).broken === undefined) {
    const devices = groupMembers(state).map((m) => ({ accountId: m.accountId, deviceId: m.deviceId }));
    const broken: BrokenMark = { seq: info.seq, by: info.by, devices };
    await inBatch(chat.store, (w) => chat.conversations.updateMeta(w, id, { broken }));
  }
  for (const to of chat.conversations.withState()) {
    const offer = chat.conversations.meta(to).offered;
    if (offer?.body.previousGroupId === id)
      await inBatch(chat.store, (w) => acceptContinuation(chat, w, to, offer.sender, offer.body));
  }
  scheduleReset(chat, id);
}

/** The group was repaired after all (a GroupInfo turned up): it is not to be reset. */
export async function unmarkBroken(chat: Chat, groupIdHex: string): Promise<void> {
  clearTimeout(chat.resets.timers.get(groupIdHex));
  chat.resets.timers.delete(groupIdHex);
  const meta = chat.conversations.meta(groupIdHex);
  if (meta.broken !== undefined && meta.continuedBy === undefined)
    await inBatch(chat.store, (w) => chat.conversations.updateMeta(w, groupIdHex, { broken: undefined }));
}

/**
 * Going online: finish the resets the connection cut off (before the outbox goes), and plan the
 * reset of every group marked broken and not continued yet.
 */
export async function resumeResets(chat: Chat): Promise<void> {
  for (const id of chat.conversations.withState()) {
    if (chat.conversations.meta(id).adding !== undefined) await finishReset(chat, id);
    if (resettable(chat.conversations.meta(id))) scheduleReset(chat, id);
  }
}

/** Marked broken, not continued yet, and neither left nor being left by this device. */
const resettable = (meta: ConversationMeta) =>
  meta.broken !== undefined && meta.continuedBy === undefined && !meta.ended && !meta.leaving;

function scheduleReset(chat: Chat, groupIdHex: string): void {
  if (chat.closed || chat.resets.timers.has(groupIdHex) || !resettable(chat.conversations.meta(groupIdHex)))
    return;
  const { min, max } = chat.resets.delayMs;
  const timer = setTimeout(
    () => {
      void chat
        .serial(() => resetConversation(chat, groupIdHex))
        .catch((e: unknown) => {
          // Tried again when the device next goes online.
          const code = e instanceof ParleyError ? e.code : 'internal';
          if (!chat.closed) chat.events.emit('sync_error', { code, groupId: groupIdHex });
        })
        .finally(() => chat.resets.timers.delete(groupIdHex));
    },
    min + Math.random() * Math.max(0, max - min),
  );
  (timer as { unref?: () => void }).unref?.();
  chat.resets.timers.set(groupIdHex, timer);
}

/**
 * Reset a broken group: a new group with this device, then (the conversation moved onto it and the
 * continuation queued, in one batch) every device of every other account of the old group but the
 * offender's, then the continuation sent as its first message.
 */
async function resetConversation(chat: Chat, oldId: string): Promise<void> {
  const meta = chat.conversations.meta(oldId);
  const mark = meta.broken;
  if (chat.closed || chat.connection.state !== 'online') return; // resumed when back online
  if (mark === undefined || !resettable(meta) || chat.conversations.state(oldId) === undefined) return;
  const me = chat.identity.accountId;
  // Our own account's device broke it: the others leave us out, we do not reset.
  if (mark.by?.accountId === me) return;
  const { id, state } = await startGroup(chat, chat.conversations.state(oldId)!.groupContext.cipherSuite); // the same suite
  const body: Continuation = {
    type: 'continuation',
    previousGroupId: oldId,
    brokenAtSeq: mark.seq,
    offender: mark.by,
  };
  const accounts = new Set(mark.devices.map((d) => d.accountId));
  if (mark.by !== null) accounts.delete(mark.by.accountId);
  accounts.delete(me);
  const reset = await inBatch(chat.store, async (w) => {
    await chat.conversations.saveState(w, id, state);
    const moved = await attach(chat, w, oldId, oldId, id, mark.by);
    await chat.conversations.updateMeta(w, id, { adding: [me, ...[...accounts].sort()] });
    await enqueue(chat, w, id, body);
    if (meta.name !== null) await enqueue(chat, w, id, { type: 'conversation', name: meta.name });
    return moved;
  });
  announce(chat, oldId, reset);
  await finishReset(chat, id);
  await flushOutbox(chat);
}

/**
 * Add the accounts a reset still has to add (all of them, or those left when the connection
 * dropped halfway: going online finishes the reset before the outbox is sent).
 */
async function finishReset(chat: Chat, groupIdHex: string): Promise<void> {
  for (;;) {
    const [accountId, ...rest] = chat.conversations.meta(groupIdHex).adding ?? [];
    if (accountId === undefined || !chat.conversations.active(groupIdHex)) return;
    try {
      await addAccountNow(chat, groupIdHex, accountId, true, true);
    } catch (e) {
      // One account that cannot be added (a changed identity key, …) does not keep the others out.
      if (!(e instanceof ParleyError) || e instanceof TransportError) throw e;
    }
    await inBatch(chat.store, (w) =>
      chat.conversations.updateMeta(w, groupIdHex, { adding: rest.length > 0 ? rest : undefined }),
    );
  }
}

/**
 * A `continuation` read in group `to`, from `sender`: attach `to` to the conversation it continues
 * if every rule holds, or settle a second continuation of the same group (the lowest id wins).
 * A refused one stays a conversation of its own, its offer kept in case this device sees the old
 * group break later (it read the Welcome before the old group's log).
 */
export async function acceptContinuation(
  chat: Chat,
  w: Batch,
  to: string,
  sender: Device,
  body: Continuation,
): Promise<void> {
  const root = body.previousGroupId;
  const toMeta = chat.conversations.meta(to);
  if (toMeta.continues !== undefined || toMeta.continuedBy !== undefined) return;
  if (!acceptable(chat, to, sender, body)) {
    if (toMeta.last === undefined && toMeta.offered === undefined)
      await chat.conversations.updateMeta(w, to, { offered: { sender, body } });
    return;
  }
  const current = chat.conversations.meta(root).continuedBy;
  if (current === undefined || (to < current && chat.conversations.meta(current).continuedBy === undefined)) {
    const reset = await attach(chat, w, root, current ?? root, to, body.offender);
    w.after(() => announce(chat, root, reset));
    return;
  }
  // A continuation that lost (or came after the conversation moved on again): this device leaves it.
  await chat.conversations.updateMeta(w, to, { ended: true, continuedBy: current, offered: undefined });
  await chat.conversations.dropState(w, to);
  w.after(() => chat.events.emit('conversation', to));
}

/** The acceptance rules of docs/recovery.md. */
function acceptable(chat: Chat, to: string, sender: Device, body: Continuation): boolean {
  const { broken: mark, leaving } = chat.conversations.meta(body.previousGroupId);
  // 1. Only a group this device saw break (and was not leaving), at the same commit, signed by the
  // same device.
  if (mark === undefined || leaving || to === body.previousGroupId) return false;
  if (mark.seq !== body.brokenAtSeq || !sameDevice(mark.by, body.offender)) return false;
  // 2. Sent by a device of that group (not the offender's account: it is not in the new group).
  if (!mark.devices.some((d) => sameDevice(d, sender))) return false;
  // 3. Nobody smuggled in, and the offender's account left out.
  const before = new Set(mark.devices.map((d) => d.accountId));
  const accounts = chat.conversations.members(to);
  if (accounts.some((a) => !before.has(a))) return false;
  return body.offender === null || !accounts.includes(body.offender.accountId);
}

/**
 * Move the conversation shown as `from` (the broken group `root`, or a continuation of it that lost
 * to `to`) onto `to`: name, unread and last message go along, `from` ends and its state goes.
 */
async function attach(
  chat: Chat,
  w: Batch,
  root: string,
  from: string,
  to: string,
  by: Device | null,
): Promise<ConversationReset> {
  const shown = chat.conversations.meta(from);
  // Messages read in `to` before it was attached (its offer was accepted later) stay unread and last.
  const read = chat.conversations.meta(to);
  await chat.conversations.updateMeta(w, to, {
    name: shown.name,
    // Disappearing messages go on as they were (a timer already set in `to` is newer).
    timer: read.timer ?? shown.timer,
    unread: [...shown.unread, ...read.unread],
    last: read.last ?? shown.last,
    ended: false,
    leaving: false,
    continues: from,
    offered: undefined,
  });
  await chat.conversations.updateMeta(w, from, { ended: true, continuedBy: to });
  if (root !== from) await chat.conversations.updateMeta(w, root, { continuedBy: to });
  await chat.conversations.setPending(w, from, null);
  await chat.conversations.dropState(w, from);
  // The move is the new group's first line (position 0: before all of its log), kept in history;
  // a continuation that lost says nothing any more (the winner's line says it, from the broken group).
  if (from !== root) await removeMessage(w, { groupId: from, seq: 0, id: '' });
  const line = systemEntry(to, { seq: 0, sentAt: Date.now(), from: by }, { event: 'reset', from: root, by });
  await storeSystemLine(chat, w, line);
  return { from, to, by };
}

function announce(chat: Chat, root: string, reset: ConversationReset): void {
  clearTimeout(chat.resets.timers.get(root));
  chat.resets.timers.delete(root);
  chat.events.emit('conversation_reset', reset);
  chat.events.emit('conversation', reset.from);
  chat.events.emit('conversation', reset.to);
}
