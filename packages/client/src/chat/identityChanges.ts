/**
 * Contacts whose identity key changed: recorded, and, until the person accepts the new key, holding
 * what this device sends in their conversations and what arrives from devices of the new key.
 */
import {
  bytesEqual,
  fromHex,
  fromUtf8,
  groupMembers,
  type IdentityKeyMismatchError,
  type Member,
  ParleyError,
  toHex,
  utf8,
} from '@parley/core';
import type { Records } from '../storage/batch.js';
import type { SealedStore } from '../store.js';
import type { Chat } from './context.js';
import { isFormerOwnKey } from './formerDevices.js';

const CHANGES = 'identity-changes';
/** Messages from a device certified by a key not accepted yet, by `<account, hex>:<group>:<seq>`. */
const HELD = 'identity-held';

export async function recordIdentityChange(chat: Chat, e: IdentityKeyMismatchError): Promise<void> {
  await chat.store.put(CHANGES, e.accountId, e.presentedKey);
  chat.events.emit('identity_changed', { accountId: e.accountId, presentedKey: e.presentedKey });
}

/** Record a change met in a group's log, warning once per key presented (a commit checks a leaf twice). */
export async function noticeIdentityChange(chat: Chat, e: IdentityKeyMismatchError): Promise<void> {
  // Our own devices from before an identity reset: removed once joined (formerDevices.ts).
  if (await isFormerOwnKey(chat, e.accountId, e.presentedKey)) return;
  const known = await chat.store.get(CHANGES, e.accountId);
  if (known === undefined || !bytesEqual(known, e.presentedKey)) await recordIdentityChange(chat, e);
}

/** Contacts whose identity key changed and who are waiting for the person's decision. */
export async function pendingIdentityChanges(store: SealedStore): Promise<string[]> {
  return (await store.list(CHANGES)).map((r) => r.key);
}

/**
 * Whether a conversation includes someone in `changed` (pendingIdentityChanges()). A device of our
 * own account under another identity key holds only the conversations it is in (we are in all).
 */
export function heldBy(chat: Chat, groupIdHex: string, changed: string[]): boolean {
  const me = chat.identity.accountId;
  if (chat.conversations.members(groupIdHex).some((m) => m !== me && changed.includes(m))) return true;
  const state = changed.includes(me) ? chat.conversations.state(groupIdHex) : undefined;
  return (
    state !== undefined &&
    groupMembers(state).some(
      (m) => m.accountId === me && !bytesEqual(m.identityKey, chat.identity.identityKey),
    )
  );
}

/** Pin the key a contact presented (unverified); false if no change was waiting. */
export async function acceptIdentityChange(chat: Chat, accountId: string): Promise<boolean> {
  // Our own account's key is this device's: another one is a device claiming to be ours (one the
  // server slipped in, say). Pinning it would lock this device out of its own profile.
  if (accountId === chat.identity.accountId)
    throw new ParleyError(
      'usage',
      'a device under another identity key claims to be yours: it cannot be accepted; revoke it from one of your devices',
    );
  const presented = await chat.store.get(CHANGES, accountId);
  if (presented === undefined) return false;
  await chat.identities.put({ accountId, identityKey: presented, verified: false, pinnedAt: Date.now() });
  await chat.store.delete(CHANGES, accountId);
  return true;
}

/** Whether a member device is certified by an identity key the person has not accepted (yet). */
export async function unaccepted(chat: Chat, sender: Member): Promise<boolean> {
  // Cheap in the common case: no change waiting for this account.
  if ((await chat.store.get(CHANGES, sender.accountId)) === undefined) return false;
  const pinned = await chat.identities.get(sender.accountId);
  return pinned === undefined || !bytesEqual(pinned.identityKey, sender.identityKey);
}

/** An application message held until its sender's identity key is accepted. */
export interface HeldMessage {
  groupId: string;
  seq: number;
  sender: { accountId: string; deviceId: string };
  identityKey: string;
  plaintext: string;
}

const heldPrefix = (accountId: string) => toHex(utf8(accountId));
const heldKey = (accountId: string, groupIdHex: string, seq: number) =>
  `${heldPrefix(accountId)}:${groupIdHex}:${String(seq).padStart(12, '0')}`;

export async function holdMessage(
  w: Records,
  groupIdHex: string,
  seq: number,
  sender: Member,
  plaintext: Uint8Array,
): Promise<void> {
  const held: HeldMessage = {
    groupId: groupIdHex,
    seq,
    sender: { accountId: sender.accountId, deviceId: sender.deviceId },
    identityKey: toHex(sender.identityKey),
    plaintext: toHex(plaintext),
  };
  await w.putJson(HELD, heldKey(sender.accountId, groupIdHex, seq), held);
}

/** The messages held from devices of `accountId` certified by `identityKey`, in log order per group. */
export async function heldMessages(
  store: SealedStore,
  accountId: string,
  identityKey: Uint8Array,
): Promise<Array<{ key: string; held: HeldMessage; plaintext: Uint8Array }>> {
  // ';' is the character after ':', and a hex prefix is never a longer one's start followed by ':'.
  const prefix = heldPrefix(accountId);
  const rows = await store.list(HELD, { after: `${prefix}:`, before: `${prefix};` });
  return rows
    .map((r) => ({ key: r.key, held: JSON.parse(fromUtf8(r.value)) as HeldMessage }))
    .filter((r) => r.held.identityKey === toHex(identityKey))
    .map((r) => ({ ...r, plaintext: fromHex(r.held.plaintext) }));
}

export function releaseHeld(w: Records, key: string): Promise<void> {
  return w.delete(HELD, key);
}
