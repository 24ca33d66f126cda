/**
 * `parley account delete [--yes]`: delete this account for good (and `parley account
 * reset-identity`, resetIdentity.ts). On a terminal the person types the
 * username to confirm (`--yes` skips that, for scripts). It logs in afresh with the password
 * (OPAQUE: the server asks for a login of the last few minutes), leaves every conversation so the
 * others see the person go (chat/deleteAccount.ts), deletes the account on the server, then removes
 * this machine's profile directory.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, Flags } from '../command.js';
import { openCurrent, openProfileClient, syncOrThrow, type Unlocked } from '../connect.js';
import { DEVICE_NAME_FLAG, DEVICE_NAME_USAGE } from '../deviceName.js';
import { CliError } from '../errors.js';
import { currentProfile, home } from '../profile.js';
import { claimProfile } from '../profileOwner.js';
import { apiFor, TRUST_FLAGS, TRUST_USAGE, trustIn } from '../serverTrust.js';
import { confirmByName } from './confirm.js';
import { resetIdentityCommand } from './resetIdentity.js';

const USAGE = `usage: parley account delete [--yes] | parley account reset-identity <server-url> <username> ${TRUST_USAGE} ${DEVICE_NAME_USAGE} [--yes]`;

/** Leave, delete on the server, and say what happened. */
async function deleteWith(place: Unlocked, token: string): Promise<void> {
  const api = apiFor(place.profile.server, trustIn(place.dir));
  const client = await openProfileClient(place);
  try {
    client.start();
    await syncOrThrow(client);
    const me = place.profile.username;
    const labels = new Map(
      client
        .conversationList()
        .map((c) => [
          c.id,
          c.name ?? `with ${c.members.filter((m) => m !== me).join(', ') || 'nobody else'}`,
        ]),
    );
    const done = await client.deleteAccount(api, token);
    const names = (ids: string[]) => ids.map((id) => labels.get(id) ?? id).join('; ');
    if (done.left.length > 0)
      process.stdout.write(`Left ${done.left.length} conversations: ${names(done.left)}.\n`);
    for (const { id, reason } of done.notLeft)
      process.stdout.write(`Could not leave ${names([id])} (${reason}); its members can remove you.\n`);
    const until = new Date(done.reservedUntil).toISOString().slice(0, 10);
    process.stdout.write(
      `Deleted account ${done.username} on ${place.profile.server}: ${done.devices} devices, ${done.keyPackages} key packages and ${done.blobs} files removed. ` +
        `The name stays reserved until ${until}.\n`,
    );
  } finally {
    await client.close();
  }
}

async function account(args: string[], flags: Flags): Promise<void> {
  if (args[0] === 'reset-identity' && args.length === 3) return resetIdentityCommand(args, flags);
  if (args[0] !== 'delete' || args.length !== 1) throw new CliError(USAGE);
  const place = await openCurrent();
  await confirmByName(
    place.profile.username,
    flags,
    `This deletes the account ${place.profile.username} for good: every device, every conversation it is in, its files on the server.`,
    'nothing was deleted',
  );
  const claim = claimProfile(place.dir, 'account delete', false);
  if (typeof claim !== 'function')
    throw new CliError(
      `parley ${claim.command} (process ${claim.pid}) is using this profile; close it first`,
    );
  try {
    const api = apiFor(place.profile.server, trustIn(place.dir));
    // A fresh OPAQUE login: the server deletes only with a session from the last few minutes.
    const session = await api.login(place.profile.username, place.password);
    await deleteWith(place, session.token);
  } finally {
    claim();
  }
  const wasCurrent = currentProfile().dir === place.dir;
  rmSync(place.dir, { recursive: true, force: true });
  if (wasCurrent) rmSync(join(home, 'current'), { force: true });
  process.stdout.write(`Removed this machine's profile (${place.dir}).\n`);
}

export const accountCommand: Command = {
  args: `delete [--yes] | reset-identity <server-url> <username> ${TRUST_USAGE} ${DEVICE_NAME_USAGE} [--yes]`,
  summary:
    'delete this account for good (leaves every conversation first), or, with every device and the recovery key lost, start over with a new identity key',
  flags: { yes: { type: 'boolean' }, ...TRUST_FLAGS, ...DEVICE_NAME_FLAG },
  arity: [1, 3],
  server: ([sub, server]) => (sub === 'reset-identity' ? server : undefined),
  run: account,
};
