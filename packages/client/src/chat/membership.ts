/** Membership changes: start a conversation, add and remove people, leave, refresh our own leaf. */
import {
  addAccount,
  createGroup,
  DEFAULT_CIPHERSUITE,
  exportGroupInfo,
  type GroupState,
  groupMembers,
  IdentityKeyMismatchError,
  type Member,
  ownLeafIndex,
  ParleyError,
  proposeLeave,
  removeMembers,
  selfUpdate,
  toHex,
} from '@parley/core';
import { inBatch } from '../storage/batch.js';
import { markOwn } from '../storage/log.js';
import { verifyBundle } from '../transparency/keys.js';
import { type Chat, others } from './context.js';
import { commitWithRetry, sendHandshake } from './handshake.js';
import { recordIdentityChange } from './identityChanges.js';
import { enqueue, restateSettings } from './outbox.js';
import { deviceFor, suiteInfo } from './suites.js';
import { NEW_META } from './types.js';

/** Start a conversation with the given accounts (all their devices, and our other devices). */
export async function createConversation(
  chat: Chat,
  accountIds: string[],
  name: string | null,
  suite: string = DEFAULT_CIPHERSUITE,
): Promise<string> {
  const { id, state } = await startGroup(chat, suite);
  await inBatch(chat.store, async (w) => {
    await chat.conversations.saveState(w, id, state);
    await chat.conversations.saveMeta(w, id, { ...NEW_META, name });
  });
  const me = chat.identity.accountId;
  // Our other devices first, then the people.
  try {
    for (const accountId of [me, ...accountIds.filter((a) => a !== me)])
      await addAccountNow(chat, id, accountId, accountId === me, true);
  } catch (e) {
    // Nobody could be added (unknown user, a changed identity key, …): the conversation never
    // started. Its state goes; the record stays, ended, so a later sync does not rejoin it.
    await inBatch(chat.store, async (w) => {
      await chat.conversations.dropState(w, id);
      await chat.conversations.saveMeta(w, id, { ...NEW_META, name, ended: true });
    });
    throw e;
  }
  if (name !== null) await enqueue(chat, chat.store, id, { type: 'conversation', name });
  chat.events.emit('conversation', id);
  return id;
}

/** A new group of `suite` with only this device in it, registered with the server (not stored yet). */
export async function startGroup(chat: Chat, suite: string): Promise<{ id: string; state: GroupState }> {
  const device = deviceFor(chat, suite);
  const state = await createGroup(device);
  const groupId = state.groupContext.groupId;
  const created = await chat.connection.request({
    type: 'group_create',
    groupId,
    cipherSuite: suite,
    groupInfo: await exportGroupInfo(device, state),
  });
  if (created.type !== 'ok') throw new ParleyError('usage', 'the server refused the new group');
  return { id: toHex(groupId), state };
}

/** Add people (all their devices) to a conversation. */
export async function addMembers(chat: Chat, groupIdHex: string, accountIds: string[]): Promise<void> {
  let added = false;
  for (const accountId of accountIds) {
    if (chat.conversations.members(groupIdHex).includes(accountId)) continue;
    await addAccountNow(chat, groupIdHex, accountId, false);
    added = true;
  }
  if (added) await restateSettings(chat, chat.store, groupIdHex);
}

/**
 * Claim an account's key packages of the group's ciphersuite and commit its devices (not this one)
 * into the group. With `optional`, an account without key packages is skipped (our own, when we
 * have no other device); otherwise an account none of whose devices published one for the suite
 * is refused (`no_key_packages`): the group is not started without them. `quiet`: a conversation's
 * starting adds, which are no line in its history (systemLines.ts membershipLine).
 */
