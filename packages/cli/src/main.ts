#!/usr/bin/env node
/**
 * `parley` — Parley from the terminal.
 *
 *   parley serve [server options]            start a server (same options as parley-server)
 *   parley register <server-url> <username>  create an account and this machine's first device
 *   parley login <server-url> <username>     log this machine's device in again
 *   parley send <username> <text>            send a message (one-to-one; created on first message)
 *   parley read [--json]                     print messages that arrived since the last read
 *   parley verify <username> [--mark]        show the safety number (digits and QR); mark verified
 *   parley whoami                            the current profile
 *
 * The password is asked for on the terminal (or read from PARLEY_PASSWORD, for scripts); it
 * unlocks this device's local state, which is encrypted with a key derived from it (scrypt), and it
 * logs in with OPAQUE: the server never receives it. Profiles live in PARLEY_HOME (~/.parley).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type ApiError, type ChatMessage, ParleyApi, ParleyClient } from '@parley/client';
import { nodeSocketFactory, SqliteRecordStore } from '@parley/client/node';
import {
  DEFAULT_CIPHERSUITE,
  type DeviceIdentity,
  deriveStorageKey,
  openDeviceIdentity,
  openWithPassphrase,
  type ParleyError,
  type StorageKey,
  sealDeviceIdentity,
} from '@parley/core';
import { nativeCryptoProvider, nodeScrypt } from '@parley/core/node';
import { runServerCommand } from '@parley/server';
import { getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import { renderUnicodeCompact } from 'uqr';

class CliError extends Error {}

const home = process.env.PARLEY_HOME ?? join(homedir(), '.parley');

interface Profile {
  server: string;
  username: string;
  deviceId: string;
}

function profileDir(server: string, username: string): string {
  const host = new URL(server).host.replace(/[^A-Za-z0-9.-]/g, '_');
  return join(home, 'profiles', `${host}-${username}`);
}

function currentProfile(): { profile: Profile; dir: string } {
  const pointer = join(home, 'current');
  if (!existsSync(pointer))
    throw new CliError('no account on this machine yet: run `parley register <server-url> <username>`');
  const dir = readFileSync(pointer, 'utf8').trim();
  return { profile: JSON.parse(readFileSync(join(dir, 'profile.json'), 'utf8')) as Profile, dir };
}

/** Ask on the terminal without echo, or take PARLEY_PASSWORD (scripts, tests). */
async function askSecret(prompt: string, envName = 'PARLEY_PASSWORD'): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY)
    throw new CliError(`${prompt.replace(/:\s*$/, '')} needed: set ${envName} or run in a terminal`);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const output = rl as unknown as { _writeToOutput?: (s: string) => void };
  process.stdout.write(prompt);
  output._writeToOutput = () => {};
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stdout.write('\n');
  return answer;
}

