/**
 * Devices: an account's devices are certified by its identity key (see @parley/core identity.ts).
 * The directory is readable by every signed-in user, since adding someone to a conversation needs
 * their devices; adding and revoking is for the account itself, with a certificate or a revocation
 * signed by its identity key.
 *
 * Device links carry a new device's identity, sealed on the device that certified it, to the new
 * machine: the slot and the sealing key both derive from a one-time code the person types on the
 * new machine, so the server stores an opaque blob under an opaque name, for 10 minutes, for one
 * pick-up by the same account.
 */

import type { Signature } from '@parley/core';
import { decodeDeviceRevocation, fromBase64Url, toBase64Url, verifyDeviceRevocation } from '@parley/core';
import type { FastifyInstance } from 'fastify';
import { authenticate, canonical, checkCertificate } from './accounts.js';
import type { Db } from './db.js';
import { ApiError } from './errors.js';
import type { Hub } from './hub.js';
import type { Metrics } from './metrics.js';

const b64 = { type: 'string', pattern: '^[A-Za-z0-9_-]*$' } as const;

function decode(value: string, field: string): Uint8Array {
  try {
    return fromBase64Url(value);
  } catch {
    throw new ApiError(400, 'invalid_request', `${field} is not base64url`);
  }
}

export const DEVICE_LINK_TTL_MS = 10 * 60_000;
const SLOT_B64_LENGTH = 43; // 32 bytes

export async function devicesRoutes(
  app: FastifyInstance,
  { db, signature, metrics, hub }: { db: Db; signature: Signature; metrics: Metrics; hub: Hub },
): Promise<void> {
  async function identityKeyOf(username: string): Promise<Uint8Array> {
    const row = await db
      .selectFrom('accounts')
      .select('identity_key')
      .where('username', '=', username)
      .executeTakeFirst();
    if (row === undefined) throw new ApiError(404, 'not_found', 'no such account');
    return row.identity_key;
  }

  app.post<{ Body: { slot: string; sealed: string } }>(
    '/v1/device-links',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['slot', 'sealed'],
          properties: {
            slot: { ...b64, minLength: SLOT_B64_LENGTH, maxLength: SLOT_B64_LENGTH },
            sealed: { ...b64, maxLength: 4096 },
          },
        },
      },
    },
    async (request) => {
      const username = await authenticate(db, request);
      const now = Date.now();
      await db.deleteFrom('device_links').where('expires_at', '<', now).execute();
      const expiresAt = now + DEVICE_LINK_TTL_MS;
      await db
        .insertInto('device_links')
        .values({
          slot: decode(request.body.slot, 'slot'),
          username,
          sealed: decode(request.body.sealed, 'sealed'),
          expires_at: expiresAt,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return { expiresAt };
    },
  );

  app.post<{ Body: { slot: string } }>(
    '/v1/device-links/claim',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['slot'],
          properties: { slot: { ...b64, minLength: SLOT_B64_LENGTH, maxLength: SLOT_B64_LENGTH } },
        },
      },
    },
    async (request) => {
      const username = await authenticate(db, request);
      const slot = decode(request.body.slot, 'slot');
      const row = await db
        .deleteFrom('device_links')
        .where('slot', '=', slot)
        .where('username', '=', username)
        .where('expires_at', '>=', Date.now())
        .returning('sealed')
        .executeTakeFirst();
      if (row === undefined) throw new ApiError(404, 'not_found', 'no such link code, or it expired');
      return { sealed: toBase64Url(row.sealed) };
    },
  );

  app.post<{ Body: { certificate: string } }>(
    '/v1/devices',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['certificate'],
          properties: { certificate: { ...b64, maxLength: 1024 } },
        },
      },
    },
    async (request, reply) => {
      const username = await authenticate(db, request);
      const encoded = decode(request.body.certificate, 'certificate');
      const cert = await checkCertificate(encoded, username, await identityKeyOf(username), signature);
      const inserted = await db
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
      metrics.devicesAdded.inc();
      reply.code(201);
      return { deviceId: cert.deviceId };
    },
  );

  app.get<{ Params: { username: string } }>(
    '/v1/accounts/:username/devices',
    { schema: { params: { type: 'object', properties: { username: { type: 'string', maxLength: 64 } } } } },
    async (request) => {
      await authenticate(db, request);
      const name = canonical(request.params.username);
      await identityKeyOf(name);
      const rows = await db
        .selectFrom('devices')
        .select(['device_id', 'certificate', 'revoked_at'])
        .where('username', '=', name)
        .orderBy('created_at')
        .execute();
      return {
        username: name,
        devices: rows.map((r) => ({
          deviceId: r.device_id,
          certificate: toBase64Url(r.certificate),
          revokedAt: r.revoked_at,
        })),
      };
    },
  );

  app.post<{ Params: { deviceId: string }; Body: { revocation: string } }>(
    '/v1/devices/:deviceId/revoke',
    {
      schema: {
        params: { type: 'object', properties: { deviceId: { type: 'string', maxLength: 64 } } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['revocation'],
          properties: { revocation: { ...b64, maxLength: 1024 } },
        },
      },
    },
    async (request) => {
      const username = await authenticate(db, request);
      const encoded = decode(request.body.revocation, 'revocation');
      const device = await db
        .selectFrom('devices')
        .select(['device_key', 'revoked_at'])
        .where('username', '=', username)
        .where('device_id', '=', request.params.deviceId)
        .executeTakeFirst();
      if (device === undefined) throw new ApiError(404, 'not_found', 'no such device');
      try {
        const revocation = decodeDeviceRevocation(encoded);
        await verifyDeviceRevocation(revocation, signature);
        const identityKey = await identityKeyOf(username);
        if (
          revocation.accountId !== username ||
          revocation.deviceId !== request.params.deviceId ||
          Buffer.compare(Buffer.from(revocation.identityKey), Buffer.from(identityKey)) !== 0 ||
          Buffer.compare(Buffer.from(revocation.deviceKey), Buffer.from(device.device_key)) !== 0
        ) {
          throw new Error('revocation does not match the device');
        }
      } catch {
        throw new ApiError(400, 'invalid_certificate', 'invalid revocation for this device');
      }
      if (device.revoked_at === null) {
        await db
          .updateTable('devices')
          .set({ revoked_at: Date.now(), revocation: encoded })
          .where('username', '=', username)
          .where('device_id', '=', request.params.deviceId)
          .execute();
      }
      // A revoked device is cut off at once, not only at its next connection.
      hub.closeDevice(username, request.params.deviceId, 4403, 'device revoked');
      return { deviceId: request.params.deviceId, revoked: true };
    },
  );
}
