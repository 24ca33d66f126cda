/** Joining a conversation: from a Welcome, or by external commit (rejoin a lost or stale state). */
import {
  DEFAULT_CIPHERSUITE,
  fromHex,
  IdentityKeyMismatchError,
  joinByExternalCommit,
  joinCiphersuite,
  joinFromWelcome,
  ParleyError,
  toHex,
} from '@parley/core';
import { inBatch } from '../storage/batch.js';
import { advanceCursor } from '../storage/log.js';
import { checkInterrupted } from '../transparency/firstContact.js';
import type { Chat } from './context.js';
import { sendHandshake } from './handshake.js';
import { noticeIdentityChange } from './identityChanges.js';
import { consumeKeyPackage, keyPackageFinder } from './keyPackages.js';
import { unmarkBroken } from './reset.js';
import { deviceFor } from './suites.js';
import { NEW_META } from './types.js';

/** A Welcome (at log position `seq`): join if it is new to us, acknowledge it, catch up. */
export async function acceptWelcome(
  chat: Chat,
  groupId: Uint8Array,
  seq: number,
  welcome: Uint8Array,
): Promise<void> {
  const id = toHex(groupId);
  // A group this device left for another that continues the conversation (reset.ts): its Welcome
  // (handed out again, or pushed late) is not joined a second time.
  if (chat.conversations.meta(id).continuedBy !== undefined) {
    await chat.connection.request({ type: 'welcome_ack', groupId, accepted: false });
    return;
  }
  // New to us, or a conversation we had left or been removed from and are added to again.
  if (!chat.conversations.state(id) || chat.conversations.meta(id).ended) {
    let joined: Awaited<ReturnType<typeof joinFromWelcome>>;
    try {
      // A member under a key the person has not accepted yet is let in and reported: what this
      // device sends there is held until they decide (identityChanges.ts).
      joined = await joinFromWelcome(
        deviceFor(chat, joinCiphersuite(welcome) ?? DEFAULT_CIPHERSUITE),
        welcome,
        keyPackageFinder(chat.store),
        {
          onIdentityChange: (change) => noticeIdentityChange(chat, change),
        },
      );
    } catch (e) {
      if (!(e instanceof ParleyError) || e instanceof IdentityKeyMismatchError) throw e;
      // A key check that could not be made (offline, or the log untrusted): the Welcome stays.
      if (checkInterrupted(e)) throw e;
      // A Welcome this device cannot use (damaged, or refused by MLS): say so and drop it, so it
      // does not stop every later sync; the device joins by external commit at the next sync.
      chat.events.emit('undecryptable', { groupId: id, seq, code: e.code });
      await chat.connection.request({ type: 'welcome_ack', groupId, accepted: false });
      return;
    }
    await inBatch(chat.store, async (w) => {
      await chat.conversations.saveState(w, id, joined.state);
      await advanceCursor(w, id, seq);
      await chat.conversations.updateMeta(w, id, { ended: false, leaving: false });
      await consumeKeyPackage(w, joined.keyPackageRef);
    });
    chat.presence.stale = true;
    chat.events.emit('joined', id);
    chat.events.emit('conversation', id);
  }
  // We hold the group's state (joined now, or earlier from this Welcome): the server counts this
  // device as joined, which presence needs (a Welcome dropped above does not count).
  await chat.connection.request({ type: 'welcome_ack', groupId, accepted: true });
  await chat.catchUp(id);
}

/**
 * Rejoin a conversation whose state this device lost (or which moved on without it) by external
 * commit from the GroupInfo a member published, replacing our old leaf (RFC 9420 §12.4.3.2).
 * Messages between our cursor and the rejoin cannot be read; they are counted in `rejoined`.
 * With `resync` false, a device of a member joins for the first time (`joined`). `announce`, when
 * given, is called with our commit's log position instead of emitting `rejoined` (a repair says
 * more, see repair.ts). Returns false when there was no GroupInfo to join from.
 */
export async function rejoin(
  chat: Chat,
  groupIdHex: string,
  missed: number,
  resync = true,
  announce?: (seq: number) => void,
): Promise<boolean> {
  const groupId = fromHex(groupIdHex);
  const sent = await sendHandshake(chat, groupIdHex, {
    build: async () => {
      const info = await chat.connection.request({ type: 'group_info_get', groupId });
      if (info.type !== 'group_info') {
        // A repair (`announce`) reports its own failure.
        if (announce === undefined)
          chat.events.emit('undecryptable', { groupId: groupIdHex, seq: 0, code: 'state_lost' });
        return null;
      }
      const joined = await joinByExternalCommit(
        deviceFor(chat, joinCiphersuite(info.groupInfo) ?? DEFAULT_CIPHERSUITE),
        info.groupInfo,
        {
          resync,
          onIdentityChange: (change) => noticeIdentityChange(chat, change),
        },
      );
      return {
        payload: joined.commit,
        welcome: null,
        groupInfo: joined.groupInfo,
        newState: joined.newState,
      };
    },
    // A newer GroupInfo is fetched by the next build: nothing to catch up with a lost state.
    afterStale: async () => {},
    refused: () => new ParleyError('invalid_commit', 'the server refused the rejoin'),
    // The cursor moves to our commit: what came before it can no longer be read.
    accepted: async (w, { seq }) => {
      await advanceCursor(w, groupIdHex, seq);
      if (!chat.conversations.hasMeta(groupIdHex))
        await chat.conversations.saveMeta(w, groupIdHex, { ...NEW_META });
    },
  });
  if (sent === null) return false;
  // Back in: a group marked broken is not to be reset any more.
  await unmarkBroken(chat, groupIdHex);
  chat.acks.ack(groupIdHex, sent.seq);
  chat.presence.stale = true;
  if (announce !== undefined) announce(sent.seq);
  else if (resync) chat.events.emit('rejoined', { groupId: groupIdHex, missed });
  else chat.events.emit('joined', groupIdHex);
  chat.events.emit('conversation', groupIdHex);
  return true;
}
