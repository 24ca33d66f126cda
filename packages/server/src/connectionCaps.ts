/**
 * How many WebSockets one client may hold open on this node: before authenticating, per client
 * address and in total (a socket that has not authenticated costs the server without being anyone
 * yet); once authenticated, per address, per device and per account. A socket over a cap is closed
 * with its close code (core's CLOSE) and counts nowhere.
 */
import type { CloseKind } from '@parley/core';
import { RateLimiter } from './rateLimit.js';

export interface ConnectionLimits {
  unauthenticatedPerAddress: number;
  unauthenticatedTotal: number;
  failedConnectionsPerAddressPerMinute: number;
  connectionsPerAddress: number;
  connectionsPerDevice: number;
  connectionsPerAccount: number;
}

/** Counts per key; a key at zero is forgotten, so the maps hold only open connections. */
class Tally {
  private readonly counts = new Map<string, number>();
  total = 0;

  of(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  add(key: string, delta: 1 | -1): void {
    const n = this.of(key) + delta;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
    this.total += delta;
  }
}

/** One admitted connection's place in the counts. */
export interface Ticket {
  /** The connection authenticated as this device: undefined when admitted, else why it is refused. */
  authenticated(accountId: string, deviceId: string): CloseKind | undefined;
  /** The connection closed (idempotent): it no longer counts. */
  release(): void;
}

export class ConnectionCaps {
  private readonly waiting = new Tally();
  private readonly byAddress = new Tally();
  private readonly byDevice = new Tally();
  private readonly byAccount = new Tally();
  /** Connections that closed without authenticating, per address and minute. */
  private readonly failures: RateLimiter;

  constructor(private readonly limits: ConnectionLimits) {
    this.failures = new RateLimiter(limits.failedConnectionsPerAddressPerMinute, 60_000);
  }

  /**
   * A new connection from `address`: its ticket, or why it is refused (`failing`: the address's
   * connections keep closing without authenticating; it is refused before the WebSocket opens).
   */
  /** Whether the address's connections keep closing without authenticating (see `open`). */
  failing(address: string): boolean {
    return this.failures.exhausted(address);
  }

  open(address: string): Ticket | CloseKind | 'failing' {
    const { limits } = this;
    if (this.failures.exhausted(address)) return 'failing';
    if (this.waiting.of(address) >= limits.unauthenticatedPerAddress) return 'addressBusy';
    if (this.waiting.total >= limits.unauthenticatedTotal) return 'serverBusy';
    this.waiting.add(address, 1);
    let state: 'waiting' | 'authenticated' | 'released' = 'waiting';
    let device = '';
    let account = '';
    const release = () => {
      if (state === 'waiting') {
        this.waiting.add(address, -1);
        this.failures.take(address);
      } else if (state === 'authenticated') {
        this.byAddress.add(address, -1);
        this.byDevice.add(device, -1);
        this.byAccount.add(account, -1);
      }
      state = 'released';
    };
    return {
      release,
      authenticated: (accountId, deviceId) => {
        if (state !== 'waiting') return undefined;
        const key = `${accountId}\0${deviceId}`;
        const refusal =
          this.byAddress.of(address) >= limits.connectionsPerAddress
            ? 'addressBusy'
            : this.byDevice.of(key) >= limits.connectionsPerDevice
              ? 'deviceBusy'
              : this.byAccount.of(accountId) >= limits.connectionsPerAccount
                ? 'accountBusy'
                : undefined;
        release();
        if (refusal !== undefined) return refusal;
        state = 'authenticated';
        [device, account] = [key, accountId];
        this.byAddress.add(address, 1);
        this.byDevice.add(device, 1);
        this.byAccount.add(account, 1);
        return undefined;
      },
    };
  }
}
