/**
 * The group log in the database, in SQL both engines speak (Kysely): groups, their members and
 * cursors, stored messages, proposals, Welcomes and GroupInfo. Engine-specific SQL is in dialect.ts.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, Db } from '../db.js';
import { FrameError } from '../hub.js';
import { precompiled } from './compiled.js';
import type { MembershipChange } from './membership.js';
import { type Existing, KIND, type Member, type Plan, type PolicyReader, type Sender } from './policy.js';

/** The database or a transaction in it. */
export type Queryable = Kysely<Database>;
export type Tx = Transaction<Database>;

const MEMBER_COLUMNS = [
  'username',
  'device_id',
  'leaf_index',
  'joined_seq',
  'removed_seq',
  'acked_seq',
  'accepted',
] as const;

export async function groupOf(db: Queryable, groupId: Uint8Array) {
  const group = await db.selectFrom('groups').selectAll().where('group_id', '=', groupId).executeTakeFirst();
  if (group === undefined) throw new FrameError('not_found', 'no such group');
  return group;
}

export async function memberOf(
  db: Queryable,
  groupId: Uint8Array,
  device: Sender,
): Promise<Member | undefined> {
  return db
    .selectFrom('group_members')
    .select(MEMBER_COLUMNS)
    .where('group_id', '=', groupId)
    .where('username', '=', device.accountId)
    .where('device_id', '=', device.deviceId)
    .executeTakeFirst();
}

export async function activeMembers(db: Queryable, groupId: Uint8Array): Promise<Member[]> {
  return db
    .selectFrom('group_members')
    .select(MEMBER_COLUMNS)
    .where('group_id', '=', groupId)
    .where('removed_seq', 'is', null)
    .execute();
}

/**
 * The first epoch a member holds the keys of: the epoch after the commit that added it (the
 * group's first epoch for its creator). Undefined if retention deleted that commit.
 */
export async function joinEpoch(
  db: Queryable,
  groupId: Uint8Array,
  joinedSeq: number,
): Promise<number | undefined> {
  if (joinedSeq === 0) return 0;
  const commit = await db
    .selectFrom('messages')
    .select('epoch')
    .where('group_id', '=', groupId)
    .where('seq', '=', joinedSeq)
    .where('kind', '=', KIND.commit)
    .executeTakeFirst();
  return commit === undefined ? undefined : commit.epoch + 1;
}

/** The message stored under a client's message id, if any. */
export function storedMessage(
  db: Queryable,
  groupId: Uint8Array,
  messageId: Uint8Array,
): Promise<Existing | undefined> {
  return db
    .selectFrom('messages')
    .select(['seq', 'sender_username', 'sender_device', 'epoch', 'kind'])
    .where('group_id', '=', groupId)
    .where('message_id', '=', messageId)
    .executeTakeFirst();
}

/** The group, the sender's membership in it, and a message stored under the id, in one query. */
const applicationCheckQuery = precompiled(
  4,
  (db, accountId: string, deviceId: string, messageId: Uint8Array, groupId: Uint8Array) =>
    db
      .selectFrom('groups')
      .leftJoin('group_members as me', (join) =>
        join
          .onRef('me.group_id', '=', 'groups.group_id')
          .on('me.username', '=', accountId)
          .on('me.device_id', '=', deviceId),
      )
      .leftJoin('messages as stored', (join) =>
        join.onRef('stored.group_id', '=', 'groups.group_id').on('stored.message_id', '=', messageId),
      )
      .select([
        'groups.epoch',
        'me.leaf_index',
        'me.removed_seq',
        'stored.seq',
        'stored.sender_username',
        'stored.sender_device',
        'stored.epoch as stored_epoch',
        'stored.kind',
      ])
      .where('groups.group_id', '=', groupId),
);

export async function applicationCheck(
  tx: Queryable,
  sender: Sender,
  groupId: Uint8Array,
  messageId: Uint8Array,
) {
  const { rows } = await applicationCheckQuery.run(tx, sender.accountId, sender.deviceId, messageId, groupId);
  return rows[0];
}

/** An application message's claim of the next sequence number (its epoch is not checked). */
const claimApplication = precompiled(1, (db, groupId: Uint8Array) =>
  db
    .updateTable('groups')
    .set((eb) => ({ next_seq: eb('next_seq', '+', 1) }))
    .where('group_id', '=', groupId)
    .returning(['next_seq', 'epoch']),
);

/** A claimed sequence number's message, inserted. */
const insertMessage = precompiled(
  10,
  (
    db,
    groupId: Uint8Array,
    seq: number,
    messageId: Uint8Array,
    username: string,
    device: string,
    epoch: number,
    kind: number,
    data: Uint8Array,
    createdAt: number,
    expiresAt: number | null,
  ) =>
    db.insertInto('messages').values({
      group_id: groupId,
      seq,
      message_id: messageId,
      sender_username: username,
      sender_device: device,
      epoch,
      kind,
      data,
      created_at: createdAt,
      expires_at: expiresAt,
    }),
);

/** A message to append to a group's log. */
export interface Append {
  groupId: Uint8Array;
  messageId: Uint8Array;
  sender: Sender;
  plan: Plan;
  payload: Uint8Array;
  now: number;
  /** When the server deletes it (disappearing messages), or null. */
  expiresAt: number | null;
}

