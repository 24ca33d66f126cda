/**
 * PostgreSQL-only SQL of the log: many application messages checked, numbered and inserted in
 * one statement (one round trip for a whole group commit of them).
 */
import { sql } from 'kysely';
import type { ApplicationAppend, BulkAppended } from './dialect.js';
import type { Tx } from './log.js';
import { type ApplicationCheck, KIND } from './policy.js';

/**
 * Each message's checks (as log.ts `applicationCheck`), then for each group the sequence numbers
 * of the messages that pass them, claimed in one update of its row (rows locked in group id order,
 * as the writer orders its writes), and the inserts. A message its checks refuse changes nothing.
 */
export async function appendApplicationsPostgres(
  tx: Tx,
  writes: ApplicationAppend[],
): Promise<BulkAppended[]> {
  const input = sql.join(
    writes.map(
      (w, i) =>
        sql`(${i}::integer, ${w.groupId}::bytea, ${w.messageId}::bytea, ${w.sender.accountId}::text,
          ${w.sender.deviceId}::text, ${w.plan.epoch}::bigint, ${w.payload}::bytea, ${w.now}::bigint,
          ${w.valid}::boolean, ${w.expiresAt}::bigint)`,
    ),
  );
  const { rows } = await sql<
    ApplicationCheck & { found: boolean; new_seq: number | null; new_epoch: number | null }
  >`
    with input (i, group_id, message_id, username, device_id, epoch, data, created_at, valid, expires_at) as (values ${input}),
    chk as (
      select input.i, input.group_id, groups.group_id is not null as found, groups.epoch, me.leaf_index,
        me.removed_seq, stored.seq, stored.sender_username, stored.sender_device, stored.epoch as stored_epoch,
        stored.kind,
        (groups.group_id is not null and input.valid and me.leaf_index is not null and me.removed_seq is null
          and stored.seq is null and groups.epoch >= input.epoch) as ok
      from input
      left join groups on groups.group_id = input.group_id
      left join group_members me on me.group_id = input.group_id and me.username = input.username
        and me.device_id = input.device_id
      left join messages stored on stored.group_id = input.group_id and stored.message_id = input.message_id
    ),
    counts as (select group_id, count(*) as n from chk where ok group by group_id),
    locked as (
      select group_id from groups where group_id in (select group_id from counts) order by group_id for update
    ),
    claimed as (
      update groups set next_seq = groups.next_seq + counts.n from counts, locked
      where groups.group_id = counts.group_id and locked.group_id = counts.group_id
      returning groups.group_id, groups.next_seq - counts.n as first_seq, groups.epoch
    ),
    numbered as (
      select chk.i, claimed.first_seq + row_number() over (partition by chk.group_id order by chk.i) - 1 as seq,
        claimed.epoch
      from chk join claimed on claimed.group_id = chk.group_id
      where chk.ok
    ),
    inserted as (
      insert into messages (group_id, seq, message_id, sender_username, sender_device, epoch, kind, data, created_at,
        expires_at)
      select input.group_id, numbered.seq, input.message_id, input.username, input.device_id, input.epoch,
        ${KIND.application}::integer, input.data, input.created_at, input.expires_at
      from numbered join input on input.i = numbered.i
    )
    select chk.*, numbered.seq as new_seq, numbered.epoch as new_epoch
    from chk left join numbered on numbered.i = chk.i
    order by chk.i`.execute(tx);
  return writes.map((_, i) => {
    const row = rows[i]!;
    if (row.new_seq !== null && row.new_epoch !== null) return { seq: row.new_seq, epoch: row.new_epoch };
    return { seq: undefined, check: row.found ? row : undefined };
  });
}
