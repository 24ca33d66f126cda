/**
 * The `limits` settings: sizes, rates and caps that bound what one client or account can make the
 * server hold or do. Each has a default (chosen so that a family server never meets it: the README's
 * configuration table says why for each) and a range a file may set it in.
 */
import { ConfigError, integer, type Raw } from './values.js';

export interface Limits {
  /** Largest HTTP body, bytes. */
  httpBodyBytes: number;
  /** Largest WebSocket frame, bytes. */
  frameBytes: number;
  /**
   * Login attempts allowed per client address per minute, and per account and address with
   * backoff (this many a minute, 3× in 15 minutes, 10× in 4 hours); the same backoff throttles
   * failed access checks per address under the password or invite policy.
   */
  loginsPerMinute: number;
  /** Messages a device may post per second (sustained; bursts up to 10x). */
  messagesPerSecond: number;
  /**
   * Frames one connection may have received and not yet had answered; past this the server stops
   * reading the connection until answers go out (backpressure on pipelined sends).
   */
  framesInFlight: number;
  /**
   * A connection with more frames than this refused over its rate limit (`rate_limited`) within
   * 10 seconds keeps flooding, and is closed (4429).
   */
  rateLimitedCloseAfter: number;
  /** A WebSocket must authenticate within this many milliseconds or is closed. */
  authTimeoutMs: number;
  /** An HTTP request's headers must arrive within this many milliseconds (slowloris). */
  headersTimeoutMs: number;
  /** WebSockets not yet authenticated, at once, from one client address (more are closed, 4430). */
  unauthenticatedPerAddress: number;
  /**
   * WebSockets of one client address that closed without authenticating, per minute, on this node;
   * past it the address is refused until the minute ends: its TCP connections are held unread and
   * dropped after headersTimeoutMs (tarpit.ts), or, behind a trusted proxy, its upgrades get HTTP 429.
   */
  failedConnectionsPerAddressPerMinute: number;
  /** WebSockets not yet authenticated, at once, on this node from everyone (more are closed, 1013). */
  unauthenticatedTotal: number;
  /** Authenticated WebSockets of one client address at once, on this node (more are closed, 4430). */
  connectionsPerAddress: number;
  /** Authenticated WebSockets of one device at once, on this node (more are closed, 4431). */
  connectionsPerDevice: number;
  /** Authenticated WebSockets of one account's devices at once, on this node (more are closed, 4432). */
  connectionsPerAccount: number;
  /** Accounts registered from one client address per hour (more: `rate_limited` with Retry-After). */
  registrationsPerAddressPerHour: number;
  /** Accounts registered per hour from everyone (more: `rate_limited` with Retry-After). */
  registrationsPerHour: number;
  /** Devices not revoked of one account (more: `limit_reached`). */
  devicesPerAccount: number;
  /** Device-link codes of one account waiting to be claimed (more: `limit_reached`). */
  linkCodesPerAccount: number;
  /** Groups one account creates per day (more: `rate_limited`). */
  groupsPerAccountPerDay: number;
  /** Groups created by one account that still have a member (more: `limit_reached`). */
  groupsPerAccount: number;
}

/** Each limit's default and the range a setting may give it. */
const LIMITS: { [K in keyof Limits]: { value: number; min: number; max: number } } = {
  httpBodyBytes: { value: 1024 * 1024, min: 1024, max: 64 * 1024 * 1024 },
  frameBytes: { value: 1024 * 1024, min: 1024, max: 64 * 1024 * 1024 },
  loginsPerMinute: { value: 10, min: 1, max: 10_000 },
  messagesPerSecond: { value: 50, min: 1, max: 100_000 },
  framesInFlight: { value: 64, min: 1, max: 1024 },
  rateLimitedCloseAfter: { value: 100, min: 1, max: 1_000_000 },
  authTimeoutMs: { value: 10_000, min: 100, max: 600_000 },
  headersTimeoutMs: { value: 10_000, min: 100, max: 600_000 },
  unauthenticatedPerAddress: { value: 64, min: 1, max: 1_000_000 },
  unauthenticatedTotal: { value: 2048, min: 1, max: 1_000_000 },
  failedConnectionsPerAddressPerMinute: { value: 30, min: 1, max: 1_000_000 },
  connectionsPerAddress: { value: 1024, min: 1, max: 1_000_000 },
  connectionsPerDevice: { value: 16, min: 1, max: 10_000 },
  connectionsPerAccount: { value: 128, min: 1, max: 1_000_000 },
  registrationsPerAddressPerHour: { value: 30, min: 1, max: 1_000_000 },
  registrationsPerHour: { value: 300, min: 1, max: 1_000_000 },
  devicesPerAccount: { value: 32, min: 1, max: 10_000 },
  linkCodesPerAccount: { value: 5, min: 1, max: 1000 },
  groupsPerAccountPerDay: { value: 500, min: 1, max: 1_000_000 },
  groupsPerAccount: { value: 5000, min: 1, max: 10_000_000 },
};

export const DEFAULT_LIMITS: Limits = Object.fromEntries(
  Object.entries(LIMITS).map(([name, { value }]) => [name, value]),
) as unknown as Limits;

function isLimit(name: string): name is keyof Limits {
  return Object.hasOwn(LIMITS, name);
}

/** The `limits` object of a file (or of several sources in turn) over `base`; each value checked. */
export function limitsFrom(value: unknown, base: Limits): Limits {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError('limits must be an object');
  const out = { ...base };
  for (const [name, v] of Object.entries(value as Raw)) {
    if (v === undefined) continue;
    if (!isLimit(name)) throw new ConfigError(`unknown setting limits.${name}`);
    const { min, max } = LIMITS[name];
    out[name] = integer(`limits.${name}`, v, min, max);
  }
  return out;
}
