/**
 * Disappearing messages on the server (and expired transfer tickets): a `send` may state when its message expires (docs/protocol.md,
 * "Disappearing messages"); the server keeps that time with the ciphertext, never returns the
 * message from a fetch after it, and a sweep deletes expired rows, a bounded number per run, every
 * `expirySweepMs` (and once at start-up).
 */
import { MAX_TIMER_SECONDS } from '@parley/core';
import type { Db } from './db.js';
import { FrameError } from './hubTypes.js';
import type { Metrics } from './metrics.js';
import { periodic } from './periodic.js';
import { sweepTickets } from './transferTickets.js';

/** How far beyond the longest timer an expiry may lie: the sender's clock may run ahead. */
export const EXPIRY_SLACK_MS = 24 * 3600_000;
/** Rows one run of the sweep deletes at most (the next run goes on). */
export const EXPIRY_SWEEP_BATCH = 1000;

/** Refuse an expiry that is not in the future, or lies beyond the longest timer (and slack); none is fine. */
export function checkExpiry(
  expiresAt: number | null | undefined,
  application: boolean,
  now = Date.now(),
): void {
  if (expiresAt == null) return;
  if (!application) throw new FrameError('invalid_expiry', 'only an application message expires');
  if (expiresAt <= now) throw new FrameError('invalid_expiry', 'the expiry has passed');
  if (expiresAt > now + MAX_TIMER_SECONDS * 1000 + EXPIRY_SLACK_MS)
    throw new FrameError('invalid_expiry', 'the expiry lies too far ahead');
}

/** Delete up to `limit` expired messages; returns how many went. */
export async function sweepExpired(db: Db, now = Date.now(), limit = EXPIRY_SWEEP_BATCH): Promise<number> {
  const due = await db
    .selectFrom('messages')
    .select(['group_id', 'seq'])
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  let deleted = 0;
  for (const { group_id, seq } of due) {
    const r = await db
      .deleteFrom('messages')
      .where('group_id', '=', group_id)
      .where('seq', '=', seq)
      .executeTakeFirst();
    deleted += Number(r.numDeletedRows);
  }
  return deleted;
}

export function scheduleExpiry(
  db: Db,
  intervalMs: number,
  metrics: Metrics,
  onError: (e: unknown) => void,
): () => void {
  return periodic(
    intervalMs,
    async () => {
      metrics.messagesRetired.inc(await sweepExpired(db));
      await sweepTickets(db);
    },
    onError,
  );
}
