/** Playing a malicious server operator in tests: a device the account's owner never made. */
import {
  createAccount,
  createMlsDevice,
  DEFAULT_CIPHERSUITE,
  encodeDeviceCertificate,
  generateKeyPackage,
} from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider } from '@parley/core/node';
import type { Db } from '@parley/server';

/**
 * Play a malicious server operator: slip into the directory a device of `username` certified by
 * an identity key the operator made, with a key package, so the next client that claims the
 * account's key packages meets a key that differs from the one it pinned. Returns that key.
 */
export async function slipInImpostorDevice(db: Db, username: string): Promise<Uint8Array> {
  const cs = await nativeCiphersuite();
  const impostor = await createAccount(username, cs);
  const device = await createMlsDevice(impostor, { provider: nativeCryptoProvider });
  const kp = await generateKeyPackage(device);
  const now = Date.now();
  await db
    .insertInto('devices')
    .values({
      username,
      device_id: impostor.deviceId,
      device_key: impostor.deviceKey.publicKey,
      certificate: encodeDeviceCertificate(impostor.certificate),
      created_at: now,
      revoked_at: null,
      revocation: null,
    })
    .execute();
  await db
    .insertInto('key_packages')
    .values({
      ref: kp.ref,
      username,
      device_id: impostor.deviceId,
      cipher_suite: DEFAULT_CIPHERSUITE,
      data: kp.encoded,
      last_resort: 0,
      created_at: now,
    })
    .execute();
  return impostor.identityKey;
}