/** A message appended at `seq` (the group now at `epoch`), or none: the epoch was not current. */
export type Claimed = { seq: number; epoch: number } | { seq: undefined; epoch: number };

/** Claim the next sequence number (and epoch, for a commit) and insert the message. */
export async function appendOne(tx: Tx, m: Append): Promise<Claimed> {
  // Compare-and-set in one statement: the UPDATE takes the group row's lock, checks that a
  // handshake message's epoch is still current, and claims the next sequence number. A concurrent
  // writer, on this node or another, waits for that lock and then sees the new row, so its commit
  // for the old epoch matches nothing and gets stale_epoch. Writes earlier in the same batch are
  // seen too: they ran in this transaction.
  let claimed: { next_seq: number; epoch: number } | undefined;
  if (m.plan.kind === KIND.application) claimed = (await claimApplication.run(tx, m.groupId)).rows[0];
  else
    claimed = await tx
      .updateTable('groups')
      .set((eb) => ({
        next_seq: eb('next_seq', '+', 1),
        epoch: eb('epoch', '+', m.plan.kind === KIND.commit ? 1 : 0),
      }))
      .where('group_id', '=', m.groupId)
      .where('epoch', '=', m.plan.epoch)
      .returning(['next_seq', 'epoch'])
      .executeTakeFirst();
  if (claimed === undefined) {
    const current = await tx
      .selectFrom('groups')
      .select('epoch')
      .where('group_id', '=', m.groupId)
      .executeTakeFirstOrThrow();
    return { seq: undefined, epoch: current.epoch };
  }
  const seq = claimed.next_seq - 1;
  const { sender, plan } = m;
  await insertMessage.run(
    tx,
    m.groupId,
    seq,
    m.messageId,
    sender.accountId,
    sender.deviceId,
    plan.epoch,
    plan.kind,
    m.payload,
    m.now,
    m.expiresAt,
  );
  return { seq, epoch: claimed.epoch };
}

/** Keep a proposal under its reference for the epoch it was sent in, for commits to name it. */
export async function saveProposal(
  tx: Tx,
  groupId: Uint8Array,
  epoch: number,
  ref: Uint8Array,
  data: Uint8Array,
) {
  await tx
    .insertInto('proposals')
    .values({ group_id: groupId, epoch, ref, data })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Proposals of epochs before `epoch` can no longer be committed. */
export async function dropProposalsBefore(tx: Tx, groupId: Uint8Array, epoch: number) {
  await tx.deleteFrom('proposals').where('group_id', '=', groupId).where('epoch', '<', epoch).execute();
}

/** An update of one member device's row. */
export function memberUpdate(tx: Queryable, groupId: Uint8Array, username: string, deviceId: string) {
  return tx
    .updateTable('group_members')
    .where('group_id', '=', groupId)
    .where('username', '=', username)
    .where('device_id', '=', deviceId);
}

/** Store a commit's membership change (at `seq`); welcomed devices get the Welcome kept for them. */
export async function applyMembership(
  tx: Tx,
  groupId: Uint8Array,
  seq: number,
  change: MembershipChange,
  welcome: Uint8Array | null,
  now: number,
): Promise<void> {
  for (const m of change.removed) {
    await memberUpdate(tx, groupId, m.username, m.device_id).set({ removed_seq: seq }).execute();
  }
  for (const j of change.joining) {
    // An external joiner sent this commit, so it holds the state; a welcomed device has yet to use its Welcome.
    const accepted = j.welcomed ? 0 : 1;
    const row = { leaf_index: j.leaf, joined_seq: seq, removed_seq: null, acked_seq: seq, accepted };
    await tx
      .insertInto('group_members')
      .values({ group_id: groupId, username: j.username, device_id: j.deviceId, ...row })
      .onConflict((oc) => oc.columns(['group_id', 'username', 'device_id']).doUpdateSet(row))
      .execute();
    if (!j.welcomed || welcome === null) continue;
    await tx
      .insertInto('welcomes')
      .values({
        group_id: groupId,
        username: j.username,
        device_id: j.deviceId,
        seq,
        data: welcome,
        created_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['group_id', 'username', 'device_id'])
          .doUpdateSet({ seq, data: welcome, created_at: now }),
      )
      .execute();
  }
}

/** What the MLS policy reads, from the database. */
export function policyReader(db: Db): PolicyReader {
  return {
    async device(accountId, deviceId) {
      const row = await db
        .selectFrom('devices')
        .select(['device_key', 'revoked_at'])
        .where('username', '=', accountId)
        .where('device_id', '=', deviceId)
        .executeTakeFirst();
      return row === undefined ? undefined : { key: row.device_key, revoked: row.revoked_at !== null };
    },
    async proposal(groupId, epoch, ref) {
      const row = await db
        .selectFrom('proposals')
        .select('data')
        .where('group_id', '=', groupId)
        .where('epoch', '=', epoch)
        .where('ref', '=', ref)
        .executeTakeFirst();
      return row?.data;
    },
    async accountInGroup(groupId, accountId) {
      return (await activeMembers(db, groupId)).some((m) => m.username === accountId);
    },
  };
}

/** The latest GroupInfo kept for the group, with its epoch. */
export async function groupInfoOf(db: Queryable, groupId: Uint8Array) {
  return db
    .selectFrom('group_infos')
    .select(['epoch', 'data'])
    .where('group_id', '=', groupId)
    .executeTakeFirst();
}
