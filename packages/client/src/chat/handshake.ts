/**
 * Handshakes (commits, proposals, external commits) and the one retry-on-`stale_epoch` loop they
 * all go through: the server accepts a handshake only for the group's current epoch, so a loser
 * brings its state up to date and builds its handshake again.
 */
import {
  exportGroupInfo,
  fromHex,
  type GroupState,
  ParleyError,
  randomBytes,
  type ServerFrame,
} from '@parley/core';
import { type Batch, inBatch } from '../storage/batch.js';
import { markOwn } from '../storage/log.js';
import type { Chat } from './context.js';
import { deviceFor } from './suites.js';
import { membershipLine } from './systemLines.js';

const ATTEMPTS = 5;

export interface Handshake {
  payload: Uint8Array;
  welcome: Uint8Array | null;
  /** With a commit: the GroupInfo of the epoch it starts (the server requires it). */
  groupInfo?: Uint8Array;
  /** This device's group state once the server accepted the handshake. */
  newState: GroupState;
}

export interface HandshakeSteps {
  /** Build from the current state; null when nothing is left to do (another member did it). */
  build(): Promise<Handshake | null>;
  /** A commit: kept as pending while its answer is outstanding (see Conversations.pending). */
  commit?: boolean;
  /** After a `stale_epoch`, before building again (default: catch up, applying the winner). */
  afterStale?(): Promise<void>;
  /** What any other refusal throws. */
  refused(answer: ServerFrame): ParleyError;
  /** Writes that land with the new state when the server accepted it. */
  accepted?(w: Batch, sent: { seq: number; epoch: number }): Promise<void>;
}

/**
 * Send a handshake built from the group's current state, again after each `stale_epoch` (at most
 * ATTEMPTS times). Returns the log position and epoch the server accepted it at, or null if the
 * build had nothing to do.
 */
export async function sendHandshake(
  chat: Chat,
  groupIdHex: string,
  steps: HandshakeSteps,
): Promise<{ seq: number; epoch: number } | null> {
  // A commit of ours whose answer was lost may be in the log: building from the state it left
  // behind would make a second commit of the same epoch, and then ours could not be recognised
  // (MLS cannot apply its own commit) and the device would have to rejoin. Catching up first
  // applies it, or finds another member's commit of that epoch and drops it (inbound.ts).
  if (chat.conversations.pending(groupIdHex) !== undefined) await chat.catchUp(groupIdHex);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const handshake = await steps.build();
    if (handshake === null) return null;
    const pending =
      steps.commit === true ? { commit: handshake.payload, newState: handshake.newState } : null;
    if (pending !== null)
      await inBatch(chat.store, (w) => chat.conversations.setPending(w, groupIdHex, pending));
    const answer = await chat.connection.request({
      type: 'send',
      groupId: fromHex(groupIdHex),
      messageId: randomBytes(16),
      payload: handshake.payload,
      welcome: handshake.welcome,
      groupInfo: handshake.groupInfo ?? null,
    });
    await inBatch(chat.store, async (w) => {
      if (pending !== null) await chat.conversations.setPending(w, groupIdHex, null);
      if (answer.type !== 'sent') return;
      await chat.conversations.saveState(w, groupIdHex, handshake.newState);
      await steps.accepted?.(w, answer);
    });
    if (answer.type === 'sent') return { seq: answer.seq, epoch: answer.epoch };
    if (answer.type !== 'stale_epoch') throw steps.refused(answer);
    await (steps.afterStale ? steps.afterStale() : chat.catchUp(groupIdHex, answer.epoch));
  }
  throw new ParleyError('wrong_epoch', 'the group kept changing; try again');
}

export type CommitBuild = (state: GroupState) => Promise<{
  newState: GroupState;
  commit: Uint8Array;
  welcome: Uint8Array | null;
  groupInfo: Uint8Array;
} | null>;

/**
 * Commit what `build` makes of the group's current state (rebuilt after a lost race). A build that
 * returns null has nothing left to do (someone else's commit did it).
 */
export async function commitWithRetry(
  chat: Chat,
  groupIdHex: string,
  build: CommitBuild,
  options: { quiet?: boolean } = {},
): Promise<void> {
  let after: GroupState | undefined; // the state the last build leads to
  const sent = await sendHandshake(chat, groupIdHex, {
    commit: true,
    build: async () => {
      const state = chat.conversations.state(groupIdHex);
      if (state === undefined) throw new ParleyError('not_a_member', 'no such conversation');
      const built = await build(state);
      after = built?.newState;
      return (
        built && {
          payload: built.commit,
          welcome: built.welcome,
          groupInfo: built.groupInfo,
          newState: built.newState,
        }
      );
    },
    refused: (answer) =>
      new ParleyError('invalid_commit', answer.type === 'error' ? answer.message : 'commit refused'),
    accepted: async (w, { seq }) => {
      await markOwn(w, groupIdHex, seq);
      // People added or removed: a line in the history (systemLines.ts), as the others get it.
      if (after !== undefined && options.quiet !== true)
        await membershipLine(chat, w, groupIdHex, seq, after, chat.identity.accountId);
    },
  });
  // The new epoch's GroupInfo went with the commit: devices of members can (re)join from it.
  if (sent === null) return;
  chat.presence.stale = true;
  chat.events.emit('conversation', groupIdHex);
}

/** Publish the current epoch's GroupInfo again (the server checks it as it checks a commit's). */
export async function publishGroupInfo(chat: Chat, groupIdHex: string, epoch: number): Promise<void> {
  const state = chat.conversations.state(groupIdHex);
  if (state === undefined) return;
  const groupInfo = await exportGroupInfo(deviceFor(chat, state), state);
  await chat.connection.request({ type: 'group_info_put', groupId: fromHex(groupIdHex), epoch, groupInfo });
}
