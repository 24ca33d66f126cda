/**
 * Attachments on the server (docs/protocol.md, "Attachments"): opaque encrypted blobs uploaded
 * over tus (uploads.ts), downloaded by those who may read them (downloads.ts, access.ts), attached
 * to messages at `send` (attach.ts) and deleted with them (sweep.ts), their bytes in one of two
 * storage backends (storage.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config.js';
import type { Db } from '../db.js';
import { type Metrics, registerBlobBytes } from '../metrics.js';
import { databaseStorage } from './databaseStorage.js';
import { downloadRoutes } from './downloads.js';
import { fileStorage } from './fileStorage.js';
import type { BlobStorage } from './storage.js';
import { scheduleBlobSweep } from './sweep.js';
import { uploadRoutes } from './uploads.js';

export interface BlobsDeps {
  db: Db;
  config: ServerConfig;
  metrics: Metrics;
}

/** The configured backend: `auto` is the database on PostgreSQL (every node reaches it), else files. */
export function blobStorage(db: Db, config: ServerConfig): BlobStorage {
  const auto = config.database === undefined ? 'file' : 'database';
  const kind = config.attachmentStore === 'auto' ? auto : config.attachmentStore;
  return kind === 'file' ? fileStorage(`${config.dataDir}/blobs`) : databaseStorage(db);
}

/** The attachment routes, metrics and sweep (stopped when the app closes). */
export async function attachmentService(app: FastifyInstance, deps: BlobsDeps): Promise<void> {
  const { db, config, metrics } = deps;
  const storage = blobStorage(db, config);
  await app.register(uploadRoutes, { ...deps, storage });
  await app.register(downloadRoutes, { db, config, storage });
  registerBlobBytes(metrics, async () => {
    const row = await db
      .selectFrom('blobs')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('length'), eb.lit(0)).as('bytes'))
      .executeTakeFirst();
    return Number(row?.bytes ?? 0);
  });
  const stop = scheduleBlobSweep(db, storage, config.expirySweepMs, metrics, (e) =>
    app.log.error({ err: { type: (e as Error).name } }, 'blob sweep failed'),
  );
  app.addHook('onClose', async () => stop());
}
