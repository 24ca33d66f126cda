/**
 * Opening a profile's ParleyClient over its encrypted SQLite store (client.sqlite3 in the profile),
 * unlocked with the password, and connecting it.
 */
import { join } from 'node:path';
import { ParleyClient } from '@parley/client';
import { nodeSocketFactoryTrusting, SqliteRecordStore, trustingBlobHttp } from '@parley/client/node';
import { type DeviceIdentity, is, ParleyError, type StorageKey } from '@parley/core';
import { nativeCryptoProvider, nodeAttachmentPrimitives } from '@parley/core/node';
import { currentProfile, type Profile, unlock } from './profile.js';
import { askSecret } from './prompt.js';
import { trustIn } from './serverTrust.js';

/** An unlocked profile: where it is, its device identity and storage key, and the password. */
export interface Unlocked {
  profile: Profile;
  dir: string;
  identity: DeviceIdentity;
  key: StorageKey;
  password: string;
}

let unlocked: Promise<Unlocked> | undefined;

/** Unlock the current profile with the password (asked for, or PARLEY_PASSWORD), once per process. */
export function openCurrent(): Promise<Unlocked> {
  unlocked ??= (async () => {
    const { profile, dir } = currentProfile();
    const password = await askSecret('Password: ');
    const { identity, key } = await unlock(dir, password);
    return { profile, dir, identity, key, password };
  })();
  unlocked.catch(() => {
    unlocked = undefined;
  });
  return unlocked;
}

/** This profile's ParleyClient over its encrypted SQLite store (not yet connected). */
export function openProfileClient({ profile, dir, identity, key }: Omit<Unlocked, 'password'>) {
  const trust = trustIn(dir);
  return ParleyClient.open({
    serverUrl: profile.server,
    identity,
    records: new SqliteRecordStore(join(dir, 'client.sqlite3')),
    storageKey: key,
    mls: { provider: nativeCryptoProvider },
    // Files are sealed with OpenSSL's ChaCha20-Poly1305 and SHA-256 (the same bytes, faster).
    attachmentPrimitives: nodeAttachmentPrimitives,
    socketFactory: nodeSocketFactoryTrusting(trust),
    // Files travel over HTTP: the same certificate is the only one their requests accept.
    ...(trust !== undefined ? { blobHttp: trustingBlobHttp(trust) } : {}),
  });
}

/**
 * Connect and catch up; the failure, if any: `auth_failed` (the server no longer accepts this
 * device: it was revoked) or `unreachable` (no catching up within the time).
 */
export async function trySync(client: ParleyClient, timeoutMs: number): Promise<ParleyError | undefined> {
  try {
    await client.sync(timeoutMs);
    return undefined;
  } catch (e) {
    if (is(e, 'auth_failed')) return e;
    return new ParleyError('unreachable', 'cannot reach the server', { cause: e });
  }
}

/** Connect and catch up, or throw why not. */
export async function syncOrThrow(client: ParleyClient, timeoutMs = 10_000): Promise<void> {
  const failure = await trySync(client, timeoutMs);
  if (failure !== undefined) throw failure;
}

/** The profile's client, connected and caught up. */
export async function openClient(place: Omit<Unlocked, 'password'>): Promise<ParleyClient> {
  const client = await openProfileClient(place);
  client.start();
  try {
    await syncOrThrow(client);
  } catch (e) {
    await client.close();
    throw e;
  }
  return client;
}
