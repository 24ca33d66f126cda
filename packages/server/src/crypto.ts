import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CiphersuiteImpl, CiphersuiteName, Signature } from '@parley/core';
import { nativeCiphersuite } from '@parley/core/node';

/** Ed25519 on node:crypto, for checking certificates and revocations. */
export async function serverSignature(): Promise<Signature> {
  return (await nativeCiphersuite()).signature;
}

/** The native implementation of an MLS ciphersuite, made once per suite. */
export function suite(name: string): Promise<CiphersuiteImpl> {
  return nativeCiphersuite(name as CiphersuiteName);
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
