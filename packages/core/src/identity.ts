/**
 * Accounts and devices.
 *
 * An account has one long-term Ed25519 identity key. Each device has its own Ed25519 signature key,
 * which is also its MLS leaf signature key, and a DeviceCertificate: the account identity key's
 * signature over (account id, identity key, device id, device key, issued-at, expiry). A
 * DeviceRevocation, also signed by the identity key, withdraws a device.
 *
 * Signatures are domain-separated: the signed bytes are a fixed ASCII label, a zero byte, then the
 * canonical encoding of the to-be-signed structure, so a certificate signature can never be
 * mistaken for a revocation or for anything else the identity key signs.
 */
import type { Signature } from 'ts-mls';
import { bytesEqual, concatBytes, decodeWith, type Reader, utf8, Writer } from './encoding.js';
import { IdentityError, UsageError } from './errors.js';

export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;
export const MAX_ACCOUNT_ID_BYTES = 128;
export const MAX_DEVICE_ID_BYTES = 64;
export const MAX_CERTIFICATE_BYTES = 512;
/** A username is at most this many characters (Unicode code points) in its canonical form. */
export const MAX_USERNAME_CHARS = 32;

const CERTIFICATE_LABEL = utf8('parley/v1/device-certificate\0');
const REVOCATION_LABEL = utf8('parley/v1/device-revocation\0');

const USERNAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}\p{M}._-]*$/u;
const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The canonical form of a username, used as the account id everywhere: Unicode NFKC, case folded,
 * then NFKC again (folding can denormalise). Case folding is lower-casing plus the full folds that
 * lower-casing alone misses (final sigma ς → σ, sharp s ß → ss). Two usernames that differ only in
 * case or in compatibility forms ("Ａｌｉｃｅ" and "alice", "STRASSE" and "straße") are one account.
 */
export function canonicalUsername(input: string): string {
  const folded = input
    .normalize('NFKC')
    .toLowerCase()
    .replaceAll('ς', 'σ')
    .replaceAll('ß', 'ss')
    .normalize('NFKC');
  const length = [...folded].length;
  if (length < 1 || length > MAX_USERNAME_CHARS)
    throw new IdentityError('credential_invalid', `username must be 1 to ${MAX_USERNAME_CHARS} characters`);
  if (!USERNAME_PATTERN.test(folded)) {
    throw new IdentityError(
      'credential_invalid',
      'username may contain letters, digits, ".", "_" and "-", and must start with a letter or digit',
    );
  }
  return folded;
}

export function isValidDeviceId(id: string): boolean {
  return DEVICE_ID_PATTERN.test(id);
}

export interface IdentityKeyPair {
  publicKey: Uint8Array;
  /** Ed25519 private key (32-byte seed, or PKCS#8 if made by WebCrypto). */
  privateKey: Uint8Array;
}

export interface DeviceCertificate {
  version: 1;
  accountId: string;
  identityKey: Uint8Array;
  deviceId: string;
  deviceKey: Uint8Array;
  /** Milliseconds since the Unix epoch. */
  issuedAt: number;
  /** Milliseconds since the Unix epoch, or null for no expiry. */
  expiresAt: number | null;
  signature: Uint8Array;
}

export type DeviceCertificateTbs = Omit<DeviceCertificate, 'signature' | 'version'>;

export interface DeviceRevocation {
  version: 1;
  accountId: string;
  identityKey: Uint8Array;
  deviceId: string;
  deviceKey: Uint8Array;
  revokedAt: number;
  signature: Uint8Array;
}

function checkIds(accountId: string, deviceId: string): void {
  if (utf8(accountId).length > MAX_ACCOUNT_ID_BYTES || accountId.length === 0) {
    throw new UsageError('account id must be 1 to 128 bytes');
  }
  if (!isValidDeviceId(deviceId))
    throw new UsageError('device id must be 1 to 64 characters of [A-Za-z0-9_-]');
}

function writeCertificateTbs(w: Writer, c: DeviceCertificateTbs): Writer {
  return w
    .u8(1)
    .string(c.accountId, MAX_ACCOUNT_ID_BYTES)
    .fixed(c.identityKey, ED25519_PUBLIC_KEY_LENGTH)
    .string(c.deviceId, MAX_DEVICE_ID_BYTES)
    .fixed(c.deviceKey, ED25519_PUBLIC_KEY_LENGTH)
    .u64(c.issuedAt)
    .u64(c.expiresAt ?? 0);
}

export function encodeDeviceCertificate(c: DeviceCertificate): Uint8Array {
  return writeCertificateTbs(new Writer(), c).fixed(c.signature, ED25519_SIGNATURE_LENGTH).finish();
}

