/**
 * The answers that hand a device what is waiting for it, each bounded by bytes and paged: a log's
 * messages (`fetch`), the Welcomes kept for the device (`welcome_fetch`) and its groups with their
 * cursors (`sync`). A page never loads more than it answers: the sizes are read first (by count,
 * without the data), then only the rows that fit. Every page holds at least one item when there is
 * one, so a reader makes progress whatever sizes others sent.
 */
import {
  MAX_ANSWER_PAYLOAD_BYTES,
  MAX_FETCH,
  MAX_MESSAGE_BYTES,
  MAX_SYNC_GROUPS,
  MAX_WELCOME_BYTES,
  MAX_WELCOMES_PAGE,
  type PendingWelcome,
} from '@parley/core';
import { sql } from 'kysely';
import type { Db } from '../db.js';
import { joinEpoch } from './log.js';
import { KIND, type Member, type Sender } from './policy.js';

/** The stored size of a row's `data`, in bytes (SQLite and PostgreSQL alike). */
const dataSize = sql<number>`length(data)`;

/**
 * How many of `sizes` (in order) one answer carries: at most `n`, and no more than
 * MAX_ANSWER_PAYLOAD_BYTES in all, except that the first is always carried.
 */
export function fitting(sizes: readonly number[], n: number): number {
  let total = 0;
  let i = 0;
  for (; i < Math.min(sizes.length, n); i++) {
    total += Number(sizes[i]);
    if (i > 0 && total > MAX_ANSWER_PAYLOAD_BYTES) break;
  }
  return i;
}

/**
 * Up to `limit` messages after `afterSeq` that are for the member, within the answer's byte bound:
 * from its joining to its removal, without application messages of epochs before it joined;
 * `more` if there are others. A message stored before the size limit existed, too large for any
 * answer, is skipped rather than stopping every later fetch.
 */
export async function fetchFor(db: Db, groupId: Uint8Array, me: Member, afterSeq: number, limit: number) {
  const now = Date.now();
  let base = db
    .selectFrom('messages')
    .where('group_id', '=', groupId)
    .where('seq', '>', Math.max(afterSeq, me.joined_seq))
    .where(dataSize, '<=', MAX_MESSAGE_BYTES)
    // Expired (disappearing messages) but not swept yet: gone all the same.
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
  if (me.removed_seq !== null) base = base.where('seq', '<=', me.removed_seq);
  const firstEpoch = await joinEpoch(db, groupId, me.joined_seq);
  if (firstEpoch !== undefined && firstEpoch > 0)
    base = base.where((eb) => eb.or([eb('kind', '!=', KIND.application), eb('epoch', '>=', firstEpoch)]));
  const n = Math.min(limit, MAX_FETCH);
  const sized = await base
    .select(['seq', dataSize.as('size')])
    .orderBy('seq')
    .limit(n + 1)
    .execute();
  const taken = fitting(
    sized.map((r) => r.size),
    n,
  );
  if (taken === 0) return { items: [], more: false };
  // The log is append-only: the rows up to the last one sized are the ones just sized.
  const rows = await base
    .select(['seq', 'data'])
    .where('seq', '<=', sized[taken - 1]!.seq)
    .orderBy('seq')
    .limit(taken)
    .execute();
  const kept = fitting(
    rows.map((r) => r.data.length),
    taken,
  );
  return {
    items: rows.slice(0, kept).map((r) => ({ seq: r.seq, payload: r.data })),
    more: sized.length > kept,
  };
}

/** The Welcomes kept for a device, by group id after `after` (empty: from the first), a page at a time. */
export async function welcomesFor(db: Db, device: Sender, after: Uint8Array) {
  let base = db
    .selectFrom('welcomes')
    .where('username', '=', device.accountId)
    .where('device_id', '=', device.deviceId)
    .where(dataSize, '<=', MAX_WELCOME_BYTES);
  if (after.length > 0) base = base.where('group_id', '>', after);
  const sized = await base
    .select(['group_id', dataSize.as('size')])
    .orderBy('group_id')
    .limit(MAX_WELCOMES_PAGE + 1)
    .execute();
  const taken = fitting(
    sized.map((r) => r.size),
    MAX_WELCOMES_PAGE,
  );
  if (taken === 0) return { items: [], more: false };
  const rows = await base
    .select(['group_id', 'seq', 'data'])
    .where(
      'group_id',
      'in',
      sized.slice(0, taken).map((r) => r.group_id),
    )
    .orderBy('group_id')
    .execute();
  // A Welcome replaced meanwhile (the device added again) may have grown: check the bound again.
  const kept = fitting(
    rows.map((r) => r.data.length),
    taken,
  );
  return {
    items: rows
      .slice(0, kept)
      .map((w): PendingWelcome => ({ groupId: w.group_id, seq: w.seq, welcome: w.data })),
    more: sized.length > kept,
  };
}

/**
 * A device's groups with their cursors and the groups it may join, by group id after `after`,
 * at most MAX_SYNC_GROUPS of each per page; with `more`, the next page starts after `cursor`.
 */
export async function syncState(db: Db, device: Sender, after: Uint8Array) {
  let mine = db
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
    .where('group_members.device_id', '=', device.deviceId);
  if (after.length > 0) mine = mine.where('group_members.group_id', '>', after);
  const rows = await mine
    .orderBy('group_members.group_id')
    .limit(MAX_SYNC_GROUPS + 1)
    .execute();
  // A new device of the account: the groups its other devices are in, which it may join by
  // external commit. A device that was ever a member (and left or was removed) is not offered them.
  let others = db
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
    );
  if (after.length > 0) others = others.where('group_id', '>', after);
  const joinable = await others
    .orderBy('group_id')
    .limit(MAX_SYNC_GROUPS + 1)
    .execute();
  const end = pageEnd([rows.map((r) => r.group_id), joinable.map((j) => j.group_id)]);
  const within = (id: Uint8Array) => end === undefined || compareBytes(id, end) <= 0;
  return {
    groups: rows
      .filter((r) => within(r.group_id))
      .map((r) => ({
        groupId: r.group_id,
        epoch: r.epoch,
        acked: r.acked_seq,
        head: Math.min(r.next_seq - 1, r.removed_seq ?? Number.MAX_SAFE_INTEGER),
        removed: r.removed_seq !== null,
      }))
      // A group the device was removed from is listed while it has something left to read.
      .filter((g) => g.head > g.acked || !g.removed)
      .map(({ removed: _, ...g }) => g),
    joinable: joinable.map((j) => j.group_id).filter(within),
    more: end !== undefined,
    cursor: end ?? new Uint8Array(),
  };
}

/**
 * Where a page over several lists sorted by group id ends when one of them has more than
 * MAX_SYNC_GROUPS items: at the lowest of their last fitting ids. Undefined: every list fits.
 */
function pageEnd(lists: Uint8Array[][]): Uint8Array | undefined {
  let end: Uint8Array | undefined;
  for (const list of lists) {
    if (list.length <= MAX_SYNC_GROUPS) continue;
    const last = list[MAX_SYNC_GROUPS - 1]!;
    if (end === undefined || compareBytes(last, end) < 0) end = last;
  }
  return end;
}

/** Byte order, as both databases sort blobs (memcmp, then the shorter first). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
