/**
 * Device routes: an account's devices are certified by its identity key (see @parley/core
 * identity.ts). The directory is readable by every signed-in user, since adding someone to a
 * conversation needs their devices; adding and revoking is for the account itself, with a
 * certificate or a revocation signed by its identity key. Every route needs a session.
 * The account itself also gets, for each device, its sealed label (name and platform, which only
 * its devices can open: core deviceLabel.ts) and when it was last seen; others get neither.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CLOSE, type Signature, toBase64Url } from '@parley/core';
import Type from 'typebox';
import type { Cluster } from '../cluster.js';
import type { ServerConfig } from '../config.js';
import type { Db } from '../db.js';
import { seenOf } from '../deviceSeen.js';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import type { Metrics } from '../metrics.js';
import type { SeenWrites } from '../seenWrites.js';
import { appendKeyEvent } from '../transparency/append.js';
import { checkCertificate, checkRevocation } from './certificates.js';
import { base64url, bytes, canonical, SealedLabel, sealedLabelBytes } from './input.js';
import { requireSession } from './session.js';

/** An account's devices, revoked ones included, are at most this many times `limits.devicesPerAccount`. */
const REVOKED_FACTOR = 10;

export type DevicesDeps = {
  db: Db;
  signature: Signature;
  metrics: Metrics;
  hub: Hub;
  cluster: Cluster;
  config: ServerConfig;
  seen: SeenWrites;
};

const addDevice = {
  body: Type.Object({ certificate: base64url(1024) }, { additionalProperties: false }),
  response: { 201: Type.Object({ deviceId: Type.String() }) },
};

const listDevices = {
  params: Type.Object({ username: Type.String({ maxLength: 64 }) }),
  response: {
    200: Type.Object({
      username: Type.String(),
      devices: Type.Array(
        Type.Object({
          deviceId: Type.String(),
          certificate: Type.String(),
          revokedAt: Type.Union([Type.Number(), Type.Null()]),
          createdAt: Type.Number(),
          label: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          lastSeen: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
          online: Type.Optional(Type.Boolean()),
        }),
      ),
    }),
  },
};

const labelDevice = {
  params: Type.Object({ deviceId: Type.String({ maxLength: 64 }) }),
  body: Type.Object({ label: SealedLabel }, { additionalProperties: false }),
};

const revokeDevice = {
  params: Type.Object({ deviceId: Type.String({ maxLength: 64 }) }),
  body: Type.Object({ revocation: base64url(1024) }, { additionalProperties: false }),
  response: { 200: Type.Object({ deviceId: Type.String(), revoked: Type.Literal(true) }) },
};

/**
 * An account's devices as `asker` may see them. Anyone signed in may list them (to add the account
 * to a conversation); only the account itself learns their labels and when they were last seen.
 */
async function listOf(
  { db, cluster, seen: pending }: Pick<DevicesDeps, 'db' | 'cluster' | 'seen'>,
  name: string,
  asker: string,
) {
  const rows = await db
    .selectFrom('devices')
    .select([
      'device_id',
      'certificate',
      'revoked_at',
      'created_at',
      'label',
      'connected_at',
      'disconnected_at',
    ])
    .where('username', '=', name)
    .orderBy('created_at')
    .execute();
  const devices = rows.map((r) => ({
    deviceId: r.device_id,
    certificate: toBase64Url(r.certificate),
    revokedAt: r.revoked_at,
    createdAt: r.created_at,
  }));
  if (name !== asker) return { username: name, devices };
  const seen = await seenOf(
    cluster,
    name,
    rows.map((r) => pending.deviceRow(name, r.device_id, r)),
  );
  return {
    username: name,
    devices: devices.map((d, i) => ({
      ...d,
      label: rows[i]!.label === null ? null : toBase64Url(rows[i]!.label!),
      ...seen[i]!,
    })),
  };
}

