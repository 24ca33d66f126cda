/**
 * Fan-out of a stored message: one encoding of the `deliver` push shared by every recipient's
 * connections (on this node or, through the cluster, others), and the Welcome to added devices.
 */
import { encodeServerFrame } from '@parley/core';
import type { Hub } from '../hub.js';
import type { Metrics } from '../metrics.js';
import type { Added, Member } from './policy.js';

export interface Stored {
  groupId: Uint8Array;
  seq: number;
  payload: Uint8Array;
}

/** Push a stored message to its recipients. */
export function pushMessage(hub: Hub, metrics: Metrics, m: Stored, recipients: Member[]): void {
  const push = encodeServerFrame({
    type: 'deliver',
    requestId: 0,
    groupId: m.groupId,
    seq: m.seq,
    payload: m.payload,
  });
  const targets = recipients.map((r) => ({ accountId: r.username, deviceId: r.device_id }));
  metrics.messagesOut.inc(hub.pushTo(targets, push));
}

/** Push a commit's Welcome to the devices it adds. */
export function pushWelcome(hub: Hub, m: Stored, welcome: Uint8Array, added: Added[]): void {
  const push = encodeServerFrame({ type: 'welcome', requestId: 0, groupId: m.groupId, seq: m.seq, welcome });
  hub.pushTo(
    added.map((a) => ({ accountId: a.username, deviceId: a.deviceId })),
    push,
  );
}
