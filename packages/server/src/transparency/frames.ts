/** The key transparency frames (client 20–23 and 26, server 147–150 and 156) over the device's WebSocket. */
import { MAX_LOG_PAGE } from '@parley/core';
import { FrameError, type Hub } from '../hub.js';
import type { TransparencyLog } from './service.js';

/** A proof asked of a tree the log does not (yet) have. */
function beyond<T>(f: () => Promise<T>): Promise<T> {
  return f().catch((e: unknown) => {
    if (e instanceof RangeError) throw new FrameError('not_found', 'no such entry or tree size in the log');
    throw e;
  });
}

export function transparencyFrames(hub: Hub, log: TransparencyLog): void {
  hub.on('log_head_get', async (_session, f) => ({
    type: 'log_head',
    requestId: f.requestId,
    publicKey: log.key.publicKey,
    head: await log.latest(),
  }));
  hub.on('log_inclusion_get', (_session, f) =>
    beyond(async () => ({
      type: 'log_inclusion',
      requestId: f.requestId,
      index: f.index,
      size: f.size,
      path: await log.inclusion(f.index, f.size),
    })),
  );
  hub.on('log_consistency_get', (_session, f) =>
    beyond(async () => ({
      type: 'log_consistency',
      requestId: f.requestId,
      first: f.first,
      second: f.second,
      path: await log.consistency(f.first, f.second),
    })),
  );
  hub.on('log_entries_get', async (_session, f) => ({
    type: 'log_entries',
    requestId: f.requestId,
    start: f.start,
    entries: await log.entries(f.start, Math.min(f.limit, MAX_LOG_PAGE)),
  }));
  hub.on('log_identity_get', async (_session, f) => {
    const head = await log.latest();
    return {
      type: 'log_identity',
      requestId: f.requestId,
      head,
      entries: await log.identityProofs(f.accountId, head),
    };
  });
}
