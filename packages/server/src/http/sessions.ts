/**
 * Login and logout routes: OPAQUE login in two steps (the pending state waits in the cluster, so
 * the second step may reach another node), throttled per client address and, with backoff, per
 * account and address (never per account alone, which would let anyone lock its owner out); a
 * completed login opens a session.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import * as opaque from '@serenity-kit/opaque';
import Type from 'typebox';
import type { Cluster } from '../cluster.js';
import type { ServerConfig } from '../config.js';
import { newSecret } from '../crypto.js';
import type { Db } from '../db.js';
import { ApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { base64url, canonical, Username } from './input.js';
import { closeSession, openSession, requireSession } from './session.js';
import { backoffThrottle, rateLimited } from './throttle.js';

const LOGIN_STATE_TTL_MS = 60_000;

export type SessionsDeps = {
  db: Db;
  config: ServerConfig;
  /** The server's OPAQUE key material (accounts.ts opaqueServerSetup). */
  serverSetup: string;
  metrics: Metrics;
  /** Pending logins and login rate limits, shared by every node. */
  cluster: Cluster;
};

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

const loginStart = {
  body: Type.Object(
    { username: Username, startLoginRequest: base64url(1024) },
    { additionalProperties: false },
  ),
  response: { 200: Type.Object({ loginId: Type.String(), loginResponse: Type.String() }) },
};

const loginFinish = {
  body: Type.Object(
    { loginId: base64url(64), finishLoginRequest: base64url(1024) },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({ token: Type.String(), username: Type.String(), expiresAt: Type.Number() }),
  },
};

const logout = { response: { 204: Type.Null() } };

const logoutRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  requireSession(app, db);
  app.post('/v1/sessions/logout', { schema: logout }, async (request, reply) => {
    await closeSession(db, request);
    return reply.code(204).send(null);
  });
};

/**
 * The second step of an OPAQUE login (its state taken from the cluster, once): the account whose
 * password the client just proved, or 401 (wrong password, expired attempt) / 403 (disabled).
 * A login opens a session with it; an identity reset (identityReset.ts) is made with it directly.
 */
export async function finishLogin(
  { db, cluster, metrics }: Pick<SessionsDeps, 'db' | 'cluster' | 'metrics'>,
  loginId: string,
  finishLoginRequest: string,
): Promise<string> {
  const pending = parsePendingLogin(await cluster.takeTemporary(`login:${loginId}`));
  if (pending === undefined) {
    throw new ApiError(401, 'login_expired', 'login attempt expired or unknown; start again');
  }
  try {
    opaque.server.finishLogin({ serverLoginState: pending.state, finishLoginRequest });
  } catch {
    metrics.logins.inc({ result: 'failed' });
    throw new ApiError(401, 'invalid_credentials', 'wrong username or password');
  }
  const exists = await db
    .selectFrom('accounts')
    .select(['username', 'disabled_at'])
    .where('username', '=', pending.username)
    .executeTakeFirst();
  if (exists === undefined) {
    metrics.logins.inc({ result: 'failed' });
    throw new ApiError(401, 'invalid_credentials', 'wrong username or password');
  }
  // Told only to whoever proved the password: nobody else learns that the account was disabled.
  if (exists.disabled_at !== null) {
    metrics.logins.inc({ result: 'failed' });
    throw new ApiError(403, 'account_disabled', 'this account is disabled on this server');
  }
  return pending.username;
}

export const sessionRoutes: FastifyPluginAsyncTypebox<SessionsDeps> = async (app, deps) => {
  const { db, config, serverSetup, metrics, cluster } = deps;
  // request.ip is the client's address: the socket's, or with config.trustProxy the one the
  // trusted proxy names in X-Forwarded-For.
  const loginsPerIp = cluster.limiter('login-ip', config.limits.loginsPerMinute, 60_000);
  const loginsPerAccountAndIp = backoffThrottle(cluster, 'login-account-ip', config.limits.loginsPerMinute);

  app.post('/v1/sessions/login/start', { schema: loginStart }, async (request) => {
    const name = canonical(request.body.username);
    const pair = JSON.stringify([name, request.ip]);
    if (!(await loginsPerIp.take(request.ip)) || !(await loginsPerAccountAndIp.allow(pair))) {
      metrics.logins.inc({ result: 'throttled' });
      throw rateLimited('login');
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
    const loginId = newSecret();
    const pending: PendingLogin = { username: name, state: result.serverLoginState };
    if (!(await cluster.putTemporary(`login:${loginId}`, JSON.stringify(pending), LOGIN_STATE_TTL_MS)))
      throw new ApiError(429, 'rate_limited', 'server busy; try again');
    return { loginId, loginResponse: result.loginResponse };
  });

  app.post('/v1/sessions/login/finish', { schema: loginFinish }, async (request) => {
    const username = await finishLogin(deps, request.body.loginId, request.body.finishLoginRequest);
    const { token, expiresAt } = await openSession(db, username);
    metrics.logins.inc({ result: 'ok' });
    return { token, username, expiresAt };
  });

  await app.register(logoutRoutes, deps);
};
