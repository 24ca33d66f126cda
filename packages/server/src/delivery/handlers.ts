/**
 * The Delivery Service's frame handlers: each reads its frame, asks the policy and the log, and
 * answers. Each group has one append-only log and each member device a cursor into it; the
 * server orders commits (one per epoch wins, the others get `stale_epoch`) and enforces the member
 * list the commits make: only current member devices post or read, and a removed device sees
 * nothing after the commit that removed it.
 */
import { type CiphersuiteName, checkGroupInfo, SUPPORTED_CIPHERSUITES } from '@parley/core';
import type { Cluster } from '../cluster.js';
import type { Limits } from '../config.js';
import { suite } from '../crypto.js';
import type { Db } from '../db.js';
import { FrameError, type Hub } from '../hub.js';
import type { Metrics } from '../metrics.js';
import { groupCap } from './groupCap.js';
import { activeMembers, groupInfoOf, groupOf, memberOf, policyReader } from './log.js';
import { fetchFor, syncState, welcomesFor } from './pages.js';
import { newGroupState, publicStates, refusing } from './publicState.js';
import { createGroup, dropWelcome, putGroupInfo } from './queries.js';
import { sendHandler } from './send.js';
import { messageStore } from './store.js';

export interface GroupsDeps {
  db: Db;
  metrics: Metrics;
  cluster: Cluster;
  limits: Limits;
  /** An account's device joined a group from its Welcome (presence announces it to new contacts). */
  joined?: (accountId: string) => Promise<void>;
}

/** A group is created only in a ciphersuite this server offers. */
function checkSuite(cipherSuite: string): void {
  if (!SUPPORTED_CIPHERSUITES.includes(cipherSuite as CiphersuiteName))
    throw new FrameError('unsupported', 'ciphersuite not offered by this server');
}

/** The device's membership of a group it was ever in; refused if it never was. */
async function memberOrRefuse(db: Db, groupId: Uint8Array, device: { accountId: string; deviceId: string }) {
  const me = await memberOf(db, groupId, device);
  if (me === undefined) throw new FrameError('not_a_member', 'not a member of this group');
  return me;
}

export function groups(hub: Hub, { db, metrics, cluster, limits, joined }: GroupsDeps): void {
  const store = messageStore(db, hub, metrics);
  const reader = policyReader(db);
  const states = publicStates();
  const checkGroupCap = groupCap(db, cluster, limits);

  hub.on('group_create', async (session, f) => {
    checkSuite(f.cipherSuite);
    await checkGroupCap(session.accountId);
    const { groupInfo, state } = await newGroupState(reader, session, f);
    await createGroup(db, session, { groupId: f.groupId, cipherSuite: f.cipherSuite, groupInfo, state });
    states.remember(f.groupId, state);
    return { type: 'ok', requestId: f.requestId };
  });

  hub.on('send', sendHandler({ db, metrics, store, reader, states }), { pipelined: true });

  hub.on('fetch', async (session, f) => {
    await groupOf(db, f.groupId);
    const me = await memberOrRefuse(db, f.groupId, session);
    const page = await fetchFor(db, f.groupId, me, f.afterSeq, f.limit);
    return { type: 'messages', requestId: f.requestId, groupId: f.groupId, ...page };
  });

  hub.on('ack', async (session, f) => {
    const group = await groupOf(db, f.groupId);
    const me = await memberOrRefuse(db, f.groupId, session);
    const head = Math.min(group.next_seq - 1, me.removed_seq ?? Number.MAX_SAFE_INTEGER);
    const seq = Math.min(f.seq, head);
    // Group-committed with the messages (one flush for many acks), in the group's writer.
    if (seq > me.acked_seq) await store.ack(session, f.groupId, seq);
    return { type: 'ok', requestId: f.requestId };
  });

  hub.on('sync', async (session, f) => ({
    type: 'sync_state',
    requestId: f.requestId,
    ...(await syncState(db, session, f.after)),
  }));

  hub.on('welcome_fetch', async (session, f) => ({
    type: 'welcomes',
    requestId: f.requestId,
    ...(await welcomesFor(db, session, f.after)),
  }));

  hub.on('group_info_put', async (session, f) => {
    const group = await groupOf(db, f.groupId);
    const me = await memberOf(db, f.groupId, session);
    if (me === undefined || me.removed_seq !== null)
      throw new FrameError('not_a_member', 'not a member of this group');
    if (f.epoch !== group.epoch) return { type: 'stale_epoch', requestId: f.requestId, epoch: group.epoch };
    const state = await states.current(db, group);
    // Held to the tracked state; a group from before public state gets it from a GroupInfo that
    // is valid on its own and matches the member table.
    if (state !== undefined)
      await refusing(async () => checkGroupInfo(state, f.groupInfo, await suite(group.cipher_suite)));
    else await states.bootstrap(db, group, f.groupInfo);
    await putGroupInfo(db, f.groupId, f.epoch, f.groupInfo);
    return { type: 'ok', requestId: f.requestId };
  });

  hub.on('group_info_get', async (session, f) => {
    await groupOf(db, f.groupId); // an unknown group: not_found
    const active = await activeMembers(db, f.groupId);
    if (!active.some((m) => m.username === session.accountId)) {
      throw new FrameError('not_a_member', 'only member accounts may read the GroupInfo');
    }
    const kept = await groupInfoOf(db, f.groupId);
    if (kept === undefined) throw new FrameError('not_found', 'no GroupInfo uploaded yet');
    return {
      type: 'group_info',
      requestId: f.requestId,
      groupId: f.groupId,
      epoch: kept.epoch,
      groupInfo: kept.data,
    };
  });

  hub.on('welcome_ack', async (session, f) => {
    if ((await dropWelcome(db, f.groupId, session, f.accepted)) && joined !== undefined)
      await joined(session.accountId);
    return { type: 'ok', requestId: f.requestId };
  });
}
