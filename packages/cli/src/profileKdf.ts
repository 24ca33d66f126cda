/**
 * How a profile's password becomes its storage key: Node's native scrypt with core's production
 * parameters (DEFAULT_SCRYPT, N = 2^17, r = 8, p = 1), the same for every person.
 *
 * Parley's own test suite starts hundreds of `parley` processes, each deriving the key once; it
 * sets PARLEY_TEST_WEAK_KDF=1 to seal its throwaway profiles with cheap parameters (N = 2^10), and
 * to register and log in its throwaway accounts with cheap OPAQUE key stretching (client api.ts).
 * Core refuses them outside a test run (VITEST or NODE_ENV=test), and so does this module, with a
 * clear message. A profile sealed that way opens only with the setting: the parameters are in
 * the envelope's header and core rejects weak ones otherwise; an account registered with it logs
 * in only with it. cli.test.ts proves the production parameters are what a profile and an account
 * get without it.
 */
import { type DeriveOptions, isTestRun } from '@parley/core';
import { nodeScrypt } from '@parley/core/node';
import { CliError } from './errors.js';

const TEST_PARAMS = { logN: 10, r: 8, p: 1 } as const;

/**
 * Whether this run asked for the test-only parameters (refused outside a test run): cheap scrypt
 * here, and cheap OPAQUE key stretching for the password login (serverTrust.ts apiFor).
 */
export function weakForTests(): boolean {
  const asked = process.env.PARLEY_TEST_WEAK_KDF;
  if (asked === undefined || asked === '' || asked === '0') return false;
  if (!isTestRun()) throw new CliError('PARLEY_TEST_WEAK_KDF is for Parley’s own test runs only');
  return true;
}

/** Options for deriving a new profile's key (fresh salt). */
export function newProfileKdf(): DeriveOptions {
  return weakForTests()
    ? { scrypt: nodeScrypt, params: TEST_PARAMS, unsafeTestingWeakKdf: true }
    : { scrypt: nodeScrypt };
}

/** Options for opening a profile (the parameters come from its envelope). */
export function openProfileKdf(): Pick<DeriveOptions, 'scrypt' | 'unsafeTestingWeakKdf'> {
  return weakForTests() ? { scrypt: nodeScrypt, unsafeTestingWeakKdf: true } : { scrypt: nodeScrypt };
}
