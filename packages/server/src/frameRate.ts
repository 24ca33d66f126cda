/**
 * The per-device frame rate limit: a token bucket per device (shared by its connections) and, per
 * connection, the count of frames refused over it, so a connection that keeps flooding is closed.
 */

/** Token bucket of one device. */
interface Bucket {
  tokens: number;
  refilledAt: number;
}

/** Token buckets of every device: `perSecond` frames a second, bursts of ten times that. */
export class DeviceRates {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Take a token for `device`: 0 when taken, else the milliseconds until one is there again. */
  take(device: string): number {
    const now = this.now();
    const burst = this.perSecond * 10;
    let b = this.buckets.get(device);
    if (b === undefined) {
      if (this.buckets.size >= 100_000) this.buckets.clear();
      b = { tokens: burst, refilledAt: now };
      this.buckets.set(device, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.refilledAt) / 1000) * this.perSecond);
    b.refilledAt = now;
    if (b.tokens < 1) return Math.ceil(((1 - b.tokens) / this.perSecond) * 1000);
    b.tokens -= 1;
    return 0;
  }
}

/** How long refusals of one connection are counted together. */
export const REFUSAL_WINDOW_MS = 10_000;

/**
 * The refusals of one connection in fixed windows of REFUSAL_WINDOW_MS: `refuse` says whether the
 * connection is still within `limit` (false: it persists over its rate limit and is to be closed).
 */
export function refusalCounter(limit: number, now: () => number = Date.now): { refuse(): boolean } {
  let start = 0;
  let count = 0;
  return {
    refuse() {
      const t = now();
      if (t - start >= REFUSAL_WINDOW_MS) {
        start = t;
        count = 0;
      }
      return ++count <= limit;
    },
  };
}
