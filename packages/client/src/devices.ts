/**
 * Linking a new device: the device that holds the account's identity key certifies a fresh device
 * key, registers the certificate, and leaves the new device's identity sealed on the server under a
 * one-time link code. The person types the code on the new machine, which picks the identity up.
 *
 * The code carries 100 random bits (20 characters of Crockford base32, shown in groups of four).
 * Both the server-side slot name and the sealing key are derived from it with HKDF-SHA-256 under
 * distinct labels, so the server learns neither the code nor the key; a slot is picked up once,
 * by the same account, within 10 minutes.
 */

import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { CiphersuiteImpl } from '@parley/core';
import {
  certifyNewDevice,
  type DeviceIdentity,
  type DeviceLabel,
  deviceLabelSecret,
  identityKeyPairOf,
  issueDeviceRevocation,
  openDeviceIdentity,
  openDeviceLabel,
  ParleyError,
  randomBytes,
  type StorageKey,
  sealDeviceIdentity,
  sealDeviceLabel,
  storageKeyFromBytes,
} from '@parley/core';
import type { ParleyApi } from './api.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U
/** A link code has this many letters and digits (shown in groups of four, dashes between). */
export const LINK_CODE_CHARS = 20;

export function newLinkCode(): string {
  const bytes = randomBytes(LINK_CODE_CHARS);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]!);
  return chars.join('').match(/.{4}/g)!.join('-');
}

/** The code as typed: case, spaces and dashes do not matter; I/L read as 1 and O as 0. */
export function normaliseLinkCode(typed: string): string {
  const clean = typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (clean.length !== LINK_CODE_CHARS || [...clean].some((c) => !ALPHABET.includes(c)))
    throw new ParleyError('usage', `a link code has ${LINK_CODE_CHARS} letters and digits`);
  return clean;
}

/** The slot and key of a code: the identity's (labels "slot", "key"), or the history's (historyTransfer.ts). */
export function linkSecrets(
  code: string,
  purpose: '' | 'history-' = '',
): { slot: Uint8Array; key: StorageKey } {
  const ikm = new TextEncoder().encode(normaliseLinkCode(code));
  const salt = new TextEncoder().encode('parley/v1/device-link');
  const info = (label: string) => new TextEncoder().encode(purpose + label);
  return {
    slot: hkdf(sha256, ikm, salt, info('slot'), 32),
    key: storageKeyFromBytes(hkdf(sha256, ikm, salt, info('key'), 32)),
  };
}

/**
 * On the device with the identity key: certify and register a new device, and leave its identity
 * for the new machine. Returns the code to type there.
 */
export async function offerNewDevice(
  api: ParleyApi,
  token: string,
  identity: DeviceIdentity,
  cs: Pick<CiphersuiteImpl, 'signature' | 'rng'>,
): Promise<{ code: string; deviceId: string; expiresAt: number }> {
  const certified = await certifyNewDevice(identityKeyPairOf(identity), identity.accountId, cs);
  // The new device gets the account's label secret, to name itself and read its siblings' names.
  const secret = deviceLabelSecret(identity);
  const device = secret === null ? certified : { ...certified, labelSecret: secret };
  await api.addDevice(token, device.certificate);
  const code = newLinkCode();
  const { slot, key } = linkSecrets(code);
  const { expiresAt } = await api.offerDeviceLink(token, slot, sealDeviceIdentity(key, device));
  return { code, deviceId: device.deviceId, expiresAt };
}

/**
 * On the new machine, logged in as the same account: pick up the device identity, and leave the
 * device's label (its name and platform, sealed) when one is given.
 */
export async function claimNewDevice(
  api: ParleyApi,
  token: string,
  code: string,
  label?: DeviceLabel,
): Promise<DeviceIdentity> {
  const { slot, key } = linkSecrets(code);
  const sealed = await api.claimDeviceLink(token, slot);
  const identity = openDeviceIdentity(key, sealed);
  if (label !== undefined) await labelOwnDevice(api, token, identity, label);
  return identity;
}

/** Name this device (the label is sealed: the server never reads it). No-op without a label key. */
export async function labelOwnDevice(
  api: ParleyApi,
  token: string,
  identity: DeviceIdentity,
  label: DeviceLabel,
): Promise<void> {
  const sealed = sealDeviceLabel(identity, identity.deviceId, label);
  if (sealed !== null) await api.labelDevice(token, identity.deviceId, sealed);
}

/** One device of the person's own account, as the devices screens show it. */
export interface OwnDevice {
  deviceId: string;
  /** The name and platform given when it was registered or linked; null if none (or unreadable here). */
  label: DeviceLabel | null;
  /** When the server registered it (ms). */
  addedAt: number;
  /** When it last connected or disconnected (ms); null if it never connected. */
  lastSeen: number | null;
  /** It is connected now. */
  online: boolean;
  revokedAt: number | null;
  /** The device asking. */
  current: boolean;
}

/** The account's devices, oldest first, their labels opened. */
export async function listOwnDevices(
  api: ParleyApi,
  token: string,
  identity: DeviceIdentity,
): Promise<OwnDevice[]> {
  const devices = await api.devices(token, identity.accountId);
  return devices
    .map(({ certificate: c, revokedAt, createdAt, label, lastSeen, online }) => ({
      deviceId: c.deviceId,
      label: label === null ? null : openDeviceLabel(identity, c.deviceId, label),
      addedAt: createdAt,
      lastSeen,
      online,
      revokedAt,
      current: c.deviceId === identity.deviceId,
    }))
    .sort((a, b) => a.addedAt - b.addedAt);
}

/**
 * Revoke another device of the account (lost, sold, no longer used): the revocation is signed by
 * the identity key, so only the device holding it can do this. The revoked device can no longer
 * connect, and conversations drop it.
 */
export async function revokeOwnDevice(
  api: ParleyApi,
  token: string,
  identity: DeviceIdentity,
  deviceId: string,
  cs: Pick<CiphersuiteImpl, 'signature'>,
): Promise<void> {
  if (identity.identityPrivateKey === null)
    throw new ParleyError(
      'usage',
      'only the first device of an account (the one that holds its identity key) can revoke devices',
    );
  if (deviceId === identity.deviceId)
    throw new ParleyError('usage', 'this is the device you are using; revoke it from another one');
  const device = (await api.devices(token, identity.accountId)).find(
    (d) => d.certificate.deviceId === deviceId,
  );
  if (device === undefined) throw new ParleyError('usage', `no device ${deviceId}`);
  await api.revokeDevice(
    token,
    await issueDeviceRevocation(identityKeyPairOf(identity), device.certificate, cs.signature),
  );
}
