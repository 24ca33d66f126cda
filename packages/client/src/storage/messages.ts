/**
 * The history of each conversation: messages by log position with an index by message id, and own
 * messages that could never be sent (`failed`), which have no position.
 */

import type { ChatMessage } from '../chat/types.js';
import type { SealedStore } from '../store.js';
import type { Records } from './batch.js';
import { markExpiring, unmarkExpiring } from './expiring.js';
import { seqKey } from './log.js';

const messages = (groupIdHex: string) => `messages:${groupIdHex}`;
const index = (groupIdHex: string) => `message-index:${groupIdHex}`;
const unsent = (groupIdHex: string) => `unsent:${groupIdHex}`;

export async function storeMessage(r: Records, message: ChatMessage): Promise<void> {
  await r.putJson(messages(message.groupId), seqKey(message.seq), message);
  await r.putJson(index(message.groupId), message.id, message.seq);
  const { groupId, seq, id, expiresAt } = message;
  if (expiresAt !== undefined) await markExpiring(r, { groupId, seq, id, expiresAt });
}

/**
 * Store a system line (chat/systemLines.ts) at its log position: no id index (nothing can react
 * to, edit or quote it) and no expiry (the disappearing timer never removes it).
 */
export async function storeSystemEntry(r: Records, entry: ChatMessage): Promise<void> {
  await r.putJson(messages(entry.groupId), seqKey(entry.seq), entry);
}

/** Remove a stored message altogether (a disappearing message whose time is up). */
export async function removeMessage(
  r: Records,
  m: { groupId: string; seq: number; id: string },
): Promise<void> {
  await r.delete(messages(m.groupId), seqKey(m.seq));
  await r.delete(index(m.groupId), m.id);
  await unmarkExpiring(r, { groupId: m.groupId, seq: m.seq, id: m.id, expiresAt: 0 });
}

/** A stored message by its id, if this device has it. */
export async function messageById(
  r: Records,
  groupIdHex: string,
  id: string,
): Promise<ChatMessage | undefined> {
  const seq = await r.getJson<number>(index(groupIdHex), id);
  return seq === undefined ? undefined : r.getJson<ChatMessage>(messages(groupIdHex), seqKey(seq));
}

/** Keep an own message that could never be sent, in time order (it has no log position). */
export async function storeUnsent(r: Records, message: ChatMessage): Promise<void> {
  await r.putJson(
    unsent(message.groupId),
    `${String(message.sentAt).padStart(15, '0')}:${message.id}`,
    message,
  );
}

const parsed = (rows: Array<{ value: Uint8Array }>) =>
  rows.map((r) => JSON.parse(new TextDecoder().decode(r.value)) as ChatMessage);

/** The stored history, oldest first, then the messages that failed. */
export async function storedHistory(store: SealedStore, groupIdHex: string): Promise<ChatMessage[]> {
  return [...parsed(await store.list(messages(groupIdHex))), ...(await failedMessages(store, groupIdHex))];
}

/**
 * The latest `limit` stored messages before the log position key `before` (all of them when
 * undefined), oldest first, and the key to read the page before this one (undefined: none).
 */
export async function storedPage(
  store: SealedStore,
  groupIdHex: string,
  before: string | undefined,
  limit: number,
): Promise<{ messages: ChatMessage[]; earlier: string | undefined }> {
  const { rows, more } = await store.page(messages(groupIdHex), { before, limit, reverse: true });
  rows.reverse();
  return { messages: parsed(rows), earlier: more ? rows[0]!.key : undefined };
}

/** The own messages that could never be sent, in time order. */
export async function failedMessages(store: SealedStore, groupIdHex: string): Promise<ChatMessage[]> {
  return parsed(await store.list(unsent(groupIdHex)));
}
