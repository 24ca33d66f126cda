/**
 * Accounts: registration and login with OPAQUE (RFC 9807, @serenity-kit/opaque). The server stores
 * the registration record and never receives the password or anything an offline guesser could use
 * without the server's OPAQUE key. The access policy (open, server password, invite codes) is
 * enforced at registration.
 */

import type { Signature } from '@parley/core';
import {
  canonicalUsername,
  decodeDeviceCertificate,
  fromBase64Url,
  ParleyError,
  verifyDeviceCertificate,
} from '@parley/core';
import * as opaque from '@serenity-kit/opaque';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cluster } from './cluster.js';
import type { ServerConfig } from './config.js';
import { newSecret, secretEquals, sha256 } from './crypto.js';
import type { Db } from './db.js';
import { ApiError } from './errors.js';
import type { Metrics } from './metrics.js';

export const SESSION_LIFETIME_MS = 30 * 24 * 3600 * 1000;
const LOGIN_STATE_TTL_MS = 60_000;

const b64 = { type: 'string', pattern: '^[A-Za-z0-9_-]*$' } as const;
const username = { type: 'string', minLength: 1, maxLength: 64 } as const;
const access = {
  accessPassword: { type: 'string', minLength: 1, maxLength: 256 },
  inviteCode: { type: 'string', minLength: 1, maxLength: 128 },
} as const;

export interface AccountsDeps {
  db: Db;
  config: ServerConfig;
  serverSetup: string;
  signature: Signature;
  metrics: Metrics;
  /** Pending logins and login rate limits, shared by every node. */
  cluster: Cluster;
}

/** The canonical account id for a username, or 400 invalid_username. */
export function canonical(name: string): string {
  try {
    return canonicalUsername(name);
  } catch (e) {
    throw new ApiError(400, 'invalid_username', e instanceof Error ? e.message : 'invalid username');
  }
}

function bytes(value: string, field: string, exactLength?: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = fromBase64Url(value);
  } catch {
    throw new ApiError(400, 'invalid_request', `${field} is not base64url`);
  }
  if (exactLength !== undefined && out.length !== exactLength) {
    throw new ApiError(400, 'invalid_request', `${field} must be ${exactLength} bytes`);
  }
  return out;
}

/** The account a request's bearer token belongs to, or 401. */
export async function authenticate(db: Db, request: FastifyRequest): Promise<string> {
  const header = request.headers.authorization;
  if (header === undefined || !header.startsWith('Bearer ') || header.length > 200) {
    throw new ApiError(401, 'unauthorized', 'a session token is required');
  }
  const row = await db
    .selectFrom('sessions')
    .select(['username', 'expires_at'])
    .where('token_hash', '=', sha256(header.slice(7)))
    .executeTakeFirst();
  if (row === undefined || row.expires_at < Date.now())
    throw new ApiError(401, 'unauthorized', 'session is not valid');
  return row.username;
}

interface PendingLogin {
  username: string;
  /** OPAQUE's server login state: secret, kept only until login/finish or LOGIN_STATE_TTL_MS. */
  state: string;
}

function parsePendingLogin(stored: string | undefined): PendingLogin | undefined {
  if (stored === undefined || stored.length > 16_384) return undefined;
  try {
    const p = JSON.parse(stored) as Partial<PendingLogin>;
    return typeof p.username === 'string' && typeof p.state === 'string'
      ? { username: p.username, state: p.state }
      : undefined;
  } catch {
    return undefined;
  }
}

export async function createInvites(db: Db, count: number): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const code = newSecret();
    await db
      .insertInto('invites')
      .values({ code_hash: sha256(code), created_at: Date.now(), used_at: null, used_by: null })
      .execute();
    codes.push(code);
  }
  return codes;
}

