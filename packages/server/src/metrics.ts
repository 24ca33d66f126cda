/** Prometheus metrics (GET /metrics). Metrics are added here as the features that feed them land. */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  registrations: Counter;
  logins: Counter<'result'>;
  devicesAdded: Counter;
  connections: Gauge;
  framesIn: Counter;
  frameErrors: Counter<'code'>;
  keyPackagesClaimed: Counter<'kind'>;
  messagesIn: Counter;
  messagesOut: Counter;
  commitConflicts: Counter;
  messagesRetired: Counter;
  uploadsCompleted: Counter;
  blobsDeleted: Counter;
}

/**
 * Queue depth: messages in group logs not yet acknowledged, summed over current member devices.
 * Computed when /metrics is scraped.
 */
export function registerQueueDepth(metrics: Metrics, depth: () => Promise<number>): void {
  new Gauge({
    name: 'parley_queue_depth',
    help: 'Messages not yet acknowledged by their recipient devices',
    registers: [metrics.registry],
    async collect() {
      this.set(await depth());
    },
  });
}

/** Bytes of attachment blobs held (complete and in progress, as declared). Computed when scraped. */
export function registerBlobBytes(metrics: Metrics, bytes: () => Promise<number>): void {
  new Gauge({
    name: 'parley_blob_bytes',
    help: 'Bytes of attachment blobs stored or being uploaded',
    registers: [metrics.registry],
    async collect() {
      this.set(await bytes());
    },
  });
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'parley_process_' });
  return {
    registry,
    registrations: new Counter({
      name: 'parley_registrations_total',
      help: 'Accounts registered',
      registers: [registry],
    }),
    logins: new Counter({
      name: 'parley_logins_total',
      help: 'Login attempts by result (ok, failed, throttled)',
      labelNames: ['result'],
      registers: [registry],
    }),
    devicesAdded: new Counter({
      name: 'parley_devices_added_total',
      help: 'Devices added',
      registers: [registry],
    }),
    connections: new Gauge({
      name: 'parley_ws_connections',
      help: 'Open WebSocket connections',
      registers: [registry],
    }),
    framesIn: new Counter({
      name: 'parley_frames_in_total',
      help: 'WebSocket frames received',
      registers: [registry],
    }),
    frameErrors: new Counter({
      name: 'parley_frame_errors_total',
      help: 'Frames answered with an error, by code',
      labelNames: ['code'],
      registers: [registry],
    }),
    keyPackagesClaimed: new Counter({
      name: 'parley_key_packages_claimed_total',
      help: 'Key packages handed out, by kind (one_time, last_resort)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    messagesIn: new Counter({
      name: 'parley_messages_in_total',
      help: 'Group messages accepted',
      registers: [registry],
    }),
    messagesOut: new Counter({
      name: 'parley_messages_out_total',
      help: 'Group messages pushed to devices',
      registers: [registry],
    }),
    messagesRetired: new Counter({
      name: 'parley_messages_retired_total',
      help: 'Log entries deleted by the retention job and the expiry sweep (disappearing messages)',
      registers: [registry],
    }),
    uploadsCompleted: new Counter({
      name: 'parley_uploads_completed_total',
      help: 'Attachment uploads completed',
      registers: [registry],
    }),
    blobsDeleted: new Counter({
      name: 'parley_blobs_deleted_total',
      help: 'Attachment blobs deleted by the sweep (message gone, expired, never attached)',
      registers: [registry],
    }),
    commitConflicts: new Counter({
      name: 'parley_commit_conflicts_total',
      help: 'Handshake messages refused as stale_epoch',
      registers: [registry],
    }),
  };
}
