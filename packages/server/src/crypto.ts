import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DEFAULT_CIPHERSUITE } from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import {
  type CiphersuiteImpl,
  type CiphersuiteName,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type Signature,
} from 'ts-mls';

/** Ed25519 on node:crypto, for checking certificates and revocations. */
export async function serverSignature(): Promise<Signature> {
  return (await getCiphersuiteImpl(getCiphersuiteFromName(DEFAULT_CIPHERSUITE), nativeCryptoProvider))
    .signature;
}

const suites = new Map<string, CiphersuiteImpl>();

/** The native implementation of an MLS ciphersuite, made once per suite. */
export async function suite(name: string): Promise<CiphersuiteImpl> {
  let cs = suites.get(name);
  if (cs === undefined) {
    cs = await getCiphersuiteImpl(getCiphersuiteFromName(name as CiphersuiteName), nativeCryptoProvider);
    suites.set(name, cs);
  }
  return cs;
}

export function sha256(data: string | Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** A random bearer secret (session token, invite code): 32 bytes, base64url. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of two strings (via their SHA-256, so lengths do not leak either). */
export function secretEquals(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}
