/**
 * `parley devices [list | add | revoke <id>]`: this account's devices; the first device (which holds
 * the account's identity key) links a new one with a one-time code, or revokes one.
 */
import {
  listOwnDevices,
  type OwnDevice,
  offerNewDevice,
  type ParleyApi,
  revokeOwnDevice,
} from '@parley/client';
import type { DeviceIdentity } from '@parley/core';
import { nativeCiphersuite } from '@parley/core/node';
import type { Command, Flags } from '../command.js';
import { openCurrent, type Unlocked } from '../connect.js';
import { CliError } from '../errors.js';
import { HISTORY_FLAG, HISTORY_USAGE, offerHistory, sendHistoryWork } from '../history.js';
import { apiFor, trustIn } from '../serverTrust.js';
import { withSession } from '../session.js';

const USAGE = `usage: parley devices [list | add ${HISTORY_USAGE} | revoke <device-id>]`;

/** A moment in local time, to the minute: 2026-12-01 14:05. */
function moment(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${day(ms)} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** A local date: 2026-12-01. */
function day(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Where the device is now: this one, connected, or when it was last seen. */
function whereabouts(d: OwnDevice): string {
  if (d.current) return 'this device';
  const seen = d.lastSeen === null ? 'not connected yet' : `last seen ${moment(d.lastSeen)}`;
  if (d.revokedAt !== null) return `revoked ${day(d.revokedAt)}, ${seen}`;
  return d.online ? 'online now' : seen;
}

/** This account's devices: name, platform and id on one line; when added and last seen below. */
export async function deviceLines(
  api: ParleyApi,
  token: string,
  identity: DeviceIdentity,
): Promise<string[]> {
  return [
    `Devices of ${identity.accountId}:`,
    '',
    ...(await listOwnDevices(api, token, identity)).flatMap((d) => [
      `  ${d.label?.name ?? 'Unnamed device'}${d.label?.platform ? `  (${d.label.platform})` : ''}  ${d.deviceId}`,
      `      added ${day(d.addedAt)} · ${whereabouts(d)}`,
    ]),
  ];
}

async function add(api: ParleyApi, token: string, current: Unlocked, history: string | undefined) {
  const { profile, identity } = current;
  const offer = await offerNewDevice(api, token, identity, await nativeCiphersuite());
  process.stdout.write(
    `New device ${offer.deviceId} is registered. On the new machine run\n` +
      `  parley login ${profile.server} ${profile.username}\n` +
      `and type this link code (valid for 10 minutes, once):\n\n  ${offer.code}\n\n`,
  );
  await offerHistory(api, token, offer.code, history);
}

async function revoke(api: ParleyApi, token: string, identity: DeviceIdentity, target: string) {
  await revokeOwnDevice(api, token, identity, target, await nativeCiphersuite());
  process.stdout.write(`Device ${target} is revoked: it can no longer connect, and conversations drop it.\n`);
}

async function devices([sub, target]: string[], flags: Flags): Promise<void> {
  const current = await openCurrent();
  const { profile, identity } = current;
  const api = apiFor(profile.server, trustIn(current.dir));
  const token = await withSession(api, current, async (t) => {
    await api.devices(t, profile.username); // checks the session is still good
    return t;
  });
  if (sub === undefined || sub === 'list') {
    process.stdout.write(`${(await deviceLines(api, token, identity)).join('\n')}\n`);
    return;
  }
  if (sub !== 'add' && !(sub === 'revoke' && target !== undefined)) throw new CliError(USAGE);
  if (identity.identityPrivateKey === null)
    throw new CliError(
      'only the first device of an account (the one that holds its identity key) can add or revoke devices',
    );
  if (sub === 'add') await add(api, token, current, flags.history as string | undefined);
  else await revoke(api, token, identity, target!);
}

export const devicesCommand: Command = {
  args: `[list | add ${HISTORY_USAGE} | revoke <device-id>]`,
  summary: "this account's devices; link one (sending it your history) or revoke one",
  flags: HISTORY_FLAG,
  withClient: sendHistoryWork,
  arity: [0, 2],
  run: devices,
};
