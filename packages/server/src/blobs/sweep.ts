/**
 * Deleting blobs (bytes and row), in bounded runs of the periodic machinery (periodic.ts): those
 * whose message is gone (retention or the expiry sweep deleted it), those past their message's
 * expiry, and those never attached within UNATTACHED_MS of their creation (abandoned or unsent
 * uploads, which free the quota they held). The uploader's DELETE is uploads.ts's.
 */
import type { Db } from '../db.js';
import type { Metrics } from '../metrics.js';
import { periodic } from '../periodic.js';
import type { BlobStorage } from './storage.js';

/** How long an upload may stay unattached to any message. */
export const UNATTACHED_MS = 24 * 3600_000;
/** Blobs one run deletes at most, of each kind (the next run goes on). */
export const BLOB_SWEEP_BATCH = 200;

/** The ids of blobs due for deletion, at most `limit` of each kind. */
async function due(db: Db, now: number, limit: number): Promise<string[]> {
  const orphaned = await db
    .selectFrom('blobs')
    .select('id')
    .where('seq', 'is not', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('messages')
            .select('messages.seq')
            .whereRef('messages.group_id', '=', 'blobs.group_id')
            .whereRef('messages.seq', '=', 'blobs.seq'),
        ),
      ),
    )
    .limit(limit)
    .execute();
  const expired = await db
    .selectFrom('blobs')
    .select('id')
    .where('expires_at', '<=', now)
    .limit(limit)
    .execute();
  const abandoned = await db
    .selectFrom('blobs')
    .select('id')
    .where('seq', 'is', null)
    .where('created_at', '<', now - UNATTACHED_MS)
    .limit(limit)
    .execute();
  return [...new Set([...orphaned, ...expired, ...abandoned].map((r) => r.id))];
}

/** Delete the blobs due; returns how many went. */
export async function sweepBlobs(
  db: Db,
  storage: BlobStorage,
  now = Date.now(),
  limit = BLOB_SWEEP_BATCH,
): Promise<number> {
  let deleted = 0;
  for (const id of await due(db, now, limit)) {
    // The row first: a blob without its row is never served, and its bytes go right after. On a
    // cluster, of the nodes sweeping at once only the one whose delete took the row goes on.
    const r = await db.deleteFrom('blobs').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) continue;
    await storage.remove(id);
    deleted++;
  }
  return deleted;
}

export function scheduleBlobSweep(
  db: Db,
  storage: BlobStorage,
  intervalMs: number,
  metrics: Metrics,
  onError: (e: unknown) => void,
): () => void {
  return periodic(intervalMs, async () => metrics.blobsDeleted.inc(await sweepBlobs(db, storage)), onError);
}
