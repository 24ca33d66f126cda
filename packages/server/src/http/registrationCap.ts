/**
 * How many accounts may be registered: per client address per hour, and per hour from everyone (a
 * ceiling against a flood from many addresses). Counted through the cluster's limiters, so the caps
 * hold across nodes; a refusal is `429 rate_limited` with Retry-After (the end of the hour's window).
 */
import type { Cluster, Limiter } from '../cluster.js';
import type { Limits } from '../config.js';
import { ApiError } from '../errors.js';

const HOUR_MS = 60 * 60_000;
/** The one key of the server-wide count. */
const EVERYONE = 'all';

export interface RegistrationCap {
  /** Refuse a registration that has started when a cap is used up (counting nothing). */
  check(ip: string): Promise<void>;
  /** Count a registration about to be stored, or refuse it. */
  take(ip: string): Promise<void>;
}

async function refusal(limiter: Limiter, key: string, message: string): Promise<ApiError> {
  const seconds = Math.max(1, Math.ceil((await limiter.retryAfterMs(key)) / 1000));
  return new ApiError(429, 'rate_limited', message, { retryAfterSeconds: seconds });
}

const FROM_ADDRESS = 'too many accounts registered from this address; try again later';
const FROM_EVERYONE = 'this server takes no more registrations this hour; try again later';

export function registrationCap(cluster: Cluster, limits: Limits): RegistrationCap {
  const perAddress = cluster.limiter('registrations-ip', limits.registrationsPerAddressPerHour, HOUR_MS);
  const everyone = cluster.limiter('registrations', limits.registrationsPerHour, HOUR_MS);
  return {
    async check(ip) {
      if (await perAddress.exhausted(ip)) throw await refusal(perAddress, ip, FROM_ADDRESS);
      if (await everyone.exhausted(EVERYONE)) throw await refusal(everyone, EVERYONE, FROM_EVERYONE);
    },
    async take(ip) {
      // An address over its own cap does not use up everyone's.
      if (!(await perAddress.take(ip))) throw await refusal(perAddress, ip, FROM_ADDRESS);
      if (!(await everyone.take(EVERYONE))) throw await refusal(everyone, EVERYONE, FROM_EVERYONE);
    },
  };
}
