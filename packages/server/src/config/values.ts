/** The error a bad setting raises, and the checks shared by every part of the configuration. */
import { ParleyError } from '@parley/core';

/** A setting that is not acceptable (its message names it, for the person running the server). */
export class ConfigError extends ParleyError {
  constructor(message: string) {
    super('invalid_config', message);
  }
}

/** Settings as read from a file, the environment or flags, before they are checked. */
export type Raw = Record<string, unknown>;

/** An integer from `min` to `max` (a string of digits from the environment or a flag too). */
export function integer(name: string, v: unknown, min: number, max: number): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}
