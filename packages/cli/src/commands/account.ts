/**
 * `parley register` and `parley login`: create an account and this machine's first device, or log
 * in again; a machine without a device of the account links one with a code shown by another device.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { claimNewDevice, ParleyApi } from '@parley/client';
import { is, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS } from '@parley/core';
import { nativeCiphersuite } from '@parley/core/node';
import type { Command } from '../command.js';
import { openClient } from '../connect.js';
import { CliError } from '../errors.js';
import { makeCurrent, profileDir, saveProfile, unlock } from '../profile.js';
import { askSecret } from '../prompt.js';

function serverUrl(typed: string): string {
  try {
    new URL(typed);
  } catch {
    throw new CliError(`not a server URL: ${typed}`);
  }
  return typed;
}

async function register(server: string, username: string): Promise<void> {
  const api = new ParleyApi(server);
  const info = await api.serverInfo();
  const access: { accessPassword?: string; inviteCode?: string } = {};
  if (info.access === 'password')
    access.accessPassword = await askSecret('Server access password: ', 'PARLEY_ACCESS_PASSWORD');
  if (info.access === 'invite') access.inviteCode = await askSecret('Invite code: ', 'PARLEY_INVITE');
  const password = await askSecret('Password: ');
  if (password.length < MIN_PASSWORD_CHARS || password.length > MAX_PASSWORD_CHARS)
    throw new CliError(`choose a password of ${MIN_PASSWORD_CHARS} to ${MAX_PASSWORD_CHARS} characters`);
  const identity = await api.register(username, password, await nativeCiphersuite(), access);
  const saved = await saveProfile(server, identity, password);
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
async function login(server: string, username: string): Promise<void> {
  const api = new ParleyApi(server);
  const password = await askSecret('Password: ');
  const session = await api.login(username, password);
  const dir = profileDir(server, session.username);
  if (existsSync(join(dir, 'device.parley'))) {
    await unlock(dir, password);
    makeCurrent(dir);
    process.stdout.write(`Logged in as ${session.username} on ${server}. Secure session started.\n`);
    return;
  }
  process.stdout.write(
    `This machine has no device of ${session.username} yet. On a device that has one, run\n` +
      '  parley devices add\nand type the code it shows.\n',
  );
  const code = await askSecret('Link code: ', 'PARLEY_LINK_CODE', true);
  const identity = await claimNewDevice(api, session.token, code).catch((e: unknown) => {
    if (is(e, 'not_found')) throw new CliError('that link code is unknown or expired', { cause: e });
    throw e;
  });
  const saved = await saveProfile(server, identity, password);
  await (await openClient({ ...saved, identity })).close();
  process.stdout.write(
    `Logged in as ${session.username} on ${server}; this machine is device ${identity.deviceId}. Secure session started.\n`,
  );
}

export const registerCommand: Command = {
  args: '<server-url> <username>',
  summary: "create an account and this machine's first device",
  arity: [2, 2],
  server: ([server]) => server,
  run: ([server, name]) => register(serverUrl(server!), name!),
};

export const loginCommand: Command = {
  args: '<server-url> <username>',
  summary: 'log in again, or link this machine as a new device',
  arity: [2, 2],
  server: ([server]) => server,
  run: ([server, name]) => login(serverUrl(server!), name!),
};