async function unlock(dir: string, password: string): Promise<{ identity: DeviceIdentity; key: StorageKey }> {
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
function openProfileClient(profile: Profile, dir: string, identity: DeviceIdentity, key: StorageKey) {
  return ParleyClient.open({
    serverUrl: profile.server,
    identity,
    records: new SqliteRecordStore(join(dir, 'client.sqlite3')),
    storageKey: key,
    mls: { provider: nativeCryptoProvider },
    socketFactory: nodeSocketFactory,
  });
}

/** The profile's client, connected and caught up. */
async function openClient(profile: Profile, dir: string, identity: DeviceIdentity, key: StorageKey) {
  const client = await openProfileClient(profile, dir, identity, key);
  client.start();
  try {
    await client.sync(10_000);
  } catch {
    await client.close();
    throw new CliError(`cannot reach the server at ${profile.server}`);
  }
  return client;
}

function apiError(e: unknown, server: string): never {
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

async function register(server: string, username: string): Promise<void> {
  const api = new ParleyApi(server);
  const info = await api.serverInfo().catch((e) => apiError(e, server));
  const access: { accessPassword?: string; inviteCode?: string } = {};
  if (info.access === 'password')
    access.accessPassword = await askSecret('Server access password: ', 'PARLEY_ACCESS_PASSWORD');
  if (info.access === 'invite') access.inviteCode = await askSecret('Invite code: ', 'PARLEY_INVITE');
  const password = await askSecret('Password: ');
  if (password.length < 8) throw new CliError('choose a password of at least 8 characters');
  const cs = await getCiphersuiteImpl(getCiphersuiteFromName(DEFAULT_CIPHERSUITE), nativeCryptoProvider);
  const identity = await api.register(username, password, cs, access).catch((e) => apiError(e, server));
  const dir = profileDir(server, identity.accountId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = await deriveStorageKey(password, { scrypt: nodeScrypt });
  writeFileSync(join(dir, 'device.parley'), sealDeviceIdentity(key, identity), { mode: 0o600 });
  const profile: Profile = { server, username: identity.accountId, deviceId: identity.deviceId };
  writeFileSync(join(dir, 'profile.json'), `${JSON.stringify(profile, null, 2)}\n`);
  writeFileSync(join(home, 'current'), dir);
  await api.login(identity.accountId, password).catch((e) => apiError(e, server));
  const client = await openClient(profile, dir, identity, key);
  await client.close();
  process.stdout.write(
    `Registered ${identity.accountId} on ${server} (device ${identity.deviceId}). Secure session started.\n`,
  );
}

async function login(server: string, username: string): Promise<void> {
  const api = new ParleyApi(server);
  const password = await askSecret('Password: ');
  const session = await api.login(username, password).catch((e) => apiError(e, server));
  const dir = profileDir(server, session.username);
  if (!existsSync(join(dir, 'device.parley'))) {
    throw new CliError(
      `this machine has no device of ${session.username} yet (adding a device is coming with \`parley devices\`)`,
    );
  }
  await unlock(dir, password);
  writeFileSync(join(home, 'current'), dir);
  process.stdout.write(`Logged in as ${session.username} on ${server}. Secure session started.\n`);
}

async function send(to: string, text: string): Promise<void> {
  const { profile, dir } = currentProfile();
  const { identity, key } = await unlock(dir, await askSecret('Password: '));
  const client = await openClient(profile, dir, identity, key);
  try {
    let conversation = client.conversationWith(to);
    if (conversation === undefined) {
      conversation = await client.createConversation([to]).catch((e: Error) => {
        throw new CliError(`cannot start a conversation with ${to}: ${e.message}`);
      });
    }
    await client.sendText(conversation, text);
    const deadline = Date.now() + 10_000;
    while ((await client.pending()) > 0) {
      if (Date.now() > deadline) throw new CliError('the message is queued and will be sent on the next run');
      await new Promise((r) => setTimeout(r, 50));
    }
    process.stdout.write(`sent to ${to}\n`);
  } finally {
    await client.close();
  }
}

async function read(json: boolean): Promise<void> {
  const { profile, dir } = currentProfile();
  const { identity, key } = await unlock(dir, await askSecret('Password: '));
  const received: ChatMessage[] = [];
  const client = await openProfileClient(profile, dir, identity, key);
  client.on('message', (m) => received.push(m));
  client.start();
  try {
    await client.sync(10_000).catch(() => {
      throw new CliError(`cannot reach the server at ${profile.server}`);
    });
    for (const m of received) {
      const line = json
        ? JSON.stringify({
            conversation: m.groupId,
            members: client.members(m.groupId),
            from: m.from.accountId,
            sentAt: m.sentAt,
            text: m.text,
          })
        : `[${new Date(m.sentAt).toISOString().slice(0, 16).replace('T', ' ')}] ${m.from.accountId}: ${m.text}`;
      process.stdout.write(`${line}\n`);
    }
  } finally {
    await client.close();
  }
}

async function verify(who: string, mark: boolean): Promise<void> {
  const { profile, dir } = currentProfile();
  const { identity, key } = await unlock(dir, await askSecret('Password: '));
  const client = await openProfileClient(profile, dir, identity, key);
  try {
    const number = await client.safetyNumberWith(who);
    if (number === undefined) throw new CliError(`you have no conversation with ${who} yet`);
    if (mark) {
      await client.markVerified(who);
      process.stdout.write(`${who} is verified.\n`);
      return;
    }
    const contact = await client.contact(who);
    const rows = [0, 4, 8].map((i) => `  ${number.groups.slice(i, i + 4).join(' ')}`);
    process.stdout.write(
      `Safety number with ${who}${contact?.verified ? ' (verified)' : ''}:\n\n${rows.join('\n')}\n\n`,
    );
    process.stdout.write(`${renderUnicodeCompact(number.qrPayload, { border: 1 })}\n`);
    process.stdout.write(
      `Compare these digits with ${who}, in person or over a call you trust (or scan each other's code).\n` +
        `If they match, run: parley verify ${who} --mark\n`,
    );
  } finally {
    await client.close();
  }
}

const USAGE = `usage:
  parley serve [options]                 start a Parley server (see README: Configuration)
  parley register <server-url> <username>
  parley login <server-url> <username>
  parley send <username> <text>
  parley read [--json]
  parley verify <username> [--mark]
  parley whoami
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  mkdirSync(home, { recursive: true, mode: 0o700 });
  switch (command) {
    case 'serve':
      return runServerCommand(rest);
    case 'register':
    case 'login': {
      const [server, username] = rest;
      if (!server || !username) throw new CliError(`usage: parley ${command} <server-url> <username>`);
      try {
        new URL(server);
      } catch {
        throw new CliError(`not a server URL: ${server}`);
      }
      return command === 'register' ? register(server, username) : login(server, username);
    }
    case 'send': {
      const [to, ...words] = rest;
      if (!to || words.length === 0) throw new CliError('usage: parley send <username> <text>');
      return send(to.toLowerCase(), words.join(' '));
    }
    case 'read':
      return read(rest.includes('--json'));
    case 'verify': {
      const who = rest.find((a) => !a.startsWith('--'));
      if (!who) throw new CliError('usage: parley verify <username> [--mark]');
      return verify(who.toLowerCase(), rest.includes('--mark'));
    }
    case 'whoami': {
      const { profile } = currentProfile();
      process.stdout.write(`${profile.username} on ${profile.server} (device ${profile.deviceId})\n`);
      return;
    }
    default:
      process.stdout.write(USAGE);
      if (command !== undefined && command !== 'help' && command !== '--help')
        throw new CliError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).then(
  () => {
    if (process.argv[2] !== 'serve') process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(
      `parley: ${e instanceof CliError ? e.message : e instanceof Error ? e.message : String(e)}\n`,
    );
    process.exit(1);
  },
);
