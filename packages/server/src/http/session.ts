/**
 * Sessions: the bearer tokens a login hands out (only their SHA-256 is stored), the one hook that
 * checks them on authenticated routes, and logout.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newSecret, sha256 } from '../crypto.js';
import type { Db } from '../db.js';
import { ApiError } from '../errors.js';

export const SESSION_LIFETIME_MS = 30 * 24 * 3600 * 1000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in account: set by requireSession's hook on authenticated routes, '' elsewhere. */
    account: string;
  }
}

/** The stored form of the request's bearer token, or undefined without a plausible one. */
function tokenHash(request: FastifyRequest): Uint8Array | undefined {
  const header = request.headers.authorization;
  if (header === undefined || !header.startsWith('Bearer ') || header.length > 200) return undefined;
  return sha256(header.slice(7));
}

/** The account a request's bearer token belongs to, or 401 unauthorized. */
async function sessionAccount(db: Db, request: FastifyRequest): Promise<string> {
  const hash = tokenHash(request);
  if (hash === undefined) throw new ApiError(401, 'unauthorized', 'a session token is required');
  const row = await db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.username', 'sessions.username')
    .select(['sessions.username', 'sessions.expires_at', 'accounts.disabled_at'])
    .where('sessions.token_hash', '=', hash)
    .executeTakeFirst();
  if (row === undefined || row.expires_at < Date.now())
    throw new ApiError(401, 'unauthorized', 'session is not valid');
  if (row.disabled_at !== null) throw new ApiError(403, 'account_disabled', 'this account is disabled');
  return row.username;
}

/**
 * Every route of `scope` (a plugin's encapsulated instance) needs a valid session: the check runs
 * after the request is validated, before the handler, which reads the account as request.account.
 */
export function requireSession(scope: FastifyInstance, db: Db): void {
  if (!scope.hasRequestDecorator('account')) scope.decorateRequest('account', '');
  scope.addHook('preHandler', async (request) => {
    request.account = await sessionAccount(db, request);
  });
}

/** A new session for `username`: the token goes to the client, its hash to the database. */
export async function openSession(db: Db, username: string): Promise<{ token: string; expiresAt: number }> {
  const token = newSecret();
  const now = Date.now();
  const expiresAt = now + SESSION_LIFETIME_MS;
  await db
    .insertInto('sessions')
    .values({ token_hash: sha256(token), username, created_at: now, expires_at: expiresAt })
    .execute();
  return { token, expiresAt };
}

/** When the request's session was opened (its login), or 0 without one. */
export async function sessionOpenedAt(db: Db, request: FastifyRequest): Promise<number> {
  const hash = tokenHash(request);
  if (hash === undefined) return 0;
  const row = await db
    .selectFrom('sessions')
    .select('created_at')
    .where('token_hash', '=', hash)
    .executeTakeFirst();
  return row === undefined ? 0 : Number(row.created_at);
}

/** Delete the session the request's token names (the hook has checked it). */
export async function closeSession(db: Db, request: FastifyRequest): Promise<void> {
  const hash = tokenHash(request);
  if (hash !== undefined) await db.deleteFrom('sessions').where('token_hash', '=', hash).execute();
}
