/**
 * A person's profiles on this machine (PARLEY_HOME, ~/.parley by default): one directory per server
 * and account with the profile and the device identity sealed under the password (scrypt);
 * `current` names the one in use.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ServerTrust } from '@parley/client/node';
import {
  type DeviceIdentity,
  deriveStorageKey,
  openDeviceIdentity,
  openWithPassphrase,
  type StorageKey,
  sealDeviceIdentity,
} from '@parley/core';
import { CliError } from './errors.js';
import { newProfileKdf, openProfileKdf } from './profileKdf.js';
import { keepTrust } from './serverTrust.js';

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

/** Make the profile in `dir` the current one. */
export function makeCurrent(dir: string): void {
  writeFileSync(join(home, 'current'), dir);
}

/**
 * Keep a device identity on this machine, sealed under the password, with the server certificate
 * it trusts (if the person chose one), and make it the current profile.
 */
export async function saveProfile(
  server: string,
  identity: DeviceIdentity,
  password: string,
  trust?: ServerTrust | undefined,
) {
  const dir = profileDir(server, identity.accountId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  keepTrust(dir, trust);
  const key = await deriveStorageKey(password, newProfileKdf());
  writeFileSync(join(dir, 'device.parley'), sealDeviceIdentity(key, identity), { mode: 0o600 });
  const profile: Profile = { server, username: identity.accountId, deviceId: identity.deviceId };
  writeFileSync(join(dir, 'profile.json'), `${JSON.stringify(profile, null, 2)}\n`);
  makeCurrent(dir);
  return { dir, key, profile };
}

/** Open the device identity kept in `dir` with the password. */
export async function unlock(
  dir: string,
  password: string,
): Promise<{ identity: DeviceIdentity; key: StorageKey }> {
  const envelope = new Uint8Array(readFileSync(join(dir, 'device.parley')));
  // A wrong password fails here with `wrong_key`.
  const { key } = await openWithPassphrase(password, envelope, 'parley/v1/device-identity', openProfileKdf());
  return { identity: openDeviceIdentity(key, envelope), key };
}
