/**
 * After an identity reset (identityReset.ts): the devices this account had before it are revoked,
 * yet their leaves stay in the conversations, certified by the former identity key, until a
 * member's commit removes them. The reset device keeps that former key (written before its client
 * first opens); joining a conversation it does not take those leaves for a device claiming to be
 * the person (no warning, nothing held), and once in, it removes them.
 */
import { bytesEqual, fromHex, groupMembers, toHex, utf8 } from '@parley/core';
import type { SealedStore } from '../store.js';
import type { Chat } from './context.js';
import { removeOwnDevices } from './membership.js';

const FORMER = 'former-identity';

/** Keep the key this account had before its identity was reset (a new device's store). */
export function keepFormerIdentity(store: SealedStore, identityKey: Uint8Array): Promise<void> {
  return store.put(FORMER, 'key', utf8(toHex(identityKey)));
}

async function formerKey(chat: Chat): Promise<Uint8Array | undefined> {
  const stored = await chat.store.get(FORMER, 'key');
  return stored === undefined ? undefined : fromHex(new TextDecoder().decode(stored));
}

/** Whether `identityKey` is the one this account had before its reset (its own former devices). */
export async function isFormerOwnKey(
  chat: Chat,
  accountId: string,
  identityKey: Uint8Array,
): Promise<boolean> {
  if (accountId !== chat.identity.accountId) return false;
  const former = await formerKey(chat);
  return former !== undefined && bytesEqual(former, identityKey);
}

/** Remove this account's former devices from a conversation just joined. */
export async function removeFormerDevices(chat: Chat, groupIdHex: string): Promise<void> {
  const former = await formerKey(chat);
  const state = chat.conversations.state(groupIdHex);
  if (former === undefined || state === undefined) return;
  const me = chat.identity.accountId;
  const stale = groupMembers(state).filter((m) => m.accountId === me && bytesEqual(m.identityKey, former));
  await removeOwnDevices(chat, groupIdHex, stale);
}
