/**
 * Parley's MLS AuthenticationService (RFC 9420 §5.3.1).
 *
 * ts-mls asks the AS whether a credential may be bound to a leaf's signature key whenever a leaf
 * enters a tree (add, update, commit path, join). Parley's answer:
 *   1. the credential is a basic credential holding a DeviceCertificate;
 *   2. the certificate's device key is the leaf's signature key;
 *   3. the certificate is signed by the identity key it names and is within its validity period;
 *   4. the device is not revoked (when the caller supplies revocations);
 *   5. the identity key is the one pinned for that account — or, for an account never seen before,
 *      the application decides (trust on first use by default) and the key is pinned.
 * A rejection throws an IdentityError with a specific code instead of returning false, so that the
 * caller learns why (ts-mls propagates the exception out of the operation that asked).
 */
import type { AuthenticationService, Credential, Signature } from 'ts-mls';
import { bytesEqual, toHex } from './encoding.js';
import { IdentityError, IdentityKeyMismatchError, ParleyError } from './errors.js';
import {
  type DeviceCertificate,
  decodeDeviceCertificate,
  encodeDeviceCertificate,
  verifyDeviceCertificate,
} from './identity.js';

/** A pinned (first-seen or verified) identity key for an account. */
export interface PinnedIdentity {
  accountId: string;
  identityKey: Uint8Array;
  /** True once the user compared safety numbers. */
  verified: boolean;
  /** Milliseconds since the Unix epoch when this key was pinned. */
  pinnedAt: number;
}

/** Where a client keeps pinned identity keys. */
export interface IdentityStore {
  get(accountId: string): Promise<PinnedIdentity | undefined>;
  put(identity: PinnedIdentity): Promise<void>;
}

export class MemoryIdentityStore implements IdentityStore {
  private readonly map = new Map<string, PinnedIdentity>();
  async get(accountId: string): Promise<PinnedIdentity | undefined> {
    const p = this.map.get(accountId);
    return p === undefined ? undefined : { ...p, identityKey: p.identityKey.slice() };
  }
  async put(identity: PinnedIdentity): Promise<void> {
    this.map.set(identity.accountId, { ...identity, identityKey: identity.identityKey.slice() });
  }
}

/** Decides about an account whose identity key has never been seen: true accepts and pins it. */
export type UnknownIdentityPolicy = (
  accountId: string,
  identityKey: Uint8Array,
) => boolean | Promise<boolean>;

export const trustOnFirstUse: UnknownIdentityPolicy = () => true;
export const rejectUnknown: UnknownIdentityPolicy = () => false;

export interface ParleyAuthServiceOptions {
  signature: Signature;
  identities: IdentityStore;
  onUnknownIdentity?: UnknownIdentityPolicy;
  /** True when the device has been revoked by its account. */
  isRevoked?: (cert: DeviceCertificate) => boolean | Promise<boolean>;
  now?: () => number;
}

/** Decode the DeviceCertificate inside an MLS credential, or throw credential_invalid. */
export function certificateFromCredential(credential: Credential): DeviceCertificate {
  if (credential.credentialType !== 'basic') {
    throw new IdentityError(
      'credential_invalid',
      'Parley accepts only basic credentials holding a device certificate',
    );
  }
  try {
    return decodeDeviceCertificate(credential.identity);
  } catch (e) {
    throw new IdentityError('credential_invalid', 'credential does not hold a valid device certificate', {
      cause: e,
    });
  }
}

/** The MLS credential that carries a device certificate. */
export function credentialFor(cert: DeviceCertificate): Credential {
  return { credentialType: 'basic', identity: encodeDeviceCertificate(cert) };
}

export class ParleyAuthenticationService implements AuthenticationService {
  private readonly verified = new Map<string, true>();
  private readonly onUnknown: UnknownIdentityPolicy;
  private readonly now: () => number;

  constructor(private readonly options: ParleyAuthServiceOptions) {
    this.onUnknown = options.onUnknownIdentity ?? trustOnFirstUse;
    this.now = options.now ?? Date.now;
  }

