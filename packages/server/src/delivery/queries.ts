/**
 * The log queries of the frames outside the message write path: creating a group, fetching and
 * acknowledging messages, a device's sync state, GroupInfo and collected Welcomes.
 */
import { MAX_FETCH, type PendingWelcome, type PublicGroupState } from '@parley/core';
import type { Db } from '../db.js';
import { FrameError } from '../hub.js';
import { joinEpoch, memberUpdate, type Queryable, type Tx } from './log.js';
import { KIND, type Member, type Sender } from './policy.js';
import { saveState } from './publicState.js';

/**
 * Create a group whose only member is its creator, at leaf 0, epoch 0, with its public state and
 * epoch-0 GroupInfo (checked by the caller); refused if the id is in use.
 */
export async function createGroup(
  db: Db,
  creator: Sender,
  group: { groupId: Uint8Array; cipherSuite: string; groupInfo: Uint8Array; state: PublicGroupState },
) {
  const { groupId, cipherSuite } = group;
  await db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto('groups')
      .values({
        group_id: groupId,
        cipher_suite: cipherSuite,
        epoch: 0,
        next_seq: 1,
        created_by: creator.accountId,
        created_at: Date.now(),
        group_info: group.groupInfo,
        group_info_epoch: 0,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1)
      throw new FrameError('group_exists', 'group id in use');
    await tx
      .insertInto('group_members')
      .values({
        group_id: groupId,
        username: creator.accountId,
        device_id: creator.deviceId,
        leaf_index: 0,
        joined_seq: 0,
        removed_seq: null,
        acked_seq: 0,
      })
      .execute();
    await saveState(tx, groupId, group.state);
  });
}

/**
 * Up to `limit` messages after `afterSeq` that are for the member: from its joining to its
 * removal, without application messages of epochs before it joined; `more` if there are others.
 */
export async function fetchFor(db: Db, groupId: Uint8Array, me: Member, afterSeq: number, limit: number) {
  let query = db
    .selectFrom('messages')
    .select(['seq', 'data'])
    .where('group_id', '=', groupId)
    .where('seq', '>', Math.max(afterSeq, me.joined_seq))
    .orderBy('seq')
    .limit(Math.min(limit, MAX_FETCH) + 1);
  if (me.removed_seq !== null) query = query.where('seq', '<=', me.removed_seq);
  const firstEpoch = await joinEpoch(db, groupId, me.joined_seq);
  if (firstEpoch !== undefined && firstEpoch > 0)
    query = query.where((eb) => eb.or([eb('kind', '!=', KIND.application), eb('epoch', '>=', firstEpoch)]));
  const rows = await query.execute();
  return {
    items: rows.slice(0, limit).map((r) => ({ seq: r.seq, payload: r.data })),
    more: rows.length > limit,
  };
}

/** Move a device's cursor forward to `seq` (never back). */
export async function raiseCursor(tx: Tx, groupId: Uint8Array, device: Sender, seq: number) {
  await memberUpdate(tx, groupId, device.accountId, device.deviceId)
    .set({ acked_seq: seq })
    .where('acked_seq', '<', seq)
    .execute();
}

/** A device's groups with their cursors, the Welcomes waiting for it, and the groups it may join. */
export async function syncState(db: Db, device: Sender) {
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('groups', 'groups.group_id', 'group_members.group_id')
    .select([
      'groups.group_id',
      'groups.epoch',
      'groups.next_seq',
      'group_members.acked_seq',
      'group_members.removed_seq',
    ])
    .where('group_members.username', '=', device.accountId)
    .where('group_members.device_id', '=', device.deviceId)
    .execute();
  const welcomes = await db
    .selectFrom('welcomes')
    .select(['group_id', 'seq', 'data'])
    .where('username', '=', device.accountId)
    .where('device_id', '=', device.deviceId)
    .orderBy('seq')
    .execute();
  // A new device of the account: the groups its other devices are in, which it may join by
  // external commit. A device that was ever a member (and left or was removed) is not offered them.
  const joinable = await db
    .selectFrom('group_members')
    .select('group_id')
    .distinct()
    .where('username', '=', device.accountId)
    .where('removed_seq', 'is', null)
    .where((eb) =>
      eb(
        'group_id',
        'not in',
        eb
          .selectFrom('group_members')
          .select('group_id')
          .where('username', '=', device.accountId)
          .where('device_id', '=', device.deviceId),
      ),
    )
    .execute();
  return {
    groups: rows
      .map((r) => ({
        groupId: r.group_id,
        epoch: r.epoch,
        acked: r.acked_seq,
        head: Math.min(r.next_seq - 1, r.removed_seq ?? Number.MAX_SAFE_INTEGER),
      }))
      .filter((g) => g.head > g.acked || rows.find((r) => r.group_id === g.groupId)?.removed_seq === null),
    welcomes: welcomes.map((w): PendingWelcome => ({ groupId: w.group_id, seq: w.seq, welcome: w.data })),
    joinable: joinable.map((j) => j.group_id),
  };
}

/** Keep a GroupInfo for the group's epoch, unless the group has moved on since. */
export async function putGroupInfo(db: Queryable, groupId: Uint8Array, epoch: number, groupInfo: Uint8Array) {
  await db
    .updateTable('groups')
    .set({ group_info: groupInfo, group_info_epoch: epoch })
    .where('group_id', '=', groupId)
    .where('epoch', '=', epoch)
    .execute();
}

/** A device collected its Welcome to the group. */
export async function dropWelcome(db: Db, groupId: Uint8Array, device: Sender) {
  await db
    .deleteFrom('welcomes')
    .where('group_id', '=', groupId)
    .where('username', '=', device.accountId)
    .where('device_id', '=', device.deviceId)
    .execute();
}
