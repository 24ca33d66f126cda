/**
 * The `send` frame: an application message (a PrivateMessage) is read in place, its header only,
 * and pipelined into the group commit; anything else (a proposal or commit, from a member or by
 * external commit) is decoded whole, planned and checked against the group's public state alone.
 */
import { privateHeader } from '@parley/core';
import type { Db } from '../db.js';
import { checkExpiry } from '../expiry.js';
import type { FrameHandler } from '../hub.js';
import type { Metrics } from '../metrics.js';
import { groupOf, memberOf, storedMessage } from './log.js';
import { answerAgain, decodePayload, type PolicyReader, planSend } from './policy.js';
import { checkPublic, type PublicStates } from './publicState.js';
import type { MessageStore } from './store.js';

export interface SendDeps {
  db: Db;
  metrics: Metrics;
  store: MessageStore;
  reader: PolicyReader;
  states: PublicStates;
}

export function sendHandler(deps: SendDeps): FrameHandler<'send'> {
  const handshake = handshakeHandler(deps);
  // Not an async function: an application message's answer is the store's own promise, with no
  // frame of this handler's suspended beside each message in flight. A synchronous throw (an
  // expiry refused) is caught by the hub as a rejection would be.
  return (session, f, pipeline) => {
    // A PrivateMessage (an application message) is read in place, its header only: the server
    // needs its group, epoch and content type, and this is the path nearly every message takes.
    const header = privateHeader(f.payload);
    checkExpiry(f.expiresAt, header !== undefined);
    // An application message is pipelined: every check that reads the database runs inside its
    // write, so the frame queues its write at once and lets the connection's next frame start; a
    // sender with many messages in flight gets them into one group commit.
    if (header !== undefined) return deps.store.sendApplication(session, f, header, () => pipeline.release());
    return handshake(session, f, pipeline);
  };
}

/**
 * A proposal or commit is handled alone: it starts once every earlier frame is answered, and the
 * frames after it wait until it is answered, so they see the epoch and membership it leaves.
 */
function handshakeHandler({ db, metrics, store, reader, states }: SendDeps): FrameHandler<'send'> {
  return async (session, f, pipeline) => {
    const decoded = decodePayload(f.payload);
    await pipeline.drained();
    const group = await groupOf(db, f.groupId);
    const me = await memberOf(db, f.groupId, session);
    const stored = await storedMessage(db, f.groupId, f.messageId);
    if (stored !== undefined) return answerAgain(stored, session, f);
    const plan = await planSend(reader, { group, me, sender: session, f, decoded });
    if ('stale' in plan) {
      metrics.commitConflicts.inc();
      return { type: 'stale_epoch', requestId: f.requestId, epoch: plan.stale };
    }
    // planSend took only PublicMessages this far. Checked against the group's public state:
    const pm = (decoded.message as Extract<typeof decoded.message, { wireformat: 'mls_public_message' }>)
      .publicMessage;
    const state = await states.current(db, group);
    const groupInfo = f.groupInfo ?? null;
    const checked = await checkPublic(reader, { group, state, pm, plan, groupInfo });
    const answer = await store.sendHandshake(session, f, checked);
    if (answer.type === 'sent' && checked.next !== undefined) states.remember(f.groupId, checked.next);
    return answer;
  };
}
