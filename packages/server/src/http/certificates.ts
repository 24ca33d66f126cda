/**
 * The checks that a device certificate or revocation belongs to an account: signed by its
 * registered identity key and naming it (and, for a revocation, the device). 400 otherwise.
 */
import type { Signature } from '@parley/core';
import {
  bytesEqual,
  decodeDeviceCertificate,
  decodeDeviceRevocation,
  ParleyError,
  verifyDeviceCertificate,
  verifyDeviceRevocation,
} from '@parley/core';
import { ApiError } from '../errors.js';

/** Decode and verify a device certificate for `username` under `identityKey`; 400 otherwise. */
export async function checkCertificate(
  encoded: Uint8Array,
  username: string,
  identityKey: Uint8Array,
  signature: Signature,
) {
  try {
    const cert = decodeDeviceCertificate(encoded);
    await verifyDeviceCertificate(cert, signature);
    if (cert.accountId !== username)
      throw new ApiError(400, 'invalid_certificate', 'certificate names another account');
    if (!bytesEqual(cert.identityKey, identityKey)) {
      throw new ApiError(400, 'invalid_certificate', 'certificate is not from this account’s identity key');
    }
    return cert;
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(
      400,
      'invalid_certificate',
      e instanceof ParleyError ? e.message : 'invalid device certificate',
    );
  }
}

/** Decode and verify the revocation of one device of `username`; 400 otherwise. */
export async function checkRevocation(
  encoded: Uint8Array,
  device: { username: string; deviceId: string; deviceKey: Uint8Array; identityKey: Uint8Array },
  signature: Signature,
): Promise<void> {
  let valid = false;
  try {
    const revocation = decodeDeviceRevocation(encoded);
    await verifyDeviceRevocation(revocation, signature);
    valid =
      revocation.accountId === device.username &&
      revocation.deviceId === device.deviceId &&
      bytesEqual(revocation.identityKey, device.identityKey) &&
      bytesEqual(revocation.deviceKey, device.deviceKey);
  } catch {
    valid = false;
  }
  if (!valid) throw new ApiError(400, 'invalid_certificate', 'invalid revocation for this device');
}
