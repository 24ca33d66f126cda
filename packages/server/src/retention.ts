/**
 * Retention: a group's log keeps a message until every current member device has acknowledged it
 * (a deleted account's member rows, with no device left, count for nothing)
 * and it is older than the retention period; then it is deleted. Welcomes never collected are
 * dropped after the same period (the key packages they were for have expired by then). The job runs
 * hourly in the background and once at start-up.
 */
import type { Db } from './db.js';
import type { Metrics } from './metrics.js';
import { periodic } from './periodic.js';

export const RETENTION_INTERVAL_MS = 3600_000;

export async function runRetention(db: Db, retentionDays: number, now = Date.now()): Promise<number> {
  const cutoff = now - retentionDays * 24 * 3600_000;
  const floors = await db
    .selectFrom('group_members')
    .select(['group_id', (eb) => eb.fn.min<number>('acked_seq').as('floor')])
    .where('removed_seq', 'is', null)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('devices')
          .select('devices.device_id')
          .whereRef('devices.username', '=', 'group_members.username')
          .whereRef('devices.device_id', '=', 'group_members.device_id'),
      ),
    )
    .groupBy('group_id')
    .execute();
  let deleted = 0;
  for (const { group_id, floor } of floors) {
    const r = await db
      .deleteFrom('messages')
      .where('group_id', '=', group_id)
      .where('seq', '<=', floor)
      .where('created_at', '<', cutoff)
      .executeTakeFirst();
    deleted += Number(r.numDeletedRows);
  }
  await db.deleteFrom('welcomes').where('created_at', '<', cutoff).execute();
  return deleted;
}

export function scheduleRetention(
  db: Db,
  retentionDays: number,
  metrics: Metrics,
  onError: (e: unknown) => void,
): () => void {
  const job = async () => metrics.messagesRetired.inc(await runRetention(db, retentionDays));
  return periodic(RETENTION_INTERVAL_MS, job, onError);
}