export async function accountsRoutes(app: FastifyInstance, deps: AccountsDeps): Promise<void> {
  const { db, config, serverSetup, signature, metrics, cluster } = deps;
  const loginsPerIp = cluster.limiter('login-ip', config.limits.loginsPerMinute, 60_000);
  const loginsPerAccount = cluster.limiter('login-account', config.limits.loginsPerMinute, 60_000);

  async function checkAccess(body: { accessPassword?: string; inviteCode?: string }): Promise<void> {
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

  app.post<{
    Body: { username: string; registrationRequest: string; accessPassword?: string; inviteCode?: string };
  }>(
    '/v1/accounts/register/start',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'registrationRequest'],
          properties: { username, registrationRequest: { ...b64, maxLength: 1024 }, ...access },
        },
      },
    },
    async (request) => {
      const name = canonical(request.body.username);
      await checkAccess(request.body);
      const taken = await db
        .selectFrom('accounts')
        .select('username')
        .where('username', '=', name)
        .executeTakeFirst();
      if (taken !== undefined) throw new ApiError(409, 'username_taken', 'that username is taken');
      try {
        return opaque.server.createRegistrationResponse({
          serverSetup,
          userIdentifier: name,
          registrationRequest: request.body.registrationRequest,
        });
      } catch {
        throw new ApiError(400, 'invalid_request', 'malformed OPAQUE registration request');
      }
    },
  );

  app.post<{
    Body: {
      username: string;
      registrationRecord: string;
      identityKey: string;
      deviceCertificate: string;
      accessPassword?: string;
      inviteCode?: string;
    };
  }>(
    '/v1/accounts/register/finish',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'registrationRecord', 'identityKey', 'deviceCertificate'],
          properties: {
            username,
            registrationRecord: { ...b64, maxLength: 1024 },
            identityKey: { ...b64, maxLength: 64 },
            deviceCertificate: { ...b64, maxLength: 1024 },
            ...access,
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const name = canonical(body.username);
      await checkAccess(body);
      const identityKey = bytes(body.identityKey, 'identityKey', 32);
      const cert = await checkCertificate(
        bytes(body.deviceCertificate, 'deviceCertificate'),
        name,
        identityKey,
        signature,
      );
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
          })
          .onConflict((oc) => oc.column('username').doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) {
          throw new ApiError(409, 'username_taken', 'that username is taken');
        }
        await tx
          .insertInto('devices')
          .values({
            username: name,
            device_id: cert.deviceId,
            device_key: cert.deviceKey,
            certificate: bytes(body.deviceCertificate, 'deviceCertificate'),
            created_at: now,
            revoked_at: null,
            revocation: null,
          })
          .execute();
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
    },
  );

  app.post<{ Body: { username: string; startLoginRequest: string } }>(
    '/v1/sessions/login/start',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'startLoginRequest'],
          properties: { username, startLoginRequest: { ...b64, maxLength: 1024 } },
        },
      },
    },
    async (request) => {
      const name = canonical(request.body.username);
      if (!(await loginsPerIp.take(request.ip)) || !(await loginsPerAccount.take(name))) {
        metrics.logins.inc({ result: 'throttled' });
        throw new ApiError(429, 'rate_limited', 'too many login attempts; wait a minute');
      }
      const account = await db
        .selectFrom('accounts')
        .select('opaque_record')
        .where('username', '=', name)
        .executeTakeFirst();
      let result: { serverLoginState: string; loginResponse: string };
      try {
        // For an unknown username OPAQUE answers with a fake record, so logins do not reveal who exists.
        result = opaque.server.startLogin({
          serverSetup,
          userIdentifier: name,
          registrationRecord: account?.opaque_record ?? null,
          startLoginRequest: request.body.startLoginRequest,
        });
      } catch {
        throw new ApiError(400, 'invalid_request', 'malformed OPAQUE login request');
      }
      // Login state waits for login/finish, which may reach another node: it lives in the cluster.
      const loginId = newSecret();
      const pending: PendingLogin = { username: name, state: result.serverLoginState };
      if (!(await cluster.putTemporary(`login:${loginId}`, JSON.stringify(pending), LOGIN_STATE_TTL_MS)))
        throw new ApiError(429, 'rate_limited', 'server busy; try again');
      return { loginId, loginResponse: result.loginResponse };
    },
  );

  app.post<{ Body: { loginId: string; finishLoginRequest: string } }>(
    '/v1/sessions/login/finish',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['loginId', 'finishLoginRequest'],
          properties: { loginId: { ...b64, maxLength: 64 }, finishLoginRequest: { ...b64, maxLength: 1024 } },
        },
      },
    },
    async (request) => {
      const pending = parsePendingLogin(await cluster.takeTemporary(`login:${request.body.loginId}`));
      if (pending === undefined) {
        throw new ApiError(401, 'login_expired', 'login attempt expired or unknown; start again');
      }
      try {
        opaque.server.finishLogin({
          serverLoginState: pending.state,
          finishLoginRequest: request.body.finishLoginRequest,
        });
      } catch {
        metrics.logins.inc({ result: 'failed' });
        throw new ApiError(401, 'invalid_credentials', 'wrong username or password');
      }
      const exists = await db
        .selectFrom('accounts')
        .select('username')
        .where('username', '=', pending.username)
        .executeTakeFirst();
      if (exists === undefined) {
        metrics.logins.inc({ result: 'failed' });
        throw new ApiError(401, 'invalid_credentials', 'wrong username or password');
      }
      const token = newSecret();
      const now = Date.now();
      await db
        .insertInto('sessions')
        .values({
          token_hash: sha256(token),
          username: pending.username,
          created_at: now,
          expires_at: now + SESSION_LIFETIME_MS,
        })
        .execute();
      metrics.logins.inc({ result: 'ok' });
      return { token, username: pending.username, expiresAt: now + SESSION_LIFETIME_MS };
    },
  );

  app.post('/v1/sessions/logout', async (request, reply) => {
    await authenticate(db, request);
    await db
      .deleteFrom('sessions')
      .where('token_hash', '=', sha256(request.headers.authorization!.slice(7)))
      .execute();
    reply.code(204);
  });

  app.get<{ Params: { username: string } }>(
    '/v1/accounts/:username',
    { schema: { params: { type: 'object', properties: { username } } } },
    async (request) => {
      await authenticate(db, request);
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
    },
  );
}

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
    if (Buffer.compare(Buffer.from(cert.identityKey), Buffer.from(identityKey)) !== 0) {
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
