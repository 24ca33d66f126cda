/** Receipts: "delivered" when a device stored a message, "read" when the person saw it. */
import type { MessageId } from '@parley/core';
import type { Batch } from '../storage/batch.js';
import { messageById, storeMessage } from '../storage/messages.js';
import type { Chat } from './context.js';
import { enqueue } from './outbox.js';
import type { ChatMessage, MessageStatus } from './types.js';

/** Delivered receipts are sent in conversations of at most this many people (they cost n² messages). */
export const RECEIPT_MAX_MEMBERS = 32;
const MAX_RECEIPT_IDS = 256;

/** A message from someone else was stored: acknowledge it at the end of the batch (afterBatch). */
export function toAcknowledge(chat: Chat, w: Batch, groupIdHex: string, id: MessageId): void {
  if (chat.conversations.members(groupIdHex).length > RECEIPT_MAX_MEMBERS) return;
  w.after(() => {
    const ids = chat.later.receipts.get(groupIdHex) ?? new Set();
    chat.later.receipts.set(groupIdHex, ids.add(id));
  });
}

export async function enqueueReceipts(
  chat: Chat,
  w: Batch,
  groupIdHex: string,
  receipt: 'delivered' | 'read',
  ids: string[],
): Promise<void> {
  if (!chat.conversations.active(groupIdHex)) return;
  for (let i = 0; i < ids.length; i += MAX_RECEIPT_IDS)
    await enqueue(chat, w, groupIdHex, { type: 'receipt', receipt, ids: ids.slice(i, i + MAX_RECEIPT_IDS) });
}

/** The person read these messages on another of their devices: not unread here either. */
export async function readElsewhere(chat: Chat, w: Batch, groupIdHex: string, ids: string[]): Promise<void> {
  const { unread } = chat.conversations.meta(groupIdHex);
  await chat.conversations.updateMeta(w, groupIdHex, { unread: unread.filter((i) => !ids.includes(i)) });
  w.after(() => chat.events.emit('conversation', groupIdHex));
}

/** The person has seen a conversation: clear its unread count and queue read receipts. */
export async function markRead(chat: Chat, w: Batch, groupIdHex: string): Promise<boolean> {
  const { unread } = chat.conversations.meta(groupIdHex);
  if (unread.length === 0) return false;
  await chat.conversations.updateMeta(w, groupIdHex, { unread: [] });
  await enqueueReceipts(chat, w, groupIdHex, 'read', unread);
  return true;
}

/** Someone's receipt for one of our messages: update who got / read it and its status. */
export async function applyReceipt(
  chat: Chat,
  w: Batch,
  groupIdHex: string,
  id: MessageId,
  accountId: string,
  receipt: 'delivered' | 'read',
): Promise<void> {
  const message = await messageById(w, groupIdHex, id);
  if (message === undefined || message.from.accountId !== chat.identity.accountId) return;
  const deliveredTo = new Set(message.deliveredTo ?? []).add(accountId);
  const readBy = new Set(message.readBy ?? []);
  if (receipt === 'read') readBy.add(accountId);
  const updated: ChatMessage = {
    ...message,
    deliveredTo: [...deliveredTo],
    readBy: [...readBy],
    status: statusOf(message.recipients ?? [], deliveredTo, readBy),
  };
  await storeMessage(w, updated);
  if (chat.conversations.meta(groupIdHex).last?.id === id)
    await chat.conversations.updateMeta(w, groupIdHex, { last: updated });
  if (updated.status !== message.status)
    w.after(() =>
      chat.events.emit('message_status', {
        groupId: groupIdHex,
        id,
        status: updated.status,
        seq: message.seq,
      }),
    );
}

function statusOf(recipients: string[], deliveredTo: Set<string>, readBy: Set<string>): MessageStatus {
  if (recipients.length > 0 && recipients.every((r) => readBy.has(r))) return 'read';
  if (recipients.length > 0 && recipients.every((r) => deliveredTo.has(r))) return 'delivered';
  return 'sent';
}
