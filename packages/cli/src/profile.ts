/**
 * A person's profiles on this machine (PARLEY_HOME, ~/.parley by default): one directory per server
 * and account with the profile, the device identity sealed under the password (scrypt), and the
 * client's encrypted SQLite store; `current` names the one in use. Also: asking for secrets on the
 * terminal, and turning API errors into the sentences a person reads.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type ApiError, type ParleyApi, ParleyClient, type TransportError } from '@parley/client';
import { nodeSocketFactory, SqliteRecordStore } from '@parley/client/node';
import {
  type DeviceIdentity,
  open,
  openDeviceIdentity,
  openWithPassphrase,
  type ParleyError,
  type StorageKey,
  seal,
} from '@parley/core';
import { nativeCryptoProvider, nodeScrypt } from '@parley/core/node';

export class CliError extends Error {}

export const home = process.env.PARLEY_HOME ?? join(homedir(), '.parley');

export interface Profile {
  server: string;
  username: string;
  deviceId: string;
}

export function profileDir(server: string, username: string): string {
  const host = new URL(server).host.replace(/[^A-Za-z0-9.-]/g, '_');
  return join(home, 'profiles', `${host}-${username}`);
}

export function currentProfile(): { profile: Profile; dir: string } {
  const pointer = join(home, 'current');
  if (!existsSync(pointer))
    throw new CliError('no account on this machine yet: run `parley register <server-url> <username>`');
  const dir = readFileSync(pointer, 'utf8').trim();
  return { profile: JSON.parse(readFileSync(join(dir, 'profile.json'), 'utf8')) as Profile, dir };
}

/** Ask on the terminal without echo, or take PARLEY_PASSWORD (scripts, tests). */
export async function askSecret(
  prompt: string,
  envName = 'PARLEY_PASSWORD',
  visible = false,
): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY)
    throw new CliError(`${prompt.replace(/:\s*$/, '')} needed: set ${envName} or run in a terminal`);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const output = rl as unknown as { _writeToOutput?: (s: string) => void };
  // Without echo: readline redraws "prompt + what was typed"; only the prompt is written.
  if (!visible)
    output._writeToOutput = (text: string) => {
      if (text.includes(prompt)) process.stdout.write(prompt);
      else if (text.includes('\n')) process.stdout.write('\n');
    };
  const answer = await new Promise<string>((resolve) => rl.question(prompt, resolve));
  rl.close();
  return answer;
}

export async function unlock(
  dir: string,
  password: string,
): Promise<{ identity: DeviceIdentity; key: StorageKey }> {
  const envelope = readFileSync(join(dir, 'device.parley'));
  try {
    const { key } = await openWithPassphrase(
      password,
      new Uint8Array(envelope),
      'parley/v1/device-identity',
      {
        scrypt: nodeScrypt,
      },
    );
    return { identity: openDeviceIdentity(key, new Uint8Array(envelope)), key };
  } catch (e) {
    if ((e as ParleyError).code === 'wrong_key') throw new CliError('wrong password');
    throw e;
  }
}

/** This profile's ParleyClient over its encrypted SQLite store (not yet connected). */
export function openProfileClient(profile: Profile, dir: string, identity: DeviceIdentity, key: StorageKey) {
  return ParleyClient.open({
    serverUrl: profile.server,
    identity,
    records: new SqliteRecordStore(join(dir, 'client.sqlite3')),
    storageKey: key,
    mls: { provider: nativeCryptoProvider },
    socketFactory: nodeSocketFactory,
  });
}

/** Connect and catch up; a failure becomes the sentence a person reads. */
export async function syncOrExplain(
  client: ParleyClient,
  profile: Profile,
  timeoutMs = 10_000,
): Promise<void> {
  try {
    await client.sync(timeoutMs);
  } catch (e) {
    if ((e as TransportError).code === 'auth_failed')
      throw new CliError(
        'the server no longer accepts this device (it was revoked): link it again with `parley devices add` on another device',
      );
    throw new CliError(`cannot reach the server at ${profile.server}`);
  }
}

/** The profile's client, connected and caught up. */
export async function openClient(profile: Profile, dir: string, identity: DeviceIdentity, key: StorageKey) {
  const client = await openProfileClient(profile, dir, identity, key);
  client.start();
  try {
    await syncOrExplain(client, profile);
  } catch (e) {
    await client.close();
    throw e;
  }
  return client;
}

export function apiError(e: unknown, server: string): never {
  const code = (e as ApiError).code;
  const messages: Record<string, string> = {
    unreachable: `cannot reach the server at ${server}`,
    wrong_password: 'wrong username or password',
    invalid_credentials: 'wrong username or password',
    username_taken: 'that username is taken',
    access_denied: 'wrong access password or invite code',
    invite_used: 'this invite code has already been used',
    invalid_username: (e as Error).message,
    rate_limited: 'too many attempts; wait a minute',
  };
  throw new CliError(messages[code] ?? (e as Error).message);
}

const SESSION_CONTEXT = 'parley/v1/cli-session';

/**
 * Run an HTTP API call with a session: the one kept in the profile (sealed under the storage key,
 * so one login serves many commands) or a fresh OPAQUE login when there is none, it expired, or
 * the server no longer knows it.
 */
export async function withSession<T>(
  api: ParleyApi,
  place: { profile: Profile; dir: string; key: StorageKey; password: string },
  call: (token: string) => Promise<T>,
): Promise<T> {
  const file = join(place.dir, 'session.parley');
  let token: string | undefined;
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(
        new TextDecoder().decode(open(place.key, new Uint8Array(readFileSync(file)), SESSION_CONTEXT)),
      ) as { token: string; expiresAt: number };
      if (saved.expiresAt > Date.now() + 60_000) token = saved.token;
    } catch {
      // unreadable: log in again
    }
  }
  const login = async () => {
    const session = await api
      .login(place.profile.username, place.password)
      .catch((e) => apiError(e, place.profile.server));
    const sealed = seal(place.key, new TextEncoder().encode(JSON.stringify(session)), SESSION_CONTEXT);
    writeFileSync(file, sealed, { mode: 0o600 });
    return session.token;
  };
  if (token === undefined) return call(await login());
  try {
    return await call(token);
  } catch (e) {
    if ((e as ApiError).status !== 401) throw e;
    return call(await login());
  }
}
