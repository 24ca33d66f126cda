#!/usr/bin/env node
/**
 * `parley` — Parley from the terminal.
 *
 *   parley serve [server options]            start a server (same options as parley-server)
 *   parley register <server-url> <username>  create an account and this machine's first device
 *   parley login <server-url> <username>     log this machine's device in again
 *   parley chat                              the full-screen chat
 *   parley send <user|group> <text>          send a message (a one-to-one chat is created on first message)
 *   parley group <name> <user> [user …]      create a named group, or add people to it
 *   parley read [--json]                     print the messages you have not read yet (on any device)
 *   parley verify <username> [--mark]        show the safety number (digits and QR); mark verified
 *   parley devices [add | revoke <id>]       list this account's devices, link a new one, revoke one
 *   parley whoami                            the current profile
 *
 * The password is asked for on the terminal (or read from PARLEY_PASSWORD, for scripts); it
 * unlocks this device's local state, which is encrypted with a key derived from it (scrypt), and it
 * logs in with OPAQUE: the server never receives it. Profiles live in PARLEY_HOME (~/.parley).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ApiError,
  type ChatMessage,
  claimNewDevice,
  listOwnDevices,
  offerNewDevice,
  ParleyApi,
  type ParleyClient,
  revokeOwnDevice,
} from '@parley/client';
import { type DeviceIdentity, deriveStorageKey, ParleyError, sealDeviceIdentity } from '@parley/core';
import { nativeCiphersuite, nodeScrypt } from '@parley/core/node';
import { runServerCommand } from '@parley/server';
import { renderUnicodeCompact } from 'uqr';
import {
  apiError,
  askSecret,
  CliError,
  currentProfile,
  home,
  openClient,
  openProfileClient,
  type Profile,
  profileDir,
  syncOrExplain,
  unlock,
  withSession,
} from './profile.js';
import { runChat } from './tui.js';

const cs = () => nativeCiphersuite();

/** Keep a device identity on this machine, sealed under the password, and make it the current profile. */
async function saveProfile(server: string, identity: DeviceIdentity, password: string) {
  const dir = profileDir(server, identity.accountId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = await deriveStorageKey(password, { scrypt: nodeScrypt });
  writeFileSync(join(dir, 'device.parley'), sealDeviceIdentity(key, identity), { mode: 0o600 });
  const profile: Profile = { server, username: identity.accountId, deviceId: identity.deviceId };
  writeFileSync(join(dir, 'profile.json'), `${JSON.stringify(profile, null, 2)}\n`);
  writeFileSync(join(home, 'current'), dir);
  return { dir, key, profile };
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
  const identity = await api
    .register(username, password, await cs(), access)
    .catch((e) => apiError(e, server));
  const { dir, key, profile } = await saveProfile(server, identity, password);
  await api.login(identity.accountId, password).catch((e) => apiError(e, server));
  const client = await openClient(profile, dir, identity, key);
  await client.close();
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
  const session = await api.login(username, password).catch((e) => apiError(e, server));
  const dir = profileDir(server, session.username);
  if (existsSync(join(dir, 'device.parley'))) {
    await unlock(dir, password);
    writeFileSync(join(home, 'current'), dir);
    process.stdout.write(`Logged in as ${session.username} on ${server}. Secure session started.\n`);
    return;
  }
  process.stdout.write(
    `This machine has no device of ${session.username} yet. On a device that has one, run\n` +
      '  parley devices add\nand type the code it shows.\n',
  );
  const code = await askSecret('Link code: ', 'PARLEY_LINK_CODE', true);
  const identity = await claimNewDevice(api, session.token, code).catch((e: unknown) => {
    if ((e as ApiError).code === 'not_found') throw new CliError('that link code is unknown or expired');
    if ((e as ParleyError).code === 'usage') throw new CliError((e as Error).message);
    apiError(e, server);
  });
  const saved = await saveProfile(server, identity, password);
  const client = await openClient(saved.profile, saved.dir, identity, saved.key);
  await client.close();
  process.stdout.write(
    `Logged in as ${session.username} on ${server}; this machine is device ${identity.deviceId}. Secure session started.\n`,
  );
}

/** Unlock the current profile with the password and open its client (not connected). */
async function openCurrent() {
  const { profile, dir } = currentProfile();
  const password = await askSecret('Password: ');
  const { identity, key } = await unlock(dir, password);
  return { profile, dir, identity, key, password };
}

/** The conversation a script means by a name: a group with that name, or a one-to-one chat. */
async function conversationNamed(client: ParleyClient, to: string): Promise<string> {
  const group = client
    .conversationList()
    .find((c) => !c.ended && c.name !== null && c.name.toLowerCase() === to.toLowerCase());
  if (group !== undefined) return group.id;
  return client.directConversation(to.toLowerCase()).catch((e: Error) => {
    throw new CliError(`cannot start a conversation with ${to}: ${e.message}`);
  });
}

/**
 * Send a message. When the server cannot be reached, a message to an existing conversation is kept
 * in the (encrypted, persistent) outbox and goes out the next time parley connects.
 */
async function send(to: string, text: string): Promise<void> {
  const { profile, dir, identity, key } = await openCurrent();
  const client = await openProfileClient(profile, dir, identity, key);
  client.start();
  try {
    try {
      await syncOrExplain(client, profile, 5_000);
    } catch (e) {
      const known =
        client.conversationList().find((c) => !c.ended && c.name?.toLowerCase() === to.toLowerCase())?.id ??
        client.conversationWith(to.toLowerCase());
      if (known === undefined || !(e as Error).message.startsWith('cannot reach')) throw e;
      await client.sendText(known, text);
      process.stdout.write(
        `queued for ${to}: the server is unreachable; it goes out the next time parley connects\n`,
      );
      return;
    }
    const conversation = await conversationNamed(client, to);
    await client.sendText(conversation, text);
    const changed = (await client.pendingIdentityChanges()).filter((m) =>
      client.members(conversation).includes(m),
    );
    if (changed.length > 0) {
      for (const who of changed) warnIdentityChange(who);
      throw new CliError(`the message is held until you accept the new key of ${changed.join(', ')}`);
    }
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

/** Create a named group with people, or add people to the group of that name. */
async function group(name: string, people: string[]): Promise<void> {
  const { profile, dir, identity, key } = await openCurrent();
  const client = await openClient(profile, dir, identity, key);
  try {
    const existing = client
      .conversationList()
      .find((c) => !c.ended && c.name !== null && c.name.toLowerCase() === name.toLowerCase());
    const users = people.map((p) => p.toLowerCase());
    try {
      if (existing === undefined) await client.createGroup(name, users);
      else await client.addMembers(existing.id, users);
    } catch (e) {
      const code = (e as ParleyError).code;
      if (code === 'identity_key_mismatch') {
        const who = (e as { accountId?: string }).accountId ?? 'someone';
        warnIdentityChange(who);
        throw new CliError(`${who} was not added`);
      }
      throw new CliError(
        `cannot ${existing === undefined ? 'create the group' : 'add them'}: ${(e as Error).message}`,
      );
    }
    await client.sync(10_000);
    process.stdout.write(
      existing === undefined
        ? `created ${name} with ${users.join(', ')}\n`
        : `added ${users.join(', ')} to ${name}\n`,
    );
  } finally {
    await client.close();
  }
}

function warnIdentityChange(who: string): void {
  process.stderr.write(
    `parley: warning: ${who}'s identity key changed; messages with ${who} are held. ` +
      `Compare safety numbers (parley verify ${who}) before trusting it (in parley chat: /accept ${who}).\n`,
  );
}

async function read(json: boolean): Promise<void> {
  const { profile, dir, identity, key } = await openCurrent();
  const client = await openProfileClient(profile, dir, identity, key);
  client.start();
  try {
    await syncOrExplain(client, profile);
    for (const who of await client.pendingIdentityChanges()) warnIdentityChange(who);
    // Unread messages, a conversation at a time in log order (those that arrived while another
    // command ran count too: they are unread until printed here or seen in parley chat).
    const batches: ChatMessage[][] = [];
    for (const c of client.conversationList()) if (c.unread > 0) batches.push(await client.unread(c.id));
    const received = batches.sort((x, y) => x[0]!.sentAt - y[0]!.sentAt).flat();
    for (const m of received) {
      const name = client.conversation(m.groupId)?.name ?? null;
      const line = json
        ? JSON.stringify({
            conversation: m.groupId,
            name,
            members: client.members(m.groupId),
            from: m.from.accountId,
            sentAt: m.sentAt,
            text: m.text,
          })
        : `[${new Date(m.sentAt).toISOString().slice(0, 16).replace('T', ' ')}] ${name === null ? '' : `${name} · `}${m.from.accountId}: ${m.text}`;
      process.stdout.write(`${line}\n`);
    }
    // Printed is read: tell the senders (read receipts) and clear the unread counts.
    for (const c of client.conversationList()) if (c.unread > 0) await client.markRead(c.id);
  } finally {
    await client.close();
  }
}

/** The safety number with a contact as lines: digits, QR code, and what to do with them. */
async function safetyNumberLines(client: ParleyClient, who: string): Promise<string[]> {
  const number = await client.safetyNumberWith(who);
  if (number === undefined) throw new CliError(`you have no conversation with ${who} yet`);
  const contact = await client.contact(who);
  return [
    `Safety number with ${who}${contact?.verified ? ' (verified)' : ''}:`,
    '',
    ...[0, 4, 8].map((i) => `  ${number.groups.slice(i, i + 4).join(' ')}`),
    '',
    ...renderUnicodeCompact(number.qrPayload, { border: 1 }).split('\n'),
    `Compare these digits with ${who}, in person or over a call you trust (or scan each other's code).`,
  ];
}

async function verify(who: string, mark: boolean): Promise<void> {
  const { profile, dir, identity, key } = await openCurrent();
  const client = await openProfileClient(profile, dir, identity, key);
  try {
    if (mark) {
      if ((await client.contact(who)) === undefined)
        throw new CliError(`you have no conversation with ${who} yet`);
      await client.markVerified(who);
      process.stdout.write(`${who} is verified.\n`);
      return;
    }
    const lines = await safetyNumberLines(client, who);
    process.stdout.write(`${lines.join('\n')}\nIf they match, run: parley verify ${who} --mark\n`);
  } finally {
    await client.close();
  }
}

/** This account's devices, one line each. */
async function deviceLines(api: ParleyApi, token: string, identity: DeviceIdentity): Promise<string[]> {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return [
    `Devices of ${identity.accountId}:`,
    '',
    ...(await listOwnDevices(api, token, identity)).map((d) => {
      const notes = [
        d.current ? 'this device' : '',
        d.revokedAt === null ? '' : `revoked ${day(d.revokedAt)}`,
      ].filter((n) => n.length > 0);
      return `  ${d.deviceId}  added ${day(d.addedAt)}${notes.length > 0 ? `  (${notes.join(', ')})` : ''}`;
    }),
  ];
}

async function devices(args: string[]): Promise<void> {
  const current = await openCurrent();
  const { profile, identity } = current;
  const api = new ParleyApi(profile.server);
  const token = await withSession(api, current, async (t) => {
    await api.devices(t, profile.username); // checks the session is still good
    return t;
  });
  const [sub, target] = args;
  if (sub === undefined || sub === 'list') {
    process.stdout.write(`${(await deviceLines(api, token, identity)).join('\n')}\n`);
    return;
  }
  if (identity.identityPrivateKey === null)
    throw new CliError(
      'only the first device of an account (the one that holds its identity key) can add or revoke devices',
    );
  if (sub === 'add') {
    const offer = await offerNewDevice(api, token, identity, await cs()).catch((e) =>
      apiError(e, profile.server),
    );
    process.stdout.write(
      `New device ${offer.deviceId} is registered. On the new machine run\n` +
        `  parley login ${profile.server} ${profile.username}\n` +
        `and type this link code (valid for 10 minutes, once):\n\n  ${offer.code}\n`,
    );
    return;
  }
  if (sub === 'revoke' && target !== undefined) {
    await revokeOwnDevice(api, token, identity, target, await cs()).catch((e) => {
      if (e instanceof ParleyError) throw new CliError(e.message);
      return apiError(e, profile.server);
    });
    process.stdout.write(
      `Device ${target} is revoked: it can no longer connect, and conversations drop it.\n`,
    );
    return;
  }
  throw new CliError('usage: parley devices [list | add | revoke <device-id>]');
}

async function chat(): Promise<void> {
  const current = await openCurrent();
  const { profile, dir, identity, key } = current;
  const client = await openProfileClient(profile, dir, identity, key);
  const api = new ParleyApi(profile.server);
  client.start();
  try {
    await runChat(
      {
        client,
        devices: () => withSession(api, current, (token) => deviceLines(api, token, current.identity)),
        safetyNumber: (who) => safetyNumberLines(client, who),
      },
      { username: profile.username, server: profile.server },
    );
  } finally {
    await client.close();
  }
}

const USAGE = `usage:
  parley serve [options]                 start a Parley server (see README: Configuration)
  parley register <server-url> <username>
  parley login <server-url> <username>
  parley chat
  parley send <user|group> <text>
  parley group <name> <user> [user …]     create a group, or add people to it
  parley read [--json]
  parley verify <username> [--mark]
  parley devices [list | add | revoke <device-id>]
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
    case 'chat':
      return chat();
    case 'send': {
      const [to, ...words] = rest;
      if (!to || words.length === 0) throw new CliError('usage: parley send <user|group> <text>');
      return send(to, words.join(' '));
    }
    case 'group': {
      const [name, ...people] = rest;
      if (!name || people.length === 0) throw new CliError('usage: parley group <name> <user> [user …]');
      return group(name, people);
    }
    case 'read':
      return read(rest.includes('--json'));
    case 'verify': {
      const who = rest.find((a) => !a.startsWith('--'));
      if (!who) throw new CliError('usage: parley verify <username> [--mark]');
      return verify(who.toLowerCase(), rest.includes('--mark'));
    }
    case 'devices':
      return devices(rest);
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
