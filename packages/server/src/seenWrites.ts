/**
 * Last-seen times, written lazily. An account's `last_seen` and a device's `connected_at` /
 * `disconnected_at` change whenever a connection opens or closes. Written one by one, each change
 * would be a durable transaction of its own (on SQLite a disk flush, on the event loop), so a
 * client reconnecting in a loop would make the server flush thousands of times a second and stall
 * everyone else (issue #15 item 3). They are kept in memory instead and written together, at most
 * once every `intervalMs`, in one transaction; reads merge in what is not written yet. A crash
 * loses at most that much of them: nothing else depends on them.
 */
import type { Db } from './db.js';

/** A device's connection times, as stored (null: never). */
export interface SeenRow {
  connected_at: number | null;
  disconnected_at: number | null;
}

type DeviceChange = { connected_at?: number; disconnected_at?: number };

export class SeenWrites {
  private readonly accounts = new Map<string, number>();
  private readonly devices = new Map<string, { accountId: string; deviceId: string } & DeviceChange>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly onError: (e: unknown) => void,
    private readonly intervalMs = 1_000,
  ) {}

  /** The account's last device went offline at `at`. */
  accountSeen(accountId: string, at: number): void {
    this.accounts.set(accountId, at);
    this.schedule();
  }

  /** A device's connection opened or closed. */
  deviceSeen(accountId: string, deviceId: string, change: DeviceChange): void {
    const key = `${accountId}\0${deviceId}`;
    this.devices.set(key, { ...this.devices.get(key), accountId, deviceId, ...change });
    this.schedule();
  }

  /** An account's last-seen time with what is not written yet. */
  lastSeen(accountId: string, stored: number | null): number | null {
    const pending = this.accounts.get(accountId);
    return pending === undefined ? stored : Math.max(pending, stored ?? 0);
  }

  /** A device's stored times with what is not written yet. */
  deviceRow(accountId: string, deviceId: string, row: SeenRow): SeenRow {
    const pending = this.devices.get(`${accountId}\0${deviceId}`);
    if (pending === undefined) return row;
    return {
      connected_at: pending.connected_at ?? row.connected_at,
      disconnected_at: pending.disconnected_at ?? row.disconnected_at,
    };
  }

  /**
   * Write everything held now (one transaction); resolves once it is written. What was written
   * stays held until then, so readers never fall back to the older stored times meanwhile; a change
   * that came during the write stays held for the next one, and a failed write is tried again.
   */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const accounts = [...this.accounts];
    const devices = [...this.devices];
    if (accounts.length === 0 && devices.length === 0) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      try {
        await this.db.transaction().execute(async (tx) => {
          for (const [username, at] of accounts)
            await tx
              .updateTable('accounts')
              .set({ last_seen: at })
              .where('username', '=', username)
              .execute();
          for (const [, { accountId, deviceId, ...change }] of devices)
            await tx
              .updateTable('devices')
              .set(change)
              .where('username', '=', accountId)
              .where('device_id', '=', deviceId)
              .execute();
        });
      } catch (e) {
        this.onError(e);
        this.schedule();
        return;
      }
      for (const [key, at] of accounts) if (this.accounts.get(key) === at) this.accounts.delete(key);
      for (const [key, entry] of devices) if (this.devices.get(key) === entry) this.devices.delete(key);
    });
    return this.flushing;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }
}
