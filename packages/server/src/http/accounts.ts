/**
 * Account routes: registration with OPAQUE (RFC 9807, @serenity-kit/opaque) under the server's
 * access policy (open, server password, invite codes), and the signed-in directory of accounts.
 * The server stores the registration record and never receives the password or anything an
 * offline guesser could use without the server's OPAQUE key.
 */

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Signature } from '@parley/core';
import * as opaque from '@serenity-kit/opaque';
import Type, { type Static } from 'typebox';
import { nameQuarantined } from '../accountDeletion.js';
import type { Cluster } from '../cluster.js';
import type { ServerConfig } from '../config.js';
import { secretEquals, sha256 } from '../crypto.js';
import type { Db } from '../db.js';
import { ApiError } from '../errors.js';
import { usernameSkeleton } from '../lookalikes.js';
import type { Metrics } from '../metrics.js';
import { appendKeyEvent } from '../transparency/append.js';
import { checkCertificate } from './certificates.js';
import {
  base64url,
  bytes,
  canonical,
  newAccountName,
  SealedLabel,
  sealedLabelBytes,
  Username,
} from './input.js';
import { registrationCap } from './registrationCap.js';
import { requireSession } from './session.js';
import { backoffThrottle, rateLimited } from './throttle.js';

export type AccountsDeps = {
  db: Db;
  config: ServerConfig;
  /** The server's OPAQUE key material (accounts.ts opaqueServerSetup). */
  serverSetup: string;
  signature: Signature;
  metrics: Metrics;
  /** The access-policy throttle, shared by every node. */
  cluster: Cluster;
};

/** The fields that satisfy the server's access policy, sent with both registration steps. */
const Access = Type.Object({
  accessPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  inviteCode: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});

const registerStart = {
  body: Type.Object(
    { username: Username, registrationRequest: base64url(1024), ...Access.properties },
    { additionalProperties: false },
  ),
  response: { 200: Type.Object({ registrationResponse: Type.String() }) },
};

const registerFinish = {
  body: Type.Object(
    {
      username: Username,
      registrationRecord: base64url(1024),
      identityKey: base64url(64),
      deviceCertificate: base64url(1024),
      deviceLabel: Type.Optional(SealedLabel),
      ...Access.properties,
    },
    { additionalProperties: false },
  ),
  response: { 201: Type.Object({ username: Type.String(), deviceId: Type.String() }) },
};

const account = {
  params: Type.Object({ username: Username }),
  response: {
    200: Type.Object({ username: Type.String(), displayName: Type.String(), identityKey: Type.String() }),
  },
};

/** The account directory: any signed-in user looks an account up (and pins its identity key). */
const directoryRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  requireSession(app, db);
  app.get('/v1/accounts/:username', { schema: account }, async (request) => {
    const row = await db
      .selectFrom('accounts')
      .select(['username', 'display_name', 'identity_key'])
      .where('username', '=', canonical(request.params.username))
      .executeTakeFirst();
    if (row === undefined) throw new ApiError(404, 'not_found', 'no such account');
    return {
      username: row.username,
      displayName: row.display_name,
      identityKey: Buffer.from(row.identity_key).toString('base64url'),
    };
  });
};

/** The name is taken, or looks like one that is (same confusable skeleton): either way, taken. */
function usernameTaken(): ApiError {
  return new ApiError(409, 'username_taken', 'that username is taken, or looks too much like one that is');
}

/** A deleted account's name, or a lookalike of it, during its quarantine (accountDeletion.ts). */
function usernameQuarantined(): ApiError {
  return new ApiError(
    409,
    'username_quarantined',
    'that username belonged to a deleted account, or looks too much like one; it is reserved for a while',
  );
}

/** Whether a registration satisfies the access policy (403 when not). */
async function checkPolicy(db: Db, config: ServerConfig, body: Static<typeof Access>): Promise<void> {
  if (config.access === 'password') {
    if (body.accessPassword === undefined || !secretEquals(body.accessPassword, config.accessPassword!)) {
      throw new ApiError(403, 'access_denied', 'this server needs the right access password to register');
    }
  } else if (config.access === 'invite') {
    if (body.inviteCode === undefined)
      throw new ApiError(403, 'access_denied', 'this server needs an invite code to register');
    const invite = await db
      .selectFrom('invites')
      .select(['used_at'])
      .where('code_hash', '=', sha256(body.inviteCode))
      .executeTakeFirst();
    if (invite === undefined) throw new ApiError(403, 'access_denied', 'unknown invite code');
    if (invite.used_at !== null) throw new ApiError(403, 'invite_used', 'this invite code has been used');
  }
}

