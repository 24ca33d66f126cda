/**
 * Appending to the key transparency log, inside the transaction that makes the key event (so an
 * account or device exists exactly when its entry does). The leaf index is claimed by updating the
 * one counter row: on PostgreSQL the row lock is held until the transaction ends, so however many
 * nodes append, indexes are handed out one transaction at a time and committed in index order
 * with no gap (a transaction that rolls back frees its index for the next one); SQLite runs one
 * writing transaction at a time anyway.
 */
import { encodeLogEntry, type LogEvent, logLeaf } from '@parley/core';
import { sql } from 'kysely';
import type { Db } from '../db.js';

/** Append `event` (within transaction `tx`); returns its leaf index. */
export async function appendKeyEvent(
  tx: Db,
  event: LogEvent,
  deviceId: string | null = null,
): Promise<number> {
  const claimed = await tx
    .updateTable('transparency_state')
    .set({ next_seq: sql`next_seq + 1` })
    .where('id', '=', 1)
    .returning('next_seq')
    .executeTakeFirstOrThrow();
  const seq = Number(claimed.next_seq) - 1;
  const loggedAt = Date.now();
  const entry = encodeLogEntry({ ...event, loggedAt } as Parameters<typeof encodeLogEntry>[0]);
  await tx
    .insertInto('transparency_log')
    .values({
      seq,
      username: event.accountId,
      kind: event.kind,
      device_id: deviceId,
      entry,
      leaf_hash: logLeaf(entry),
      logged_at: loggedAt,
    })
    .execute();
  return seq;
}

/**
 * The hook for an identity reset (the account starts over with a new identity key): call it in the
 * reset's transaction. `evidence` is whatever the reset defines to show it was the person's doing.
 */
export function appendIdentityReset(
  tx: Db,
  accountId: string,
  identityKey: Uint8Array,
  evidence: Uint8Array = new Uint8Array(0),
): Promise<number> {
  return appendKeyEvent(tx, { kind: 'identity_reset', accountId, identityKey, evidence });
}