/** Mark a device revoked and log its revocation, once, whichever of two concurrent revocations marks it. */
async function markRevoked(
  db: Db,
  username: string,
  deviceId: string,
  revocation: Uint8Array,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('devices')
      .set({ revoked_at: Date.now(), revocation })
      .where('username', '=', username)
      .where('device_id', '=', deviceId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 1)
      await appendKeyEvent(tx, { kind: 'device_revoked', accountId: username, revocation }, deviceId);
  });
}

export const deviceRoutes: FastifyPluginAsyncTypebox<DevicesDeps> = async (app, deps) => {
  const { db, signature, metrics, hub, config } = deps;
  const maxDevices = config.limits.devicesPerAccount;
  requireSession(app, db);

  async function identityKeyOf(username: string): Promise<Uint8Array> {
    const row = await db
      .selectFrom('accounts')
      .select('identity_key')
      .where('username', '=', username)
      .executeTakeFirst();
    if (row === undefined) throw new ApiError(404, 'not_found', 'no such account');
    return row.identity_key;
  }

  app.post('/v1/devices', { schema: addDevice }, async (request, reply) => {
    const username = request.account;
    const encoded = bytes(request.body.certificate, 'certificate');
    const cert = await checkCertificate(encoded, username, await identityKeyOf(username), signature);
    await db.transaction().execute(async (tx) => {
      // The cap counts devices not revoked: revoking a lost one makes room for a new one. Revoked
      // ones stay listed (others verify the revocations), so ten times the cap bounds them too.
      const rows = await tx
        .selectFrom('devices')
        .select(['revoked_at'])
        .where('username', '=', username)
        .limit(REVOKED_FACTOR * maxDevices)
        .execute();
      if (
        rows.length >= REVOKED_FACTOR * maxDevices ||
        rows.filter((r) => r.revoked_at === null).length >= maxDevices
      ) {
        throw new ApiError(
          403,
          'limit_reached',
          `this account has the most devices this server allows (${maxDevices}); revoke one first`,
        );
      }
      const inserted = await tx
        .insertInto('devices')
        .values({
          username,
          device_id: cert.deviceId,
          device_key: cert.deviceKey,
          certificate: encoded,
          created_at: Date.now(),
          revoked_at: null,
          revocation: null,
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) {
        throw new ApiError(409, 'device_exists', 'a device with this id or key already exists');
      }
      await appendKeyEvent(
        tx,
        { kind: 'device_certified', accountId: username, certificate: encoded },
        cert.deviceId,
      );
    });
    metrics.devicesAdded.inc();
    reply.code(201);
    return { deviceId: cert.deviceId };
  });

  app.get('/v1/accounts/:username/devices', { schema: listDevices }, async (request) => {
    const name = canonical(request.params.username);
    await identityKeyOf(name);
    return listOf(deps, name, request.account);
  });

  app.put('/v1/devices/:deviceId/label', { schema: labelDevice }, async (request, reply) => {
    const label = sealedLabelBytes(request.body.label, 'label');
    const updated = await db
      .updateTable('devices')
      .set({ label })
      .where('username', '=', request.account)
      .where('device_id', '=', request.params.deviceId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new ApiError(404, 'not_found', 'no such device');
    reply.code(204);
  });

  app.post('/v1/devices/:deviceId/revoke', { schema: revokeDevice }, async (request) => {
    const username = request.account;
    const { deviceId } = request.params;
    const encoded = bytes(request.body.revocation, 'revocation');
    const device = await db
      .selectFrom('devices')
      .select(['device_key', 'revoked_at'])
      .where('username', '=', username)
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
    if (device === undefined) throw new ApiError(404, 'not_found', 'no such device');
    const identityKey = await identityKeyOf(username);
    await checkRevocation(
      encoded,
      { username, deviceId, deviceKey: device.device_key, identityKey },
      signature,
    );
    if (device.revoked_at === null) await markRevoked(db, username, deviceId, encoded);
    // A revoked device is cut off at once, not only at its next connection.
    hub.closeDevice(username, deviceId, CLOSE.revoked.code, CLOSE.revoked.reason);
    return { deviceId, revoked: true as const };
  });
};
