/** Contacts whose identity key changed: recorded, and holding their conversations until accepted. */
import type { IdentityKeyMismatchError } from '@parley/core';
import type { SealedStore } from '../store.js';
import type { Chat } from './context.js';

const CHANGES = 'identity-changes';

export async function recordIdentityChange(chat: Chat, e: IdentityKeyMismatchError): Promise<void> {
  await chat.store.put(CHANGES, e.accountId, e.presentedKey);
  chat.events.emit('identity_changed', { accountId: e.accountId, presentedKey: e.presentedKey });
}

/** Contacts whose identity key changed and who are waiting for the person's decision. */
export async function pendingIdentityChanges(store: SealedStore): Promise<string[]> {
  return (await store.list(CHANGES)).map((r) => r.key);
}

/** Whether a conversation includes someone in `changed` (pendingIdentityChanges()). */
export function heldBy(chat: Chat, groupIdHex: string, changed: string[]): boolean {
  return chat.conversations.members(groupIdHex).some((m) => changed.includes(m));
}

/** Pin the key a contact presented (unverified); false if no change was waiting. */
export async function acceptIdentityChange(chat: Chat, accountId: string): Promise<boolean> {
  const presented = await chat.store.get(CHANGES, accountId);
  if (presented === undefined) return false;
  await chat.identities.put({ accountId, identityKey: presented, verified: false, pinnedAt: Date.now() });
  await chat.store.delete(CHANGES, accountId);
  return true;
}
