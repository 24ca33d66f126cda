/**
 * An MlsDevice bundles what every MLS operation of one device needs: its identity, the ciphersuite
 * implementation (from the crypto provider the platform chose), and the ts-mls ClientConfig with
 * Parley's AuthenticationService and retention, lifetime and padding settings.
 */
import {
  type CiphersuiteImpl,
  type CiphersuiteName,
  type ClientConfig,
  type CryptoProvider,
  defaultCryptoProvider,
  defaultKeyPackageEqualityConfig,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type KeyRetentionConfig,
} from 'ts-mls';
import {
  type IdentityStore,
  MemoryIdentityStore,
  ParleyAuthenticationService,
  type UnknownIdentityPolicy,
} from './authService.js';
import { bytesEqual } from './encoding.js';
import { IdentityError, UsageError } from './errors.js';
import type { DeviceCertificate, DeviceIdentity } from './identity.js';
import { DEFAULT_CIPHERSUITE, SUPPORTED_CIPHERSUITES } from './suites.js';

/**
 * How many message keys are kept to decrypt late or reordered application messages: up to 1,000
 * skipped generations per sender within an epoch, for the current and 4 previous epochs; a sender
 * more than 2,000 messages ahead is refused (that bounds the work a hostile sender can cause).
 */
export const PARLEY_KEY_RETENTION: KeyRetentionConfig = {
  retainKeysForGenerations: 1000,
  retainKeysForEpochs: 5,
  maximumForwardRatchetSteps: 2000,
};

/** Key packages are valid from one hour before creation (clock skew) to 28 days after. */
export const KEY_PACKAGE_BACKDATE_SECONDS = 3600n;
export const KEY_PACKAGE_LIFETIME_SECONDS = 28n * 24n * 3600n;

export interface MlsDevice {
  readonly identity: DeviceIdentity;
  readonly cs: CiphersuiteImpl;
  readonly config: ClientConfig;
  readonly auth: ParleyAuthenticationService;
  readonly identities: IdentityStore;
}

export interface MlsDeviceOptions {
  /** ts-mls crypto provider: `nativeCryptoProvider` from '@parley/core/node' in Node. */
  provider?: CryptoProvider;
  ciphersuite?: CiphersuiteName;
  /** Pinned identity keys of contacts; in-memory if not given. */
  identities?: IdentityStore;
  onUnknownIdentity?: UnknownIdentityPolicy;
  isRevoked?: (cert: DeviceCertificate) => boolean | Promise<boolean>;
  now?: () => number;
  keyRetention?: KeyRetentionConfig;
}

export async function createMlsDevice(
  identity: DeviceIdentity,
  options: MlsDeviceOptions = {},
): Promise<MlsDevice> {
  const suite = options.ciphersuite ?? DEFAULT_CIPHERSUITE;
  if (!SUPPORTED_CIPHERSUITES.includes(suite))
    throw new UsageError(`ciphersuite ${suite} is not offered by Parley`);
  const cs = await getCiphersuiteImpl(
    getCiphersuiteFromName(suite),
    options.provider ?? defaultCryptoProvider,
  );
  const identities = options.identities ?? new MemoryIdentityStore();
  const now = options.now ?? Date.now;
  const auth = new ParleyAuthenticationService({
    signature: cs.signature,
    identities,
    now,
    ...(options.onUnknownIdentity ? { onUnknownIdentity: options.onUnknownIdentity } : {}),
    ...(options.isRevoked ? { isRevoked: options.isRevoked } : {}),
  });
  // A device trusts its own account's identity key (whatever the policy for strangers), and notices
  // if anyone ever presents another one for its account.
  const own = await identities.get(identity.accountId);
  if (own === undefined) {
    await identities.put({
      accountId: identity.accountId,
      identityKey: identity.identityKey,
      verified: true,
      pinnedAt: now(),
    });
  } else if (!bytesEqual(own.identityKey, identity.identityKey)) {
    throw new IdentityError(
      'identity_key_mismatch',
      'a different identity key is pinned for this device’s own account',
    );
  }
  const config: ClientConfig = {
    keyRetentionConfig: options.keyRetention ?? PARLEY_KEY_RETENTION,
    lifetimeConfig: {
      maximumTotalLifetime: KEY_PACKAGE_LIFETIME_SECONDS + KEY_PACKAGE_BACKDATE_SECONDS,
      validateLifetimeOnReceive: true,
    },
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
    // Parley pads application plaintext itself (appMessage.ts), to size buckets.
    paddingConfig: { kind: 'alwaysPad', paddingLength: 0 },
    authService: auth,
  };
  return { identity, cs, config, auth, identities };
}

/**
 * The same device in another offered ciphersuite: its identity, configuration and
 * AuthenticationService are shared (every suite signs with Ed25519), only the suite's
 * implementation differs. A device joins and runs groups of each suite through the matching one.
 */
export async function withCiphersuite(
  device: MlsDevice,
  suite: CiphersuiteName,
  provider: CryptoProvider = defaultCryptoProvider,
): Promise<MlsDevice> {
  if (!SUPPORTED_CIPHERSUITES.includes(suite))
    throw new UsageError(`ciphersuite ${suite} is not offered by Parley`);
  if (device.cs.name === suite) return device;
  const cs = await getCiphersuiteImpl(getCiphersuiteFromName(suite), provider);
  return { ...device, cs };
}
