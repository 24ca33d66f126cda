/**
 * Deleted accounts still in groups (issue #18, docs/protocol.md "Deleted accounts"). Deleting an
 * account deletes its devices but not its MLS leaves: only a member's commit removes those, and
 * the operator's `accounts delete` has no device to commit from. So the server tells the members:
 * `gone_get` answers, for the asking device's groups, the accounts whose member devices no longer
 * exist, with the `account_deleted` entry the deletion wrote in the key transparency log (the
 * member checks it there, client chat/goneMembers.ts), and whether a leaf remains. It is read from
 * the group_members rows each time, so a member offline at the deletion learns it when it asks at
 * its next sync; a member online learns it at once from the `account_gone` push that every node's
 * watch (moderation/watch.ts) sends its own connections of the account's fellow members.
 */
import { encodeServerFrame, type GoneMember, MAX_GONE_ITEMS } from '@parley/core';
import { sql } from 'kysely';
import type { Db } from './db.js';
import type { Hub } from './hub.js';

/**
 * The deleted accounts of `device`'s groups, at most MAX_GONE_ITEMS: those with leaves left first,
 * then the removals already made (for the line members show), each by group and account.
 */
export async function goneMembers(
  db: Db,
  device: { accountId: string; deviceId: string },
): Promise<{ items: GoneMember[]; more: boolean }> {
  const rows = await db
    .selectFrom('group_members as me')
    .innerJoin('group_members as gm', 'gm.group_id', 'me.group_id')
    .select((eb) => [
      'gm.group_id',
      'gm.username',
      eb.fn.max<number>('gm.removed_seq').as('last_removed'),
      eb.fn.count<number>('gm.device_id').as('leaves'),
      eb.fn.count<number>('gm.removed_seq').as('removed'),
    ])
    .where('me.username', '=', device.accountId)
    .where('me.device_id', '=', device.deviceId)
    .where('me.removed_seq', 'is', null)
    .where('gm.username', '!=', device.accountId)
    // Leaves removed before this device joined are none of its business.
    .where((eb) =>
      eb.or([eb('gm.removed_seq', 'is', null), eb('gm.removed_seq', '>', eb.ref('me.joined_seq'))]),
    )
    // Only deleting an account deletes device rows (revoked devices keep theirs).
    .leftJoin('devices', (j) =>
      j.onRef('devices.username', '=', 'gm.username').onRef('devices.device_id', '=', 'gm.device_id'),
    )
    .where('devices.device_id', 'is', null)
    .groupBy(['gm.group_id', 'gm.username'])
    // Accounts with leaves left first: past the page's end are only removals already made.
    .orderBy(sql`count(gm.removed_seq) < count(gm.device_id)`, 'desc')
    .orderBy('gm.group_id')
    .orderBy('gm.username')
    .limit(MAX_GONE_ITEMS + 1)
    .execute();
  const entries = new Map<string, { seq: number; logged_at: number } | undefined>();
  const items: GoneMember[] = [];
  for (const r of rows.slice(0, MAX_GONE_ITEMS)) {
    if (!entries.has(r.username)) entries.set(r.username, await deletionEntry(db, r.username));
    const entry = entries.get(r.username);
    // No deletion in the log (an account deleted before the log recorded deletions): nothing a
    // member could check, so nothing is claimed.
    if (entry === undefined) continue;
    const remaining = Number(r.leaves) - Number(r.removed);
    items.push({
      groupId: r.group_id,
      accountId: r.username,
      logIndex: Number(entry.seq),
      loggedAt: Number(entry.logged_at),
      removedSeq: remaining > 0 ? 0 : Number(r.last_removed),
    });
  }
  return { items, more: rows.length > MAX_GONE_ITEMS };
}

/** The latest `account_deleted` entry of the log for `username`. */
function deletionEntry(db: Db, username: string) {
  return db
    .selectFrom('transparency_log')
    .select(['seq', 'logged_at'])
    .where('username', '=', username)
    .where('kind', '=', 'account_deleted')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Answer `gone_get`. */
export function goneFrames(hub: Hub, db: Db): void {
  hub.on('gone_get', async (session, f) => ({
    type: 'gone',
    requestId: f.requestId,
    ...(await goneMembers(db, session)),
  }));
}

/**
 * Push `account_gone` to this node's connections of the devices that share a group with the
 * deleted account `username` (every node's watch does so for its own).
 */
export async function announceGone(db: Db, hub: Hub, username: string): Promise<number> {
  const fellows = await db
    .selectFrom('group_members as gm')
    .innerJoin('group_members as me', 'me.group_id', 'gm.group_id')
    .select(['me.username', 'me.device_id'])
    .distinct()
    .where('gm.username', '=', username)
    .where('gm.removed_seq', 'is', null)
    .where('me.removed_seq', 'is', null)
    .where('me.username', '!=', username)
    .execute();
  const frame = encodeServerFrame({ type: 'account_gone', requestId: 0, accountId: username });
  let sent = 0;
  for (const d of fellows)
    for (const s of hub.sessionsOf(d.username, d.device_id)) {
      s.sendEncoded(frame);
      sent++;
    }
  return sent;
}
