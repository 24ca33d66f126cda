/**
 * Resetting an account's identity without any device or backup (issue #18): the person proved the
 * password (the OPAQUE login finished in the same request, http/identityReset.ts) and brings a new
 * identity key with a first device it certified. In one transaction the account takes the new
 * key, every device it had is revoked (they can no longer connect; others see them revoked), its
 * key packages, sessions, transfer tickets, pending Welcomes and device links go, the new device
 * is registered, and the reset is recorded (identity_resets, and the key transparency log: an
 * identity_reset entry, then the new device's certificate). Group memberships stay: the old
 * devices' leaves are members of the MLS groups until a member's commit removes them, and the new
 * device joins those groups by external commit, under a key its contacts have not pinned, so they
 * are warned of a key change (TOFU), exactly as if the server had swapped the key.
 */
import type { DeviceCertificate } from '@parley/core';
import type { Db } from './db.js';
import { ApiError } from './errors.js';
import { appendIdentityReset, appendKeyEvent } from './transparency/append.js';

/** An account may reset its identity this many times in RESET_WINDOW_MS. */
export const RESETS_PER_WINDOW = 3;
export const RESET_WINDOW_MS = 24 * 3600_000;

export interface IdentityResetDone {
  /** The identity key the account had. */
  formerIdentityKey: Uint8Array;
  /** The devices revoked by the reset (their connections are the caller's to cut). */
  revokedDevices: string[];
}

/** Reset `username`'s identity to `identityKey`, with `device` as its only device. */
export async function resetIdentity(
  db: Db,
  username: string,
  identityKey: Uint8Array,
  device: { cert: DeviceCertificate; encoded: Uint8Array; label: Uint8Array | null },
  now = Date.now(),
): Promise<IdentityResetDone> {
  return db.transaction().execute(async (tx) => {
    // Take the account's row first (a lock in PostgreSQL): two resets of one account
    // run one after the other, and the count below is exact.
    await tx.updateTable('accounts').set({ username }).where('username', '=', username).execute();
    const account = await tx
      .selectFrom('accounts')
      .select('identity_key')
      .where('username', '=', username)
      .executeTakeFirst();
    if (account === undefined) throw new ApiError(404, 'not_found', 'no such account');
    const recent = await tx
      .selectFrom('identity_resets')
      .select('reset_at')
      .where('username', '=', username)
      .where('reset_at', '>', now - RESET_WINDOW_MS)
      .limit(RESETS_PER_WINDOW)
      .execute();
    if (recent.length >= RESETS_PER_WINDOW)
      throw new ApiError(
        429,
        'rate_limited',
        'this account reset its identity too often; try again tomorrow',
      );
    const revoked = await tx
      .selectFrom('devices')
      .select('device_id')
      .where('username', '=', username)
      .where('revoked_at', 'is', null)
      .execute();
    await tx
      .updateTable('devices')
      .set({ revoked_at: now })
      .where('username', '=', username)
      .where('revoked_at', 'is', null)
      .execute();
    for (const table of ['key_packages', 'sessions', 'transfer_tickets', 'welcomes', 'device_links'] as const)
      await tx.deleteFrom(table).where('username', '=', username).execute();
    await tx
      .updateTable('accounts')
      .set({ identity_key: identityKey })
      .where('username', '=', username)
      .execute();
    const inserted = await tx
      .insertInto('devices')
      .values({
        username,
        device_id: device.cert.deviceId,
        device_key: device.cert.deviceKey,
        certificate: device.encoded,
        created_at: now,
        revoked_at: null,
        revocation: null,
        label: device.label,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1)
      throw new ApiError(409, 'device_exists', 'a device with this id or key already exists');
    // The key transparency log (transparency/): the reset, then the new device under the new key.
    await appendIdentityReset(tx, username, identityKey);
    await appendKeyEvent(
      tx,
      { kind: 'device_certified', accountId: username, certificate: device.encoded },
      device.cert.deviceId,
    );
    await tx
      .insertInto('identity_resets')
      .values({
        username,
        reset_at: now,
        former_identity_key: account.identity_key,
        identity_key: identityKey,
        revoked_devices: revoked.length,
      })
      .execute();
    return { formerIdentityKey: account.identity_key, revokedDevices: revoked.map((d) => d.device_id) };
  });
}
