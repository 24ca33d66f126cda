/**
 * The one door to ts-mls for the rest of Parley. Server, client, front ends and benchmarks name MLS
 * types and suite implementations through this module, so the MLS library stays an implementation
 * detail of @parley/core (one pinned version, one place to change it).
 */
import {
  type CiphersuiteImpl,
  type CiphersuiteName,
  type CryptoProvider,
  defaultCryptoProvider,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type KeyPackage,
  type PublicMessage,
} from 'ts-mls';
import { makeProposalRef } from 'ts-mls/authenticatedContent.js';
import { makeKeyPackageRef, verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { DEFAULT_CIPHERSUITE } from './suites.js';

export type {
  CiphersuiteImpl,
  CiphersuiteName,
  CryptoProvider,
  KeyPackage,
  PrivateMessage,
  Proposal,
  PublicMessage,
  Signature,
} from 'ts-mls';
export { defaultCryptoProvider } from 'ts-mls';

const loaded = new WeakMap<CryptoProvider, Map<string, Promise<CiphersuiteImpl>>>();

/**
 * The implementation of an MLS ciphersuite (RFC 9420 §5.1) on a crypto provider (ts-mls's WebCrypto
 * one by default; Node callers pass `nativeCryptoProvider`), made once per provider and suite.
 */
export function loadCiphersuite(
  name: CiphersuiteName = DEFAULT_CIPHERSUITE,
  provider: CryptoProvider = defaultCryptoProvider,
): Promise<CiphersuiteImpl> {
  let byName = loaded.get(provider);
  if (byName === undefined) {
    byName = new Map();
    loaded.set(provider, byName);
  }
  let cs = byName.get(name);
  if (cs === undefined) {
    cs = getCiphersuiteImpl(getCiphersuiteFromName(name), provider);
    cs.catch(() => byName.delete(name));
    byName.set(name, cs);
  }
  return cs;
}

/** KeyPackageRef (RFC 9420 §5.2): the hash reference that names a key package. */
export function makeKeyPackageReference(kp: KeyPackage, cs: CiphersuiteImpl): Promise<Uint8Array> {
  return makeKeyPackageRef(kp, cs.hash);
}

/** Whether a key package's signature verifies under its own leaf signature key (RFC 9420 §10.1). */
export function keyPackageSignatureValid(kp: KeyPackage, cs: CiphersuiteImpl): Promise<boolean> {
  return verifyKeyPackage(kp, cs.signature);
}

/** ProposalRef (RFC 9420 §5.2) of a proposal sent as a PublicMessage. */
export function makeProposalReference(pm: PublicMessage, cs: CiphersuiteImpl): Promise<Uint8Array> {
  return makeProposalRef({ wireformat: 'mls_public_message', content: pm.content, auth: pm.auth }, cs.hash);
}