function readCertificate(r: Reader): DeviceCertificate {
  const version = r.u8();
  if (version !== 1)
    throw new IdentityError('credential_invalid', `unsupported certificate version ${version}`);
  const accountId = r.string(MAX_ACCOUNT_ID_BYTES);
  const identityKey = r.fixed(ED25519_PUBLIC_KEY_LENGTH);
  const deviceId = r.string(MAX_DEVICE_ID_BYTES);
  const deviceKey = r.fixed(ED25519_PUBLIC_KEY_LENGTH);
  const issuedAt = r.u64();
  const expiry = r.u64();
  const signature = r.fixed(ED25519_SIGNATURE_LENGTH);
  if (accountId.length === 0 || !isValidDeviceId(deviceId)) {
    throw new IdentityError('credential_invalid', 'certificate names an invalid account or device id');
  }
  return {
    version: 1,
    accountId,
    identityKey,
    deviceId,
    deviceKey,
    issuedAt,
    expiresAt: expiry === 0 ? null : expiry,
    signature,
  };
}

export function decodeDeviceCertificate(bytes: Uint8Array): DeviceCertificate {
  return decodeWith(bytes, MAX_CERTIFICATE_BYTES, 'device certificate', readCertificate);
}

export async function generateIdentityKeyPair(sig: Signature): Promise<IdentityKeyPair> {
  const { publicKey, signKey } = await sig.keygen();
  return { publicKey, privateKey: signKey };
}

export async function issueDeviceCertificate(
  identity: IdentityKeyPair,
  tbs: Omit<DeviceCertificateTbs, 'identityKey'>,
  sig: Signature,
): Promise<DeviceCertificate> {
  checkIds(tbs.accountId, tbs.deviceId);
  if (tbs.deviceKey.length !== ED25519_PUBLIC_KEY_LENGTH) throw new UsageError('device key must be 32 bytes');
  if (tbs.expiresAt !== null && tbs.expiresAt <= tbs.issuedAt)
    throw new UsageError('expiry must follow issue');
  const full: DeviceCertificateTbs = { ...tbs, identityKey: identity.publicKey };
  const message = concatBytes(CERTIFICATE_LABEL, writeCertificateTbs(new Writer(), full).finish());
  const signature = await sig.sign(identity.privateKey, message);
  return { version: 1, ...full, signature };
}

/**
 * Check a certificate's signature and validity period. Does not decide whether its identity key is
 * the right one for the account: that is the caller's pinning policy (see authService.ts).
 */
export async function verifyDeviceCertificate(
  cert: DeviceCertificate,
  sig: Signature,
  now: number = Date.now(),
): Promise<void> {
  const message = concatBytes(CERTIFICATE_LABEL, writeCertificateTbs(new Writer(), cert).finish());
  if (!(await sig.verify(cert.identityKey, message, cert.signature))) {
    throw new IdentityError(
      'credential_not_certified',
      'device certificate is not signed by its identity key',
    );
  }
  if (cert.expiresAt !== null && now >= cert.expiresAt) {
    throw new IdentityError('credential_expired', 'device certificate has expired');
  }
}

function writeRevocationTbs(w: Writer, r: Omit<DeviceRevocation, 'signature' | 'version'>): Writer {
  return w
    .u8(1)
    .string(r.accountId, MAX_ACCOUNT_ID_BYTES)
    .fixed(r.identityKey, ED25519_PUBLIC_KEY_LENGTH)
    .string(r.deviceId, MAX_DEVICE_ID_BYTES)
    .fixed(r.deviceKey, ED25519_PUBLIC_KEY_LENGTH)
    .u64(r.revokedAt);
}

export async function issueDeviceRevocation(
  identity: IdentityKeyPair,
  cert: DeviceCertificate,
  sig: Signature,
  revokedAt: number = Date.now(),
): Promise<DeviceRevocation> {
  if (!bytesEqual(identity.publicKey, cert.identityKey)) {
    throw new UsageError('a device can only be revoked by the identity key that certified it');
  }
  const tbs = {
    accountId: cert.accountId,
    identityKey: cert.identityKey,
    deviceId: cert.deviceId,
    deviceKey: cert.deviceKey,
    revokedAt,
  };
  const signature = await sig.sign(
    identity.privateKey,
    concatBytes(REVOCATION_LABEL, writeRevocationTbs(new Writer(), tbs).finish()),
  );
  return { version: 1, ...tbs, signature };
}

export function encodeDeviceRevocation(r: DeviceRevocation): Uint8Array {
  return writeRevocationTbs(new Writer(), r).fixed(r.signature, ED25519_SIGNATURE_LENGTH).finish();
}

