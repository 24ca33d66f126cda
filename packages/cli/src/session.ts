/**
 * The HTTP API session of a profile: the one kept in the profile (sealed under the storage key, so
 * one login serves many commands), or a fresh OPAQUE login when there is none, it expired, or the
 * server no longer knows it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParleyApi } from '@parley/client';
import { is, open, seal } from '@parley/core';
import type { Unlocked } from './connect.js';

const SESSION_CONTEXT = 'parley/v1/cli-session';

function savedToken(file: string, place: Unlocked): string | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const saved = JSON.parse(
      new TextDecoder().decode(open(place.key, new Uint8Array(readFileSync(file)), SESSION_CONTEXT)),
    ) as { token: string; expiresAt: number };
    return saved.expiresAt > Date.now() + 60_000 ? saved.token : undefined;
  } catch {
    return undefined; // unreadable: log in again
  }
}

/** Run an HTTP API call with the profile's session, logging in (again) when needed. */
export async function withSession<T>(
  api: ParleyApi,
  place: Unlocked,
  call: (token: string) => Promise<T>,
): Promise<T> {
  const file = join(place.dir, 'session.parley');
  const login = async () => {
    const session = await api.login(place.profile.username, place.password);
    const sealed = seal(place.key, new TextEncoder().encode(JSON.stringify(session)), SESSION_CONTEXT);
    writeFileSync(file, sealed, { mode: 0o600 });
    return session.token;
  };
  const token = savedToken(file, place);
  if (token === undefined) return call(await login());
  try {
    return await call(token);
  } catch (e) {
    if (!is(e, 'unauthorized')) throw e;
    return call(await login());
  }
}
