/**
 * Serialising what a device must keep between runs: its identity, its unused key packages (with
 * private keys) and its MLS group states. Each encoding starts with a format version; each decoder
 * is bounded and throws DecodeError. These bytes hold private keys: store them only through
 * `seal` (atRest.ts) — the `seal*` helpers below do exactly that, with a distinct context label per
 * kind of record.
 */
import { decodeGroupState, encodeGroupState, type KeyPackage } from 'ts-mls';
import { open, type StorageKey, seal } from './atRest.js';
import type { MlsDevice } from './device.js';
import { LABEL_SECRET_BYTES } from './deviceLabel.js';
import { decodeWith, Writer } from './encoding.js';
import { DecodeError } from './errors.js';
import type { GroupState } from './group.js';
import { MAX_MLS_MESSAGE_BYTES } from './group.js';
import {
  type DeviceIdentity,
  decodeDeviceCertificate,
  encodeDeviceCertificate,
  MAX_ACCOUNT_ID_BYTES,
  MAX_CERTIFICATE_BYTES,
  MAX_DEVICE_ID_BYTES,
} from './identity.js';
import { decodeKeyPackage, type GeneratedKeyPackage, MAX_KEY_PACKAGE_BYTES } from './keyPackages.js';

const GROUP_STATE_FORMAT = 1;
const DEVICE_FORMAT = 1;
const KEY_PACKAGE_FORMAT = 1;
const MAX_PRIVATE_KEY_BYTES = 4096;
/** A 1,000-member group's state (tree, secret tree, past epochs) is a few megabytes. */
export const MAX_GROUP_STATE_BYTES = 4 * MAX_MLS_MESSAGE_BYTES;

export function serializeGroupState(state: GroupState): Uint8Array {
  const body = encodeGroupState(state);
  const out = new Uint8Array(body.length + 1);
  out[0] = GROUP_STATE_FORMAT;
  out.set(body, 1);
  return out;
}

/** Restore a group state; the device supplies the configuration (AuthenticationService etc.). */
export function deserializeGroupState(device: MlsDevice, bytes: Uint8Array): GroupState {
  if (bytes.length > MAX_GROUP_STATE_BYTES) throw new DecodeError('group state too large', 'too_large');
  if (bytes[0] !== GROUP_STATE_FORMAT) throw new DecodeError('unsupported group state format');
  let decoded: ReturnType<typeof decodeGroupState>;
  try {
    decoded = decodeGroupState(bytes, 1);
  } catch {
    decoded = undefined;
  }
  if (decoded === undefined || decoded[1] + 1 !== bytes.length)
    throw new DecodeError('malformed group state');
  return { ...decoded[0], clientConfig: device.config };
}

export function serializeDeviceIdentity(d: DeviceIdentity): Uint8Array {
  const w = new Writer()
    .u8(DEVICE_FORMAT)
    .string(d.accountId, MAX_ACCOUNT_ID_BYTES)
    .string(d.deviceId, MAX_DEVICE_ID_BYTES)
    .fixed(d.identityKey, 32)
    .u8(d.identityPrivateKey === null ? 0 : 1);
  if (d.identityPrivateKey !== null) w.bytes(d.identityPrivateKey, 255);
  w.fixed(d.deviceKey.publicKey, 32)
    .bytes(d.deviceKey.signKey, 255)
    .bytes(encodeDeviceCertificate(d.certificate), MAX_CERTIFICATE_BYTES);
  // Added later, at the end: records written before it simply end after the certificate.
  if (d.labelSecret !== undefined) w.fixed(d.labelSecret, LABEL_SECRET_BYTES);
  return w.finish();
}