/**
 * The access check of both registration steps, throttled. Access passwords and invite codes are
 * secrets guessed online: under such a policy a client address gets loginsPerMinute failed checks
 * with backoff, like logins (so honest registrations cost nothing), and ten times that in attempts
 * a minute, which bounds a burst of parallel guesses that all pass the failure check before any
 * failure is counted.
 */
function accessChecker(db: Db, config: ServerConfig, cluster: Cluster) {
  const failures = backoffThrottle(cluster, 'access-fail-ip', config.limits.loginsPerMinute);
  const attempts = cluster.limiter('access-ip', 10 * config.limits.loginsPerMinute, 60_000);
  return async (body: Static<typeof Access>, ip: string): Promise<void> => {
    if (config.access === 'open') return;
    if ((await failures.waiting(ip)) || !(await attempts.take(ip))) throw rateLimited('registration');
    try {
      await checkPolicy(db, config, body);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'access_denied') await failures.fail(ip);
      throw e;
    }
  };
}

export const accountRoutes: FastifyPluginAsyncTypebox<AccountsDeps> = async (app, deps) => {
  const { db, config, serverSetup, signature, metrics, cluster } = deps;
  const checkAccess = accessChecker(db, config, cluster);
  const registrations = registrationCap(cluster, config.limits);

  app.post('/v1/accounts/register/start', { schema: registerStart }, async (request) => {
    const name = newAccountName(request.body.username);
    await checkAccess(request.body, request.ip);
    await registrations.check(request.ip);
    const taken = await db
      .selectFrom('accounts')
      .select('username')
      .where((eb) => eb.or([eb('username', '=', name), eb('skeleton', '=', usernameSkeleton(name))]))
      .executeTakeFirst();
    if (taken !== undefined) throw usernameTaken();
    if (await nameQuarantined(db, name)) throw usernameQuarantined();
    try {
      return opaque.server.createRegistrationResponse({
        serverSetup,
        userIdentifier: name,
        registrationRequest: request.body.registrationRequest,
      });
    } catch {
      throw new ApiError(400, 'invalid_request', 'malformed OPAQUE registration request');
    }
  });

  app.post('/v1/accounts/register/finish', { schema: registerFinish }, async (request, reply) => {
    const body = request.body;
    const name = newAccountName(body.username);
    await checkAccess(body, request.ip);
    const identityKey = bytes(body.identityKey, 'identityKey', 32);
    const certificate = bytes(body.deviceCertificate, 'deviceCertificate');
    const label = body.deviceLabel === undefined ? null : sealedLabelBytes(body.deviceLabel, 'deviceLabel');
    const cert = await checkCertificate(certificate, name, identityKey, signature);
    await registrations.take(request.ip);
    const now = Date.now();
    await db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('accounts')
        .values({
          username: name,
          display_name: body.username.normalize('NFC'),
          identity_key: identityKey,
          opaque_record: body.registrationRecord,
          created_at: now,
          last_seen: null,
          skeleton: usernameSkeleton(name),
        })
        // Either unique column: the name, or its skeleton (a lookalike of a taken name).
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) throw usernameTaken();
      // After the insert: a deletion of this name that committed meanwhile has left its tombstone.
      if (await nameQuarantined(tx, name, now)) throw usernameQuarantined();
      await tx
        .insertInto('devices')
        .values({
          username: name,
          device_id: cert.deviceId,
          device_key: cert.deviceKey,
          certificate,
          created_at: now,
          revoked_at: null,
          revocation: null,
          label,
        })
        .execute();
      await appendKeyEvent(tx, { kind: 'registered', accountId: name, identityKey });
      await appendKeyEvent(tx, { kind: 'device_certified', accountId: name, certificate }, cert.deviceId);
      if (config.access === 'invite') {
        const used = await tx
          .updateTable('invites')
          .set({ used_at: now, used_by: name })
          .where('code_hash', '=', sha256(body.inviteCode!))
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (Number(used.numUpdatedRows) !== 1)
          throw new ApiError(403, 'invite_used', 'this invite code has been used');
      }
    });
    metrics.registrations.inc();
    reply.code(201);
    return { username: name, deviceId: cert.deviceId };
  });

  await app.register(directoryRoutes, deps);
};
