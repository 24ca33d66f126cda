/**
 * The log queries of the frames outside the message write path: creating a group, fetching and
 * acknowledging messages, GroupInfo and collected Welcomes (the paged answers are in pages.ts).
 */
import type { PublicGroupState } from '@parley/core';
import type { Db } from '../db.js';
import { FrameError } from '../hub.js';
import { memberUpdate, type Queryable, type Tx } from './log.js';
import type { Sender } from './policy.js';
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
        accepted: 1,
      })
      .execute();
    await tx
      .insertInto('group_infos')
      .values({ group_id: groupId, epoch: 0, data: group.groupInfo })
      .execute();
    await saveState(tx, groupId, group.state);
  });
}

/**
 * Move a device's cursor forward to `seq` (never back). A device acknowledges only what it
 * processed, so it holds the group's state: it counts as joined (`accepted`) for presence too.
 */
export async function raiseCursor(tx: Tx, groupId: Uint8Array, device: Sender, seq: number) {
  await memberUpdate(tx, groupId, device.accountId, device.deviceId)
    .set({ acked_seq: seq, accepted: 1 })
    .where('acked_seq', '<', seq)
    .execute();
}

/**
 * Keep a GroupInfo for the group's epoch, unless the group has moved on since; never one for an
 * epoch older than the one kept.
 */
export async function putGroupInfo(db: Queryable, groupId: Uint8Array, epoch: number, groupInfo: Uint8Array) {
  const group = await db
    .selectFrom('groups')
    .select('epoch')
    .where('group_id', '=', groupId)
    .executeTakeFirst();
  if (group?.epoch !== epoch) return;
  await db
    .insertInto('group_infos')
    .values({ group_id: groupId, epoch, data: groupInfo })
    .onConflict((oc) =>
      oc
        .column('group_id')
        .doUpdateSet({ epoch: (eb) => eb.ref('excluded.epoch'), data: (eb) => eb.ref('excluded.data') })
        .where('group_infos.epoch', '<=', epoch),
    )
    .execute();
}

/**
 * A device collected its Welcome to the group; `accepted` when it joined from it (not when it
 * drops one it could not use). Only the device itself can say so (its authenticated connection),
 * so a stranger who adds someone with a Welcome they cannot open does not make them a joined
 * member. True when this made the device count as joined.
 */
export async function dropWelcome(db: Db, groupId: Uint8Array, device: Sender, accepted: boolean) {
  return db.transaction().execute(async (tx) => {
    await tx
      .deleteFrom('welcomes')
      .where('group_id', '=', groupId)
      .where('username', '=', device.accountId)
      .where('device_id', '=', device.deviceId)
      .execute();
    if (!accepted) return false;
    const marked = await memberUpdate(tx, groupId, device.accountId, device.deviceId)
      .set({ accepted: 1 })
      .where('removed_seq', 'is', null)
      .where('accepted', '=', 0)
      .executeTakeFirst();
    return Number(marked.numUpdatedRows) > 0;
  });
}
