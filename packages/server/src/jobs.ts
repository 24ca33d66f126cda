/**
 * The server's background jobs, started with it and stopped when it closes: retention (hourly),
 * the expiry sweep (disappearing messages, tickets), and the watch that cuts disabled accounts'
 * connections, and freeing deleted accounts' names after their quarantine (hourly). A failed run is logged by name only and the next run goes on.
 */
import type { FastifyInstance } from 'fastify';
import { scheduleFreeNames } from './accountDeletion.js';
import type { ServerConfig } from './config.js';
import type { Db } from './db.js';
import { scheduleExpiry } from './expiry.js';
import type { Hub } from './hub.js';
import type { Metrics } from './metrics.js';
import { watchDisabled } from './moderation/watch.js';
import { scheduleRetention } from './retention.js';

export function startJobs(
  app: FastifyInstance,
  deps: { db: Db; hub: Hub; config: ServerConfig; metrics: Metrics },
) {
  const { db, hub, config, metrics } = deps;
  const failed = (job: string) => (e: unknown) =>
    app.log.error({ err: { type: (e as Error).name } }, `${job} failed`);
  const stopRetention = scheduleRetention(db, config.retentionDays, metrics, failed('retention job'));
  const stopExpiry = scheduleExpiry(db, config.expirySweepMs, metrics, failed('expiry sweep'));
  const stopFreeNames = scheduleFreeNames(db, failed('freeing deleted names'));
  const stopWatch = watchDisabled(db, hub, failed('watching disabled accounts'));
  app.addHook('preClose', async () => stopWatch());
  app.addHook('onClose', async () => {
    stopRetention();
    stopExpiry();
    stopFreeNames();
  });
}