  async validateCredential(credential: Credential, signaturePublicKey: Uint8Array): Promise<boolean> {
    await this.check(credential, signaturePublicKey);
    return true;
  }

  /** The checks of validateCredential, returning the certificate. Throws IdentityError on rejection. */
  async check(credential: Credential, signaturePublicKey: Uint8Array): Promise<DeviceCertificate> {
    const cert = certificateFromCredential(credential);
    if (!bytesEqual(cert.deviceKey, signaturePublicKey)) {
      throw new IdentityError(
        'credential_not_certified',
        'leaf signature key is not the certified device key',
      );
    }
    // The signature check is the expensive part and depends only on the bytes: remember successes,
    // keyed by the whole encoded certificate (every signed field and the signature). A key of the
    // device key and signature alone would let a device reuse its own valid signature under another
    // account's id and identity key once the genuine certificate had been seen.
    const cacheKey = toHex(encodeDeviceCertificate(cert));
    if (!this.verified.has(cacheKey)) {
      await verifyDeviceCertificate(cert, this.options.signature, this.now());
      this.remember(cacheKey);
    } else if (cert.expiresAt !== null && this.now() >= cert.expiresAt) {
      throw new IdentityError('credential_expired', 'device certificate has expired');
    }
    if (this.options.isRevoked !== undefined && (await this.options.isRevoked(cert))) {
      throw new IdentityError('device_revoked', 'device has been revoked by its account');
    }
    await this.checkIdentityKey(cert.accountId, cert.identityKey);
    return cert;
  }

  /**
   * Verifies the certificates' signatures of many (credential, key) pairs at once (node:crypto runs
   * them on its thread pool, on every core) and remembers the successes, so that the `check` of
   * each pair that follows, in order, finds its signature verified. Decides nothing and never
   * throws: a pair that fails here is left for its `check` to refuse. ts-mls (patched,
   * scripts/ts-mls-patches/concurrentVerify.mjs) calls it with a joined tree's leaves.
   */
  async prepareCredentials(pairs: ReadonlyArray<readonly [Credential, Uint8Array]>): Promise<void> {
    const pending = new Map<string, DeviceCertificate>();
    for (const [credential, signaturePublicKey] of pairs) {
      let cert: DeviceCertificate;
      try {
        cert = certificateFromCredential(credential);
      } catch {
        continue;
      }
      if (!bytesEqual(cert.deviceKey, signaturePublicKey)) continue;
      const cacheKey = toHex(encodeDeviceCertificate(cert));
      if (!this.verified.has(cacheKey)) pending.set(cacheKey, cert);
    }
    const now = this.now();
    await Promise.all(
      [...pending].map(([cacheKey, cert]) =>
        verifyDeviceCertificate(cert, this.options.signature, now).then(
          () => this.remember(cacheKey),
          () => undefined,
        ),
      ),
    );
  }

  private remember(cacheKey: string): void {
    if (this.verified.size > 8192) this.verified.clear();
    this.verified.set(cacheKey, true);
  }

  /** Compare an account's identity key with the pinned one, pinning it on first use if allowed. */
  async checkIdentityKey(accountId: string, identityKey: Uint8Array): Promise<void> {
    const pinned = await this.options.identities.get(accountId);
    if (pinned !== undefined) {
      if (!bytesEqual(pinned.identityKey, identityKey)) {
        throw new IdentityKeyMismatchError(accountId, identityKey.slice());
      }
      return;
    }
    let accept: boolean;
    try {
      accept = await this.onUnknown(accountId, identityKey);
    } catch (e) {
      if (e instanceof ParleyError) throw e;
      throw new IdentityError('identity_rejected', 'the unknown-identity policy failed', { cause: e });
    }
    if (!accept) throw new IdentityError('identity_rejected', 'identity key for this account is not trusted');
    await this.options.identities.put({ accountId, identityKey, verified: false, pinnedAt: this.now() });
  }
}
