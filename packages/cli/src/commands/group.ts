/**
 * `parley group <name> <user> [user …] [--post-quantum]`: create a named group with people (with
 * the flag, in the X-Wing post-quantum suite), or add people to it. It says which suite the group uses.
 */
import { errorText } from '@parley/client';
import { is } from '@parley/core';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { syncOrThrow } from '../connect.js';
import { CliError } from '../errors.js';
import type { ClientWork } from '../handOff.js';
import { groupNamed, username, warnIdentityChange } from '../names.js';

const group: ClientWork = async (client, [name, ...people], flags, output) => {
  const users = people.map(username);
  const postQuantum = flags['post-quantum'] === true;
  client.start();
  await syncOrThrow(client);
  const existing = groupNamed(client, name!);
  if (existing !== undefined && postQuantum && client.conversation(existing)?.suite?.postQuantum !== true)
    throw new CliError(`${name} already exists; a group keeps the encryption it was started with`);
  let id = existing;
  try {
    if (existing === undefined) id = await client.createGroup(name!, users, { postQuantum });
    else await client.addMembers(existing, users);
  } catch (e) {
    if (is(e, 'identity_key_mismatch')) {
      const who = (e as { accountId?: string }).accountId ?? 'someone';
      warnIdentityChange(who, output);
      throw new CliError(`${who} was not added`);
    }
    throw new CliError(
      `cannot ${existing === undefined ? 'create the group' : 'add them'}: ${errorText(e, { brief: true })}`,
      { cause: e },
    );
  }
  await client.sync(10_000);
  const suite = client.conversation(id!)?.suite;
  output.out(
    existing === undefined
      ? `created ${name} with ${users.join(', ')}${suite === undefined ? '' : ` · ${suite.label}`}\n`
      : `added ${users.join(', ')} to ${name}\n`,
  );
};

export const groupCommand: Command = {
  args: '<name> <user> [user …] [--post-quantum]',
  summary: 'create a group (post-quantum: X-Wing), or add people to it',
  flags: { 'post-quantum': { type: 'boolean' } },
  arity: [2, Number.POSITIVE_INFINITY],
  withClient: group,
  run: (args, flags) => runClientCommand('group', args, flags),
};
