/**
 * `parley register` and `parley login`: create an account and this machine's first device, or log
 * in again; a machine without a device of the account links one with a code shown by another device.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { claimNewDevice } from '@parley/client';
import type { ServerTrust } from '@parley/client/node';
import { type DeviceLabel, is, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS } from '@parley/core';
import { nativeCiphersuite } from '@parley/core/node';
import type { Command, Flags } from '../command.js';
import { openClient } from '../connect.js';
import { DEVICE_NAME_FLAG, DEVICE_NAME_USAGE, deviceLabelFrom } from '../deviceName.js';
import { CliError } from '../errors.js';
import { takeHistory } from '../history.js';
import { makeCurrent, profileDir, saveProfile, unlock } from '../profile.js';
import { askNewPassword, askSecret } from '../prompt.js';
import {
  apiFor,
  explainingTrust,
  keepTrust,
  TRUST_FLAGS,
  TRUST_USAGE,
  trustFromFlags,
} from '../serverTrust.js';

/** Loopback hosts, which a server without TLS is expected on. */
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

/**
 * The server's URL from what was typed: a full http(s) URL, or a host[:port] alone (http:// for
 * loopback, https:// for anything else).
 */
export function serverUrl(typed: string): string {
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(typed);
  const host = typed.split('/')[0]!;
  const withScheme = hasScheme ? typed : `${LOOPBACK.test(host) ? 'http' : 'https'}://${typed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(
      `not a server address: ${typed} (expected e.g. https://chat.example.org or localhost:8080)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`a server address starts with https:// or http://, not ${url.protocol}//`);
  return url.href.replace(/\/$/, '');
}

async function register(
  server: string,
  username: string,
  trust: ServerTrust | undefined,
  label: DeviceLabel,
): Promise<void> {
  const api = apiFor(server, trust);
  const info = await api.serverInfo();
  const access: { accessPassword?: string; inviteCode?: string } = {};
  if (info.access === 'password')
    access.accessPassword = await askSecret('Server access password: ', 'PARLEY_ACCESS_PASSWORD');
  if (info.access === 'invite') access.inviteCode = await askSecret('Invite code: ', 'PARLEY_INVITE');
  const password = await askNewPassword((p) => {
    if (p.length < MIN_PASSWORD_CHARS || p.length > MAX_PASSWORD_CHARS)
      throw new CliError(`choose a password of ${MIN_PASSWORD_CHARS} to ${MAX_PASSWORD_CHARS} characters`);
  });
  const identity = await api.register(username, password, await nativeCiphersuite(), access, label);
  const saved = await saveProfile(server, identity, password, trust);
  await api.login(identity.accountId, password);
  await (await openClient({ ...saved, identity })).close();
  process.stdout.write(
    `Registered ${identity.accountId} on ${server} (device ${identity.deviceId}). Secure session started.\n`,
  );
}

/**
 * Log in on this machine. A machine without a device of the account links one: the person runs
 * `parley devices add` on a device they have and types the code it shows here.
 */
async function login(
  server: string,
  username: string,
  trust: ServerTrust | undefined,
  label: DeviceLabel,
): Promise<void> {
  const api = apiFor(server, trust);
  const password = await askSecret('Password: ');
  const session = await api.login(username, password);
  const dir = profileDir(server, session.username);
  if (existsSync(join(dir, 'device.parley'))) {
    await unlock(dir, password);
    keepTrust(dir, trust);
    makeCurrent(dir);
    process.stdout.write(`Logged in as ${session.username} on ${server}. Secure session started.\n`);
    return;
  }
  process.stdout.write(
    `This machine has no device of ${session.username} yet. On a device that has one, run\n` +
      '  parley devices add\nand type the code it shows. (No device left? With a backup: parley backup import;\n' +
      'without one: parley account reset-identity, which gives you a new key.)\n',
  );
  const code = await askSecret('Link code: ', 'PARLEY_LINK_CODE', true);
  const identity = await claimNewDevice(api, session.token, code, label).catch((e: unknown) => {
    if (is(e, 'not_found')) throw new CliError('that link code is unknown or expired', { cause: e });
    throw e;
  });
  const saved = await saveProfile(server, identity, password, trust);
  await takeHistory(api, session.token, code, saved, identity, server, trust);
  await (await openClient({ ...saved, identity })).close();
  process.stdout.write(
    `Logged in as ${session.username} on ${server}; this machine is device ${identity.deviceId}. Secure session started.\n`,
  );
}

/** Run register or login on the server typed, trusting what the flags say, explaining a refused certificate. */
function meetServer(action: typeof register) {
  return async ([typed, name]: string[], flags: Flags) => {
    const server = serverUrl(typed!);
    const trust = await trustFromFlags(server, flags);
    await explainingTrust(server, () => action(server, name!, trust, deviceLabelFrom(flags)));
  };
}

export const registerCommand: Command = {
  args: `<server-url> <username> ${TRUST_USAGE} ${DEVICE_NAME_USAGE}`,
  summary: "create an account and this machine's first device",
  flags: { ...TRUST_FLAGS, ...DEVICE_NAME_FLAG },
  arity: [2, 2],
  server: ([server]) => server,
  run: meetServer(register),
};

export const loginCommand: Command = {
  args: `<server-url> <username> ${TRUST_USAGE} ${DEVICE_NAME_USAGE}`,
  summary: 'log in again, or link this machine as a new device (named by --device-name)',
  flags: { ...TRUST_FLAGS, ...DEVICE_NAME_FLAG },
  arity: [2, 2],
  server: ([server]) => server,
  run: meetServer(login),
};
