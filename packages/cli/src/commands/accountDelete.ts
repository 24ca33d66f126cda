/**
 * `parley account delete [--yes]`: delete this account for good. On a terminal the person types the
 * username to confirm (`--yes` skips that, for scripts). It logs in afresh with the password
 * (OPAQUE: the server asks for a login of the last few minutes), leaves every conversation so the
 * others see the person go (chat/deleteAccount.ts), deletes the account on the server, then removes
 * this machine's profile directory.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { read } from 'read';
import type { Command, Flags } from '../command.js';
import { openCurrent, openProfileClient, syncOrThrow, type Unlocked } from '../connect.js';
import { CliError } from '../errors.js';
import { currentProfile, home } from '../profile.js';
import { claimProfile } from '../profileOwner.js';
import { apiFor, trustIn } from '../serverTrust.js';

const USAGE = 'usage: parley account delete [--yes]';

/** The person typed the account's name, or said --yes; otherwise nothing happens. */
async function confirm(username: string, flags: Flags): Promise<void> {
  if (flags.yes === true) return;
  if (!process.stdin.isTTY)
    throw new CliError('deleting an account needs a terminal to confirm on, or --yes; nothing was deleted');
  process.stdout.write(
    `This deletes the account ${username} for good: every device, every conversation it is in, its files on the server.\n`,
  );
  const typed = await read({ prompt: `Type ${username} to confirm: ` });
  if (typed.trim() !== username) throw new CliError('that is not the account name; nothing was deleted');
}

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

async function account([sub]: string[], flags: Flags): Promise<void> {
  if (sub !== 'delete') throw new CliError(USAGE);
  const place = await openCurrent();
  await confirm(place.profile.username, flags);
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
  args: 'delete [--yes]',
  summary: 'delete this account for good (leaves every conversation first)',
  flags: { yes: { type: 'boolean' } },
  arity: [1, 1],
  run: account,
};