export function deserializeDeviceIdentity(bytes: Uint8Array): DeviceIdentity {
  return decodeWith(bytes, 2048, 'device identity', (r) => {
    if (r.u8() !== DEVICE_FORMAT) throw new DecodeError('unsupported device identity format');
    const accountId = r.string(MAX_ACCOUNT_ID_BYTES);
    const deviceId = r.string(MAX_DEVICE_ID_BYTES);
    const identityKey = r.fixed(32);
    const hasIdentityKey = r.u8();
    if (hasIdentityKey > 1) throw new DecodeError('bad flag');
    const identityPrivateKey = hasIdentityKey === 1 ? r.bytes(255) : null;
    const deviceKey = { publicKey: r.fixed(32), signKey: r.bytes(255) };
    const certificate = decodeDeviceCertificate(r.bytes(MAX_CERTIFICATE_BYTES));
    if (certificate.accountId !== accountId || certificate.deviceId !== deviceId) {
      throw new DecodeError('certificate does not match the device');
    }
    const identity = { accountId, deviceId, identityKey, identityPrivateKey, deviceKey, certificate };
    return r.remaining === 0 ? identity : { ...identity, labelSecret: r.fixed(LABEL_SECRET_BYTES) };
  });
}

export function serializeKeyPackage(kp: GeneratedKeyPackage): Uint8Array {
  return new Writer()
    .u8(KEY_PACKAGE_FORMAT)
    .u8(kp.lastResort ? 1 : 0)
    .bytes(kp.ref, 255)
    .bytes(kp.encoded, MAX_KEY_PACKAGE_BYTES)
    .bytes(kp.privateKeys.initPrivateKey, MAX_PRIVATE_KEY_BYTES)
    .bytes(kp.privateKeys.hpkePrivateKey, MAX_PRIVATE_KEY_BYTES)
    .bytes(kp.privateKeys.signaturePrivateKey, MAX_PRIVATE_KEY_BYTES)
    .finish();
}

export function deserializeKeyPackage(bytes: Uint8Array): GeneratedKeyPackage {
  return decodeWith(bytes, MAX_KEY_PACKAGE_BYTES + 4 * MAX_PRIVATE_KEY_BYTES, 'stored key package', (r) => {
    if (r.u8() !== KEY_PACKAGE_FORMAT) throw new DecodeError('unsupported key package format');
    const lastResort = r.u8() === 1;
    const ref = r.bytes(255);
    const encoded = r.bytes(MAX_KEY_PACKAGE_BYTES);
    const keyPackage: KeyPackage = decodeKeyPackage(encoded);
    return {
      lastResort,
      ref,
      encoded,
      keyPackage,
      privateKeys: {
        initPrivateKey: r.bytes(MAX_PRIVATE_KEY_BYTES),
        hpkePrivateKey: r.bytes(MAX_PRIVATE_KEY_BYTES),
        signaturePrivateKey: r.bytes(MAX_PRIVATE_KEY_BYTES),
      },
    };
  });
}

export const RECORD_CONTEXT = {
  groupState: 'parley/v1/group-state',
  deviceIdentity: 'parley/v1/device-identity',
  keyPackage: 'parley/v1/key-package',
} as const;

export function sealGroupState(key: StorageKey, state: GroupState): Uint8Array {
  return seal(key, serializeGroupState(state), RECORD_CONTEXT.groupState);
}

export function openGroupState(key: StorageKey, device: MlsDevice, record: Uint8Array): GroupState {
  return deserializeGroupState(device, open(key, record, RECORD_CONTEXT.groupState));
}

export function sealDeviceIdentity(key: StorageKey, identity: DeviceIdentity): Uint8Array {
  return seal(key, serializeDeviceIdentity(identity), RECORD_CONTEXT.deviceIdentity);
}

export function openDeviceIdentity(key: StorageKey, record: Uint8Array): DeviceIdentity {
  return deserializeDeviceIdentity(open(key, record, RECORD_CONTEXT.deviceIdentity));
}

export function sealKeyPackage(key: StorageKey, kp: GeneratedKeyPackage): Uint8Array {
  return seal(key, serializeKeyPackage(kp), RECORD_CONTEXT.keyPackage);
}

export function openKeyPackage(key: StorageKey, record: Uint8Array): GeneratedKeyPackage {
  return deserializeKeyPackage(open(key, record, RECORD_CONTEXT.keyPackage));
}