export function decodeDeviceRevocation(bytes: Uint8Array): DeviceRevocation {
  return decodeWith(bytes, MAX_CERTIFICATE_BYTES, 'device revocation', (r) => {
    const version = r.u8();
    if (version !== 1)
      throw new IdentityError('credential_invalid', `unsupported revocation version ${version}`);
    return {
      version: 1 as const,
      accountId: r.string(MAX_ACCOUNT_ID_BYTES),
      identityKey: r.fixed(ED25519_PUBLIC_KEY_LENGTH),
      deviceId: r.string(MAX_DEVICE_ID_BYTES),
      deviceKey: r.fixed(ED25519_PUBLIC_KEY_LENGTH),
      revokedAt: r.u64(),
      signature: r.fixed(ED25519_SIGNATURE_LENGTH),
    };
  });
}

export async function verifyDeviceRevocation(r: DeviceRevocation, sig: Signature): Promise<void> {
  const message = concatBytes(REVOCATION_LABEL, writeRevocationTbs(new Writer(), r).finish());
  if (!(await sig.verify(r.identityKey, message, r.signature))) {
    throw new IdentityError('bad_signature', 'revocation is not signed by the identity key');
  }
}

/** Everything one device holds about itself. Private keys here must only ever be stored encrypted. */
export interface DeviceIdentity {
  accountId: string;
  deviceId: string;
  /** The account's identity public key. */
  identityKey: Uint8Array;
  /** Present only on devices that hold the account identity key (they can certify new devices). */
  identityPrivateKey: Uint8Array | null;
  /** The device's Ed25519 key pair, also its MLS signature key. */
  deviceKey: { publicKey: Uint8Array; signKey: Uint8Array };
  certificate: DeviceCertificate;
  /**
   * On a linked device: the account's device-label secret (deviceLabel.ts), handed over at linking
   * since such a device does not hold the identity private key it is derived from. Absent on the
   * first device (it derives it) and on devices linked before labels existed.
   */
  labelSecret?: Uint8Array;
}

export interface NewDeviceOptions {
  deviceId?: string;
  now?: number;
  /** Validity of the certificate in milliseconds; null (the default) for no expiry. */
  validFor?: number | null;
}

function randomDeviceId(sig: { randomBytes(n: number): Uint8Array }): string {
  const bytes = sig.randomBytes(9);
  let out = '';
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < 12; i++) {
    const bit = i * 6;
    const byte = bit >> 3;
    const v = (((bytes[byte] as number) << 8) | (bytes[byte + 1] ?? 0)) >> (10 - (bit & 7));
    out += alphabet[v & 63];
  }
  return out;
}

/**
 * Create a new account: a fresh identity key and its first device, certified by it.
 * `username` is canonicalised (see canonicalUsername) to form the account id.
 */
export async function createAccount(
  username: string,
  cs: { signature: Signature; rng: { randomBytes(n: number): Uint8Array } },
  options: NewDeviceOptions = {},
): Promise<DeviceIdentity> {
  const identity = await generateIdentityKeyPair(cs.signature);
  const device = await certifyNewDevice(identity, canonicalUsername(username), cs, options);
  return { ...device, identityPrivateKey: identity.privateKey };
}

/**
 * On a device that holds the identity key: make a key pair and certificate for another device of
 * the same account. The new device gets no identity private key.
 */
export async function certifyNewDevice(
  identity: IdentityKeyPair,
  accountId: string,
  cs: { signature: Signature; rng: { randomBytes(n: number): Uint8Array } },
  options: NewDeviceOptions = {},
): Promise<DeviceIdentity> {
  const deviceKey = await cs.signature.keygen();
  const now = options.now ?? Date.now();
  const certificate = await issueDeviceCertificate(
    identity,
    {
      accountId,
      deviceId: options.deviceId ?? randomDeviceId(cs.rng),
      deviceKey: deviceKey.publicKey,
      issuedAt: now,
      expiresAt: options.validFor ? now + options.validFor : null,
    },
    cs.signature,
  );
  return {
    accountId,
    deviceId: certificate.deviceId,
    identityKey: identity.publicKey,
    identityPrivateKey: null,
    deviceKey,
    certificate,
  };
}

/** Identity key pair of a device that holds it, or a usage error. */
export function identityKeyPairOf(device: DeviceIdentity): IdentityKeyPair {
  if (device.identityPrivateKey === null)
    throw new UsageError('this device does not hold the account identity key');
  return { publicKey: device.identityKey, privateKey: device.identityPrivateKey };
}
