/**
 * Opening a profile's ParleyClient over its encrypted SQLite store (client.sqlite3 in the profile),
 * unlocked with the password, and connecting it; a failure to connect becomes the sentence a person reads.
 */
import { join } from 'node:path';
import { ParleyClient, type TransportError } from '@parley/client';
import { nodeSocketFactory, SqliteRecordStore } from '@parley/client/node';
import type { DeviceIdentity, StorageKey } from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import { CliError } from './errors.js';
import { currentProfile, type Profile, unlock } from './profile.js';
import { askSecret } from './prompt.js';

/** An unlocked profile: where it is, its device identity and storage key, and the password. */
export interface Unlocked {
  profile: Profile;
  dir: string;
  identity: DeviceIdentity;
  key: StorageKey;
  password: string;
}

/** Unlock the current profile with the password (asked for, or PARLEY_PASSWORD). */
export async function openCurrent(): Promise<Unlocked> {
  const { profile, dir } = currentProfile();
  const password = await askSecret('Password: ');
  const { identity, key } = await unlock(dir, password);
  return { profile, dir, identity, key, password };
}

/** This profile's ParleyClient over its encrypted SQLite store (not yet connected). */
export function openProfileClient({ profile, dir, identity, key }: Omit<Unlocked, 'password'>) {
  return ParleyClient.open({
    serverUrl: profile.server,
    identity,
    records: new SqliteRecordStore(join(dir, 'client.sqlite3')),
    storageKey: key,
    mls: { provider: nativeCryptoProvider },
    socketFactory: nodeSocketFactory,
  });
}

/** Connect and catch up: whether it worked, or why not. */
export async function trySync(
  client: ParleyClient,
  timeoutMs: number,
): Promise<'ok' | 'revoked' | 'unreachable'> {
  try {
    await client.sync(timeoutMs);
    return 'ok';
  } catch (e) {
    return (e as TransportError).code === 'auth_failed' ? 'revoked' : 'unreachable';
  }
}

/** Why a profile's client could not catch up, as the sentence a person reads. */
export function syncFailure(reason: 'revoked' | 'unreachable', profile: Profile): CliError {
  return new CliError(
    reason === 'revoked'
      ? 'the server no longer accepts this device (it was revoked): link it again with `parley devices add` on another device'
      : `cannot reach the server at ${profile.server}`,
  );
}

/** Connect and catch up; a failure becomes the sentence a person reads. */
export async function syncOrExplain(
  client: ParleyClient,
  profile: Profile,
  timeoutMs = 10_000,
): Promise<void> {
  const result = await trySync(client, timeoutMs);
  if (result !== 'ok') throw syncFailure(result, profile);
}

/** The profile's client, connected and caught up. */
export async function openClient(place: Omit<Unlocked, 'password'>): Promise<ParleyClient> {
  const client = await openProfileClient(place);
  client.start();
  try {
    await syncOrExplain(client, place.profile);
  } catch (e) {
    await client.close();
    throw e;
  }
  return client;
}

/** Run `work` with the current profile's client, started (connecting) but not awaited, then close it. */
export async function withClient<T>(work: (client: ParleyClient, place: Unlocked) => Promise<T>): Promise<T> {
  const place = await openCurrent();
  const client = await openProfileClient(place);
  try {
    return await work(client, place);
  } finally {
    await client.close();
  }
}
