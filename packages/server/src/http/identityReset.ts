/**
 * `POST /v1/accounts/identity/reset`: an account that lost every device and its recovery key
 * starts over with a new identity key (identityReset.ts says what changes). The request carries
 * the second step of an OPAQUE login begun with `POST /v1/sessions/login/start`, so the password
 * is proven in this very request: no session token, however fresh or stolen, can reset an
 * identity, and the login throttles (per address, per account and address, with backoff) bound
 * the guessing. An account resets at most RESETS_PER_WINDOW times a day. The old devices'
 * connections are cut at once on every node; the answer opens a session for the new device.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CLOSE, toBase64Url } from '@parley/core';
import Type from 'typebox';
import { resetIdentity } from '../identityReset.js';
import { checkCertificate } from './certificates.js';
import { base64url, bytes, SealedLabel, sealedLabelBytes } from './input.js';
import type { HttpDeps } from './routes.js';
import { openSession } from './session.js';
import { finishLogin } from './sessions.js';

const reset = {
  body: Type.Object(
    {
      loginId: base64url(64),
      finishLoginRequest: base64url(1024),
      identityKey: base64url(64),
      deviceCertificate: base64url(1024),
      deviceLabel: Type.Optional(SealedLabel),
    },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({
      username: Type.String(),
      deviceId: Type.String(),
      formerIdentityKey: Type.String(),
      revokedDevices: Type.Array(Type.String()),
      token: Type.String(),
      expiresAt: Type.Number(),
    }),
  },
};

export const identityResetRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, deps) => {
  const { db, signature, hub, metrics } = deps;
  app.post('/v1/accounts/identity/reset', { schema: reset }, async (request) => {
    const body = request.body;
    // Everything in the body is checked before the login is finished (which uses it up).
    const identityKey = bytes(body.identityKey, 'identityKey', 32);
    const encoded = bytes(body.deviceCertificate, 'deviceCertificate');
    const label = body.deviceLabel === undefined ? null : sealedLabelBytes(body.deviceLabel, 'deviceLabel');
    const username = await finishLogin(deps, body.loginId, body.finishLoginRequest);
    const cert = await checkCertificate(encoded, username, identityKey, signature);
    const done = await resetIdentity(db, username, identityKey, { cert, encoded, label });
    for (const device of done.revokedDevices)
      hub.closeDevice(username, device, CLOSE.revoked.code, CLOSE.revoked.reason);
    metrics.logins.inc({ result: 'ok' });
    request.log.info(
      { event: 'identity_reset', revokedDevices: done.revokedDevices.length },
      'identity reset',
    );
    const session = await openSession(db, username);
    return {
      username,
      deviceId: cert.deviceId,
      formerIdentityKey: toBase64Url(done.formerIdentityKey),
      revokedDevices: done.revokedDevices,
      ...session,
    };
  });
};
