/** Attempt throttles for logins and the access policy: windows that lengthen (backoff), shared by every node. */
import type { Cluster } from '../cluster.js';
import { ApiError } from '../errors.js';

/**
 * The steps of the backoff: a key may make `times` × the per-minute allowance within `windowMs`.
 * One that used up the first step waits a minute; one that keeps going then waits out 15 minutes,
 * then 4 hours, so a guesser gets ever fewer tries while an honest typo costs at most a minute.
 */
const STEPS = [
  { times: 1, windowMs: 60_000 },
  { times: 3, windowMs: 15 * 60_000 },
  { times: 10, windowMs: 4 * 60 * 60_000 },
] as const;

export interface Throttle {
  /** Count one attempt for `key`; false when the key must wait. Attempts refused are not counted further. */
  allow(key: string): Promise<boolean>;
  /** Whether `key` must wait, counting nothing (with `fail`: a throttle that only failures feed). */
  waiting(key: string): Promise<boolean>;
  /** Count one failed attempt for `key`. */
  fail(key: string): Promise<void>;
}

/** A backoff throttle named `name`, through the cluster's limiters (so it holds across nodes). */
export function backoffThrottle(cluster: Cluster, name: string, perMinute: number): Throttle {
  const limiters = STEPS.map((s, i) => cluster.limiter(`${name}:${i}`, s.times * perMinute, s.windowMs));
  return {
    async allow(key) {
      for (const limiter of limiters) if (!(await limiter.take(key))) return false;
      return true;
    },
    async waiting(key) {
      for (const limiter of limiters) if (await limiter.exhausted(key)) return true;
      return false;
    },
    async fail(key) {
      for (const limiter of limiters) await limiter.take(key);
    },
  };
}

/** The error every throttled attempt answers with. */
export function rateLimited(what: string): ApiError {
  return new ApiError(429, 'rate_limited', `too many ${what} attempts; wait and try again later`);
}
