/** Playing a malicious server operator in tests: a device the account's owner never made. */
import {
  createAccount,
  createMlsDevice,
  DEFAULT_CIPHERSUITE,
  type DeviceIdentity,
  encodeDeviceCertificate,
  generateKeyPackage,
  merkle,
} from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider } from '@parley/core/node';
import { appendIdentityReset, appendKeyEvent, type Db } from '@parley/server';

/**
 * Play a malicious server operator: slip into the directory a device of `username` certified by
 * an identity key the operator made, with a key package, so the next client that claims the
 * account's key packages meets a key that differs from the one it pinned. Returns that key.
 *
 * By default the operator also writes the impostor's certificate into the key transparency log,
 * as a server must for clients to accept the key (where the account's owner can see it); with
 * `logged: false` it does not, and clients refuse the key as not logged.
 */
export async function slipInImpostorDevice(
  db: Db,
  username: string,
  { logged = true }: { logged?: boolean } = {},
): Promise<Uint8Array> {
  const impostor = await impostorDevice(db, username, { logged });
  const device = await createMlsDevice(impostor, { provider: nativeCryptoProvider });
  const kp = await generateKeyPackage(device);
  await db
    .insertInto('key_packages')
    .values({
      ref: kp.ref,
      username,
      device_id: impostor.deviceId,
      cipher_suite: DEFAULT_CIPHERSUITE,
      data: kp.encoded,
      last_resort: 0,
      created_at: Date.now(),
    })
    .execute();
  return impostor.identityKey;
}

/**
 * Play a malicious server operator who runs a device of `username` itself: a device certified by an
 * identity key the operator made, in the directory (its certificate logged unless `logged` is
 * false) — but that identity key is in no registration or reset entry of the log. Returns the
 * device's identity, for a client to run (it uploads its own key packages).
 */
export async function impostorDevice(
  db: Db,
  username: string,
  { logged = true }: { logged?: boolean } = {},
): Promise<DeviceIdentity> {
  const impostor = await createAccount(username, await nativeCiphersuite());
  await insertDevice(db, username, impostor, logged);
  return impostor;
}

/**
 * A person starts over with a new identity key, as everyone else sees it: the key packages of the
 * account's devices are gone (close the person's old clients first, or they upload more) and a
 * device certified by a new identity key is in the directory. Returns that device's identity, for a
 * client to run it (it uploads its own key packages). The reset and the new device are logged.
 */
export async function replaceIdentity(db: Db, username: string): Promise<DeviceIdentity> {
  await db.deleteFrom('key_packages').where('username', '=', username).execute();
  const cs = await nativeCiphersuite();
  const identity = await createAccount(username, cs);
  await db.transaction().execute((tx) => appendIdentityReset(tx, username, identity.identityKey));
  await insertDevice(db, username, identity, true);
  return identity;
}

async function insertDevice(
  db: Db,
  username: string,
  identity: DeviceIdentity,
  logged: boolean,
): Promise<void> {
  const certificate = encodeDeviceCertificate(identity.certificate);
  if (logged)
    await db
      .transaction()
      .execute((tx) =>
        appendKeyEvent(tx, { kind: 'device_certified', accountId: username, certificate }, identity.deviceId),
      );
  await db
    .insertInto('devices')
    .values({
      username,
      device_id: identity.deviceId,
      device_key: identity.deviceKey.publicKey,
      certificate,
      created_at: Date.now(),
      revoked_at: null,
      revocation: null,
    })
    .execute();
}

/**
 * Play an operator rewriting the key log's history: entry `seq` gets one bit flipped (in its last
 * byte) and its leaf hash recomputed. A server reads the log at start: restart it to serve the
 * rewritten history.
 */
export async function rewriteLogEntry(db: Db, seq: number): Promise<void> {
  const row = await db
    .selectFrom('transparency_log')
    .select('entry')
    .where('seq', '=', seq)
    .executeTakeFirstOrThrow();
  const forged = new Uint8Array(row.entry);
  forged[forged.length - 1]! ^= 1;
  await db
    .updateTable('transparency_log')
    .set({ entry: forged, leaf_hash: merkle.leafHash(forged) })
    .where('seq', '=', seq)
    .execute();
}
