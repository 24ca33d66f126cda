/**
 * When each device was last seen, for its account's devices list: the time its authenticated
 * connection last opened, and the time its last connection on this node closed, written lazily
 * (seenWrites.ts): none per frame, at most one transaction a second however often devices
 * reconnect. A device counts as online while its last opening is newer than
 * its last closing and its account has a connection on some live node (the Cluster's count), so a
 * node that died without recording the closings does not leave its devices online.
 */
import type { Cluster } from './cluster.js';
import type { Hub } from './hub.js';
import type { SeenRow, SeenWrites } from './seenWrites.js';

export function recordDeviceSeen(hub: Hub, seen: SeenWrites): void {
  hub.onConnectionChange(async (accountId, connected, deviceId) => {
    // A device reconnecting may briefly have two connections: the older one closing is no leaving.
    if (!connected && hub.sessionsOf(accountId, deviceId).length > 0) return;
    seen.deviceSeen(
      accountId,
      deviceId,
      connected ? { connected_at: Date.now() } : { disconnected_at: Date.now() },
    );
  });
}

/** A device's last-seen time (null: never connected) and whether it is connected now. */
export async function seenOf(
  cluster: Cluster,
  accountId: string,
  rows: SeenRow[],
): Promise<Array<{ lastSeen: number | null; online: boolean }>> {
  const [accountOnline] = await cluster.online([accountId]);
  const now = Date.now();
  return rows.map(({ connected_at: opened, disconnected_at: closed }) => {
    const online = accountOnline === true && opened !== null && (closed === null || opened >= closed);
    const last = Math.max(opened ?? 0, closed ?? 0);
    return { online, lastSeen: online ? now : last === 0 ? null : last };
  });
}
