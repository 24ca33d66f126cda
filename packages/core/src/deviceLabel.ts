/**
 * A device's label: the name the person gave it when registering or linking ("Chrome on Linux",
 * "parley CLI on laptop") and its platform, shown in the devices lists of the account's devices.
 *
 * The server keeps the label only sealed (the XChaCha20-Poly1305 envelope of atRest.ts), under a
 * key every device of the account has and the server does not: the first device derives it from
 * the account's identity private key with HKDF-SHA-256, and hands the 32-byte secret to each device
 * it links, inside the sealed link (devices.ts in @parley/client). The envelope's context names the
 * account and the device, so the server cannot move one device's label to another. The plaintext is
 * padded to one size, so the envelope's length says nothing about the name.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { open, type StorageKey, seal, storageKeyFromBytes } from './atRest.js';
import { decodeWith, utf8, Writer } from './encoding.js';
import { UsageError } from './errors.js';
import type { DeviceIdentity } from './identity.js';

export const LABEL_SECRET_BYTES = 32;
/** A device name is at most this many bytes of UTF-8. */
export const MAX_DEVICE_NAME_BYTES = 100;
/** A platform ("Web: Chrome on Linux", "CLI: linux x64") is at most this many bytes of UTF-8. */
export const MAX_DEVICE_PLATFORM_BYTES = 60;
const LABEL_FORMAT = 1;
/** Every label's plaintext is padded to this size: format, two length-prefixed strings, zeros. */
const LABEL_PLAINTEXT_BYTES = 1 + 1 + MAX_DEVICE_NAME_BYTES + 1 + MAX_DEVICE_PLATFORM_BYTES;
/** A sealed label's size (raw-key envelope header 6, nonce 24, tag 16); the server accepts no more. */
export const SEALED_DEVICE_LABEL_BYTES = 6 + 24 + LABEL_PLAINTEXT_BYTES + 16;

export interface DeviceLabel {
  name: string;
  platform: string;
}

/** The account's label secret on this device, or null when it has none (linked before labels). */
export function deviceLabelSecret(identity: DeviceIdentity): Uint8Array | null {
  if (identity.identityPrivateKey !== null) {
    const salt = utf8('parley/v1/device-label');
    return hkdf(sha256, identity.identityPrivateKey, salt, utf8('key'), LABEL_SECRET_BYTES);
  }
  return identity.labelSecret ?? null;
}

function labelKey(identity: DeviceIdentity): StorageKey | null {
  const secret = deviceLabelSecret(identity);
  return secret === null ? null : storageKeyFromBytes(secret);
}

const context = (accountId: string, deviceId: string) => `parley/v1/device-label\0${accountId}\0${deviceId}`;

/** Trim a name or platform to its limit in UTF-8 bytes without cutting a character. */
function bounded(text: string, maxBytes: number): string {
  let out = '';
  for (const ch of text.trim()) {
    if (utf8(out + ch).length > maxBytes) break;
    out += ch;
  }
  return out;
}

/** Seal `label` for device `deviceId` of the account; null when this device has no label key. */
export function sealDeviceLabel(
  identity: DeviceIdentity,
  deviceId: string,
  label: DeviceLabel,
): Uint8Array | null {
  const key = labelKey(identity);
  if (key === null) return null;
  const name = bounded(label.name, MAX_DEVICE_NAME_BYTES);
  if (name.length === 0) throw new UsageError('a device name must not be empty');
  const plaintext = new Uint8Array(LABEL_PLAINTEXT_BYTES);
  plaintext.set(
    new Writer()
      .u8(LABEL_FORMAT)
      .string(name, MAX_DEVICE_NAME_BYTES)
      .string(bounded(label.platform, MAX_DEVICE_PLATFORM_BYTES), MAX_DEVICE_PLATFORM_BYTES)
      .finish(),
  );
  return seal(key, plaintext, context(identity.accountId, deviceId));
}

/**
 * The label of device `deviceId` of the account, or null when this device cannot open it (it has
 * no label key, or the envelope is not one sealed for that device under the account's key).
 */
export function openDeviceLabel(
  identity: DeviceIdentity,
  deviceId: string,
  sealed: Uint8Array,
): DeviceLabel | null {
  const key = labelKey(identity);
  if (key === null) return null;
  try {
    const plaintext = open(key, sealed, context(identity.accountId, deviceId));
    return decodeWith(plaintext, LABEL_PLAINTEXT_BYTES, 'device label', (r) => {
      if (r.u8() !== LABEL_FORMAT) throw new UsageError('unknown label format');
      const label = { name: r.string(MAX_DEVICE_NAME_BYTES), platform: r.string(MAX_DEVICE_PLATFORM_BYTES) };
      r.rest(); // the padding
      return label;
    });
  } catch {
    return null;
  }
}
