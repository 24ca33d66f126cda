/** An account's attachment usage: the bytes its blobs hold (complete and in progress) and its open uploads. */
import { sql } from 'kysely';
import type { Queryable } from '../delivery/log.js';

export interface Usage {
  usedBytes: number;
  /** Uploads not yet complete. */
  open: number;
}

export async function accountUsage(db: Queryable, account: string): Promise<Usage> {
  const row = await db
    .selectFrom('blobs')
    .select([
      sql<number>`coalesce(sum(length), 0)`.as('used'),
      sql<number>`coalesce(sum(case when complete = 0 then 1 else 0 end), 0)`.as('open'),
    ])
    .where('username', '=', account)
    .executeTakeFirst();
  return { usedBytes: Number(row?.used ?? 0), open: Number(row?.open ?? 0) };
}
