/**
 * Key packages (RFC 9420 §10): what others need to add one of our devices to a group. A device
 * uploads a batch of one-time packages plus one last-resort package (marked with the last_resort
 * extension, type 0x000A), which the server hands out only when the one-time ones are exhausted and
 * which the device keeps after use.
 */
import {
  type Capabilities,
  decodeMlsMessage,
  defaultCapabilities,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  type KeyPackage,
  type PrivateKeyPackage,
} from 'ts-mls';
import { makeKeyPackageRef, verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { certificateFromCredential, credentialFor } from './authService.js';
import { KEY_PACKAGE_BACKDATE_SECONDS, KEY_PACKAGE_LIFETIME_SECONDS, type MlsDevice } from './device.js';
import { DecodeError, GroupError, IdentityError } from './errors.js';
import type { DeviceCertificate } from './identity.js';

export const LAST_RESORT_EXTENSION_TYPE = 0x000a;
export const MAX_KEY_PACKAGE_BYTES = 16 * 1024;

export interface GeneratedKeyPackage {
  /** KeyPackageRef (RFC 9420 §5.2): how Welcomes and the server name this package. */
  ref: Uint8Array;
  keyPackage: KeyPackage;
  privateKeys: PrivateKeyPackage;
  /** The MLSMessage-framed package, as uploaded to the server. */
  encoded: Uint8Array;
  lastResort: boolean;
}

function capabilities(): Capabilities {
  const caps = defaultCapabilities();
  return { ...caps, extensions: [...caps.extensions, LAST_RESORT_EXTENSION_TYPE] };
}

export async function generateKeyPackage(
  device: MlsDevice,
  options: { lastResort?: boolean; now?: number } = {},
): Promise<GeneratedKeyPackage> {
  const nowSeconds = BigInt(Math.floor((options.now ?? Date.now()) / 1000));
  const lastResort = options.lastResort ?? false;
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    credentialFor(device.identity.certificate),
    capabilities(),
    {
      notBefore: nowSeconds - KEY_PACKAGE_BACKDATE_SECONDS,
      notAfter: nowSeconds + KEY_PACKAGE_LIFETIME_SECONDS,
    },
    lastResort ? [{ extensionType: LAST_RESORT_EXTENSION_TYPE, extensionData: new Uint8Array(0) }] : [],
    device.identity.deviceKey,
    device.cs,
  );
  return {
    ref: await makeKeyPackageRef(publicPackage, device.cs.hash),
    keyPackage: publicPackage,
    privateKeys: privatePackage,
    encoded: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: publicPackage }),
    lastResort,
  };
}

/** A batch of one-time packages, plus a last-resort one if asked. */
export async function generateKeyPackages(
  device: MlsDevice,
  count: number,
  options: { lastResort?: boolean; now?: number } = {},
): Promise<GeneratedKeyPackage[]> {
  const out: GeneratedKeyPackage[] = [];
  for (let i = 0; i < count; i++)
    out.push(await generateKeyPackage(device, { now: options.now ?? Date.now() }));
  if (options.lastResort) out.push(await generateKeyPackage(device, { ...options, lastResort: true }));
  return out;
}

export function isLastResort(kp: KeyPackage): boolean {
  return kp.extensions.some((e) => e.extensionType === LAST_RESORT_EXTENSION_TYPE);
}

/** Decode an MLSMessage-framed key package. Size-limited; throws DecodeError. */
export function decodeKeyPackage(bytes: Uint8Array): KeyPackage {
  if (bytes.length > MAX_KEY_PACKAGE_BYTES) throw new DecodeError('key package too large', 'too_large');
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (decoded === undefined || decoded[1] !== bytes.length || decoded[0].wireformat !== 'mls_key_package') {
    throw new DecodeError('not an MLS key package');
  }
  return decoded[0].keyPackage;
}

export async function keyPackageRef(device: MlsDevice, kp: KeyPackage): Promise<Uint8Array> {
  return makeKeyPackageRef(kp, device.cs.hash);
}

/**
 * Check a key package someone else published: framing, ciphersuite, signature, lifetime, and that
 * its credential is a certificate for `expectedAccountId` acceptable to our AuthenticationService.
 */
export async function inspectKeyPackage(
  device: MlsDevice,
  bytes: Uint8Array,
  expectedAccountId?: string,
): Promise<{ keyPackage: KeyPackage; certificate: DeviceCertificate }> {
  const keyPackage = decodeKeyPackage(bytes);
  checkSuite(device, keyPackage);
  if (!(await verifyKeyPackage(keyPackage, device.cs.signature))) {
    throw new IdentityError('bad_signature', 'key package signature does not verify');
  }
  return { keyPackage, certificate: await checkHolder(device, keyPackage, expectedAccountId) };
}

/**
 * The checks of inspectKeyPackage for key packages about to be added by this device's own commit,
 * all but the KeyPackage's signature: ts-mls's createCommit verifies that signature (validateKeyPackage
 * in clientState.js, with the leaf node's signature and the credential) for every Add it commits,
 * on the same decoded KeyPackage object and so over the same bytes, on every path that returns a
 * commit; verifying it here too was the same Ed25519 verification twice. The device certificates'
 * signatures are verified together first (on every core), then each package is checked in order, so
 * the first bad one is the one refused, as before.
 */
export async function inspectKeyPackagesToCommit(
  device: MlsDevice,
  list: Uint8Array[],
  expectedAccountId?: string,
): Promise<Array<{ keyPackage: KeyPackage; certificate: DeviceCertificate }>> {
  // A package that does not decode is refused at its place in the list, as before.
  const keyPackages = list.map((bytes) => {
    try {
      return decodeKeyPackage(bytes);
    } catch (e) {
      return e as Error;
    }
  });
  await device.auth.prepareCredentials(
    keyPackages.flatMap((kp) =>
      kp instanceof Error ? [] : [[kp.leafNode.credential, kp.leafNode.signaturePublicKey] as const],
    ),
  );
  const out: Array<{ keyPackage: KeyPackage; certificate: DeviceCertificate }> = [];
  for (const keyPackage of keyPackages) {
    if (keyPackage instanceof Error) throw keyPackage;
    checkSuite(device, keyPackage);
    out.push({ keyPackage, certificate: await checkHolder(device, keyPackage, expectedAccountId) });
  }
  return out;
}

function checkSuite(device: MlsDevice, keyPackage: KeyPackage): void {
  if (keyPackage.cipherSuite !== device.cs.name) {
    throw new GroupError('unsupported', 'key package is for another ciphersuite');
  }
}

/** Lifetime, then the certificate: its account, and the AuthenticationService's verdict. */
async function checkHolder(
  device: MlsDevice,
  keyPackage: KeyPackage,
  expectedAccountId: string | undefined,
): Promise<DeviceCertificate> {
  const { leafNode } = keyPackage;
  const now = BigInt(Math.floor(Date.now() / 1000));
  if (leafNode.lifetime.notBefore > now || leafNode.lifetime.notAfter < now) {
    throw new IdentityError('credential_expired', 'key package is outside its lifetime');
  }
  const cert = certificateFromCredential(leafNode.credential);
  if (expectedAccountId !== undefined && cert.accountId !== expectedAccountId) {
    throw new IdentityError('unexpected_account', 'key package belongs to another account');
  }
  await device.auth.check(leafNode.credential, leafNode.signaturePublicKey);
  return cert;
}
