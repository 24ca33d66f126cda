/**
 * Blocking an account: its messages, reactions, edits, receipts and typing are dropped by this
 * person's devices wherever they come from (a conversation's control messages — name, timer,
 * continuation — still apply, so the group stays one for everyone else); a conversation in which it
 * is the only other person is not listed (that is how its invitations are dropped); and the server
 * is told the list, so that presence no longer flows between the two (server blocks.ts). Blocking
 * is per account and kept on this device; each device of the person blocks for itself.
 */
import { type AppBody, canonicalUsername, MAX_BLOCKED_ACCOUNTS, ParleyError } from '@parley/core';
import { inBatch } from '../storage/batch.js';
import type { Chat } from './context.js';

/** What a blocked account's message is dropped for: all but the conversation's own settings. */
export function droppedWhenBlocked(body: AppBody): boolean {
  return body.type !== 'conversation' && body.type !== 'timer' && body.type !== 'continuation';
}

/** Block (or unblock) an account here, and tell the server when online. */
export async function setBlocked(chat: Chat, accountId: string, blocked: boolean): Promise<void> {
  let name: string;
  try {
    name = canonicalUsername(accountId);
  } catch {
    throw new ParleyError('usage', `"${accountId}" is not a username`);
  }
  if (name === chat.identity.accountId) throw new ParleyError('usage', 'you cannot block yourself');
  if (blocked && chat.blocks.all().length >= MAX_BLOCKED_ACCOUNTS)
    throw new ParleyError('usage', `at most ${MAX_BLOCKED_ACCOUNTS} accounts can be blocked`);
  const changed = await inBatch(chat.store, (w) => chat.blocks.set(w, name, blocked));
  if (!changed) return;
  for (const id of chat.conversations.ids())
    if (chat.conversations.members(id).includes(name)) chat.events.emit('conversation', id);
  await syncBlocks(chat);
}

/** Send the block list to the server if it does not have it yet (online only; again at the next online). */
export async function syncBlocks(chat: Chat): Promise<void> {
  if (chat.blocks.synced || chat.connection.state !== 'online') return;
  const accountIds = chat.blocks.all();
  const answer = await chat.connection.request({ type: 'block_list', accountIds }).catch(() => undefined);
  if (answer?.type === 'ok') await inBatch(chat.store, (w) => chat.blocks.markSynced(w, accountIds));
}

/** Whether a conversation is one only blocked accounts share with this person (not listed). */
export function onlyBlocked(chat: Chat, groupIdHex: string): boolean {
  const others = chat.conversations.members(groupIdHex).filter((m) => m !== chat.identity.accountId);
  return others.length > 0 && others.every((m) => chat.blocks.has(m));
}
