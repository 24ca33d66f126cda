/**
 * Device-link routes: they carry a new device's identity, sealed on the device that certified it,
 * to the new machine. The slot and the sealing key both derive from a one-time code the person
 * types on the new machine, so the server stores an opaque blob under an opaque name, for 10
 * minutes, for one pick-up by the same account. Every route needs a session.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { toBase64Url } from '@parley/core';
import Type from 'typebox';
import type { ServerConfig } from '../config.js';
import type { Db } from '../db.js';
import { ApiError } from '../errors.js';
import { base64url, bytes } from './input.js';
import { requireSession } from './session.js';

export const DEVICE_LINK_TTL_MS = 10 * 60_000;
/** A slot is 32 bytes: 43 base64url characters. */
const Slot = base64url(43, 43);

const offer = {
  body: Type.Object({ slot: Slot, sealed: base64url(4096) }, { additionalProperties: false }),
  response: { 200: Type.Object({ expiresAt: Type.Number() }) },
};

const claim = {
  body: Type.Object({ slot: Slot }, { additionalProperties: false }),
  response: { 200: Type.Object({ sealed: Type.String() }) },
};

export const deviceLinkRoutes: FastifyPluginAsyncTypebox<{ db: Db; config: ServerConfig }> = async (
  app,
  { db, config },
) => {
  requireSession(app, db);
  const maxCodes = config.limits.linkCodesPerAccount;

  app.post('/v1/device-links', { schema: offer }, async (request) => {
    const now = Date.now();
    await db.deleteFrom('device_links').where('expires_at', '<', now).execute();
    const expiresAt = now + DEVICE_LINK_TTL_MS;
    const { n } = await db
      .selectFrom('device_links')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('username', '=', request.account)
      .executeTakeFirstOrThrow();
    if (Number(n) >= maxCodes) {
      throw new ApiError(
        403,
        'limit_reached',
        `this account has ${maxCodes} link codes waiting, the most this server allows; use one or wait 10 minutes`,
      );
    }
    await db
      .insertInto('device_links')
      .values({
        slot: bytes(request.body.slot, 'slot'),
        username: request.account,
        sealed: bytes(request.body.sealed, 'sealed'),
        expires_at: expiresAt,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return { expiresAt };
  });

  app.post('/v1/device-links/claim', { schema: claim }, async (request) => {
    const row = await db
      .deleteFrom('device_links')
      .where('slot', '=', bytes(request.body.slot, 'slot'))
      .where('username', '=', request.account)
      .where('expires_at', '>=', Date.now())
      .returning('sealed')
      .executeTakeFirst();
    if (row === undefined) throw new ApiError(404, 'not_found', 'no such link code, or it expired');
    return { sealed: toBase64Url(row.sealed) };
  });
};