export async function addAccountNow(
  chat: Chat,
  groupIdHex: string,
  accountId: string,
  optional: boolean,
  quiet = false,
): Promise<void> {
  const cipherSuite = chat.conversations.state(groupIdHex)!.groupContext.cipherSuite;
  const bundle = await chat.connection.request({ type: 'kp_claim', accountId, cipherSuite });
  if (bundle.type !== 'kp_bundle') {
    if (optional) return;
    throw new ParleyError('not_a_member', `cannot add ${accountId}: no such user, or no device yet`);
  }
  // Only keys the server proves are in its key transparency log (KeyNotLoggedError otherwise).
  await verifyBundle(chat.transparency, bundle);
  const { accountId: me, deviceId } = chat.identity;
  const kps = bundle.keyPackages.filter((k) => !(accountId === me && k.deviceId === deviceId));
  if (bundle.keyPackages.length === 0 && !optional)
    throw new ParleyError(
      'no_key_packages',
      `cannot add ${accountId}: none of their devices can join a ${suiteInfo(cipherSuite).label} conversation yet`,
    );
  if (kps.length === 0) return;
  await commitWithRetry(
    chat,
    groupIdHex,
    (state) => {
      // A device may be in already: one of our own that joined by itself (by external commit, on
      // its own sync) while this commit waited. Those are not added again; nothing left, no commit.
      const present = new Set(
        groupMembers(state)
          .filter((m) => m.accountId === accountId)
          .map((m) => m.deviceId),
      );
      const fresh = kps.filter((k) => !present.has(k.deviceId)).map((k) => k.keyPackage);
      if (fresh.length === 0) return Promise.resolve(null);
      return addAccount(deviceFor(chat, state), state, accountId, fresh).catch(async (e: unknown) => {
        if (e instanceof IdentityKeyMismatchError) await recordIdentityChange(chat, e);
        throw e;
      });
    },
    { quiet },
  );
}

/**
 * Commit a fresh leaf key for this device (post-compromise security: whatever leaked of this
 * device's earlier keys no longer reads the conversation).
 */
export function updateOwnLeaf(chat: Chat, groupIdHex: string): Promise<void> {
  return commitWithRetry(chat, groupIdHex, (state) => selfUpdate(deviceFor(chat, state), state));
}

/** Remove a person (all their devices) from a conversation. */
export function removeAccount(chat: Chat, groupIdHex: string, accountId: string): Promise<void> {
  return commitWithRetry(chat, groupIdHex, async (state) =>
    chat.conversations.members(groupIdHex).includes(accountId)
      ? removeMembers(deviceFor(chat, state), state, { accountId })
      : null,
  );
}

/**
 * Leave a conversation on all of this person's devices: our other devices are removed by a
 * commit, and this one proposes its own removal (MLS lets no member commit that), which the next
 * member online commits. Until then the conversation shows as leaving; nothing more is sent.
 */
export async function leave(chat: Chat, groupIdHex: string): Promise<void> {
  const me = chat.identity.accountId;
  const state = chat.conversations.state(groupIdHex)!;
  const ownLeaf = ownLeafIndex(state);
  await removeOwnDevices(
    chat,
    groupIdHex,
    groupMembers(state).filter((m) => m.accountId === me && m.leafIndex !== ownLeaf),
  );
  if (others(chat, groupIdHex).length === 0) {
    // Nobody left to commit our removal: the conversation simply ends here.
    await inBatch(chat.store, (w) => chat.conversations.updateMeta(w, groupIdHex, { ended: true }));
    chat.events.emit('removed', groupIdHex);
    return;
  }
  await sendHandshake(chat, groupIdHex, {
    build: async () => {
      const state = chat.conversations.state(groupIdHex)!;
      const { newState, proposal } = await proposeLeave(deviceFor(chat, state), state);
      return { payload: proposal, welcome: null, newState };
    },
    refused: () => new ParleyError('usage', 'the server refused the leave request'),
    accepted: async (w, { seq }) => {
      await markOwn(w, groupIdHex, seq);
      await chat.conversations.updateMeta(w, groupIdHex, { leaving: true });
    },
  });
  chat.events.emit('conversation', groupIdHex);
}

/** Remove other devices of this account from a conversation, by one commit each. */
export async function removeOwnDevices(chat: Chat, groupIdHex: string, devices: Member[]): Promise<void> {
  const me = chat.identity.accountId;
  for (const d of devices)
    await commitWithRetry(chat, groupIdHex, async (s) =>
      groupMembers(s).some((m) => m.leafIndex === d.leafIndex)
        ? removeMembers(deviceFor(chat, s), s, { accountId: me, deviceId: d.deviceId })
        : null,
    );
}

/** A group's name, trimmed; a name is required. */
export function groupName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0) throw new ParleyError('usage', 'a group needs a name');
  return trimmed;
}
