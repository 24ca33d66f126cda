/**
 * Starting over without any device or backup (issue #18): with the password alone, a person who
 * lost every device and their recovery key replaces the account's identity key. The server revokes
 * every device the account had (they are refused from then on) and registers the new one, which
 * holds the new identity key (it can link devices and make backups). Nothing of the old history
 * comes back. At its first sync the new device joins the account's conversations by external
 * commit and removes the former devices' leaves (chat/formerDevices.ts); contacts meet a key they
 * did not pin and are warned of a key change, which is what a reset is, and what it would look
 * like had the server made it: they should compare safety numbers again.
 */
import {
  type CiphersuiteImpl,
  canonicalUsername,
  createAccount,
  type DeviceIdentity,
  type DeviceLabel,
  type StorageKey,
  sealDeviceLabel,
} from '@parley/core';
import type { IdentityReset, ParleyApi } from './api.js';
import { keepFormerIdentity } from './chat/formerDevices.js';
import { type RecordStore, SealedStore } from './store.js';

export interface ResetIdentity {
  /** The new device, holding the new identity key: store it, then prepare its store (prepareResetDevice). */
  identity: DeviceIdentity;
  reset: IdentityReset;
}

/** Reset `username`'s identity with its password: a new identity key and this machine its only device. */
export async function resetIdentity(
  api: ParleyApi,
  username: string,
  password: string,
  cs: Pick<CiphersuiteImpl, 'signature' | 'rng'>,
  label?: DeviceLabel,
): Promise<ResetIdentity> {
  const identity = await createAccount(canonicalUsername(username), cs);
  const sealed = label === undefined ? null : sealDeviceLabel(identity, identity.deviceId, label);
  const reset = await api.resetIdentity(identity.accountId, password, identity, sealed);
  return { identity, reset };
}

/**
 * Before the new device's client first opens: keep the former identity key in its store, so that
 * joining a conversation it removes the former devices instead of warning about them.
 */
export function prepareResetDevice(
  records: RecordStore,
  storageKey: StorageKey,
  reset: IdentityReset,
): Promise<void> {
  return keepFormerIdentity(new SealedStore(records, storageKey), reset.formerIdentityKey);
}
