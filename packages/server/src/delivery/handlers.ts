/**
 * The Delivery Service's frame handlers: each reads its frame, asks the policy and the log, and
 * answers. Each group has one append-only log and each member device a cursor into it; the
 * server orders commits (one per epoch wins, the others get `stale_epoch`) and enforces the member
 * list the commits make: only current member devices post or read, and a removed device sees
 * nothing after the commit that removed it.
 */
import { type CiphersuiteName, SUPPORTED_CIPHERSUITES, toHex } from '@parley/core';
import type { Cluster } from '../cluster.js';
import type { Limits } from '../config.js';
import type { Db } from '../db.js';
import { FrameError, type Hub } from '../hub.js';
import type { Metrics } from '../metrics.js';
import { groupCap } from './groupCap.js';
import { activeMembers, groupOf, memberOf, policyReader, storedMessage } from './log.js';
import { answerAgain, checkGroupInfo, decodePayload, planSend } from './policy.js';
import { createGroup, dropWelcome, fetchFor, putGroupInfo, raiseCursor, syncState } from './queries.js';
import { messageStore } from './store.js';

export function groups(
  hub: Hub,
  { db, metrics, cluster, limits }: { db: Db; metrics: Metrics; cluster: Cluster; limits: Limits },
): void {
  const store = messageStore(db, hub, metrics);
  const reader = policyReader(db);
  const checkGroupCap = groupCap(db, cluster, limits);

  hub.on('group_create', async (session, f) => {
    if (!SUPPORTED_CIPHERSUITES.includes(f.cipherSuite as CiphersuiteName)) {
      throw new FrameError('unsupported', 'ciphersuite not offered by this server');
    }
    await checkGroupCap(session.accountId);
    await createGroup(db, session, f.groupId, f.cipherSuite);
    return { type: 'ok', requestId: f.requestId };
  });

  hub.on(
    'send',
    async (session, f, pipeline) => {
      const decoded = decodePayload(f.payload);
      // An application message is pipelined: every check that reads the database runs inside its
      // write, so the frame queues its write at once and lets the connection's next frame start; a
      // sender with many messages in flight gets them into one group commit.
      if (decoded.message?.wireformat === 'mls_private_message')
        return store.sendApplication(session, f, decoded.message.privateMessage, () => pipeline.release());
      // Anything else is handled alone: it starts once every earlier frame is answered, and the
      // frames after it wait until it is answered, so they see the epoch and membership it leaves.
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
      return store.sendHandshake(session, f, plan);
    },
    { pipelined: true },
  );

  hub.on('fetch', async (session, f) => {
    await groupOf(db, f.groupId);
    const me = await memberOf(db, f.groupId, session);
    if (me === undefined) throw new FrameError('not_a_member', 'not a member of this group');
    const page = await fetchFor(db, f.groupId, me, f.afterSeq, f.limit);
    return { type: 'messages', requestId: f.requestId, groupId: f.groupId, ...page };
  });

  hub.on('ack', async (session, f) => {
    const group = await groupOf(db, f.groupId);
    const me = await memberOf(db, f.groupId, session);
    if (me === undefined) throw new FrameError('not_a_member', 'not a member of this group');
    const head = Math.min(group.next_seq - 1, me.removed_seq ?? Number.MAX_SAFE_INTEGER);
    const seq = Math.min(f.seq, head);
    // Group-committed with the messages (one flush for many acks), in the group's writer.
    if (seq > me.acked_seq)
      await store.write((tx) => raiseCursor(tx, f.groupId, session, seq), toHex(f.groupId));
    return { type: 'ok', requestId: f.requestId };
  });

  hub.on('sync', async (session, f) => ({
    type: 'sync_state',
    requestId: f.requestId,
    ...(await syncState(db, session)),
  }));

  hub.on('group_info_put', async (session, f) => {
    const group = await groupOf(db, f.groupId);
    const me = await memberOf(db, f.groupId, session);
    if (me === undefined || me.removed_seq !== null)
      throw new FrameError('not_a_member', 'not a member of this group');
    if (f.epoch !== group.epoch) return { type: 'stale_epoch', requestId: f.requestId, epoch: group.epoch };
    checkGroupInfo(f.groupInfo, f.groupId, f.epoch);
    await putGroupInfo(db, f.groupId, f.epoch, f.groupInfo);
    return { type: 'ok', requestId: f.requestId };
  });

  hub.on('group_info_get', async (session, f) => {
    const group = await groupOf(db, f.groupId);
    const active = await activeMembers(db, f.groupId);
    if (!active.some((m) => m.username === session.accountId)) {
      throw new FrameError('not_a_member', 'only member accounts may read the GroupInfo');
    }
    if (group.group_info === null || group.group_info_epoch === null) {
      throw new FrameError('not_found', 'no GroupInfo uploaded yet');
    }
    return {
      type: 'group_info',
      requestId: f.requestId,
      groupId: f.groupId,
      epoch: group.group_info_epoch,
      groupInfo: group.group_info,
    };
  });

  hub.on('welcome_ack', async (session, f) => {
    await dropWelcome(db, f.groupId, session);
    return { type: 'ok', requestId: f.requestId };
  });
}
