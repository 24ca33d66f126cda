/** `parley group <name> <user> [user …]`: create a named group with people, or add people to it. */
import { errorText } from '@parley/client';
import { is } from '@parley/core';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { syncOrThrow } from '../connect.js';
import { CliError } from '../errors.js';
import type { ClientWork } from '../handOff.js';
import { groupNamed, username, warnIdentityChange } from '../names.js';

const group: ClientWork = async (client, [name, ...people], _flags, output) => {
  const users = people.map(username);
  client.start();
  await syncOrThrow(client);
  const existing = groupNamed(client, name!);
  try {
    if (existing === undefined) await client.createGroup(name!, users);
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
  output.out(
    existing === undefined
      ? `created ${name} with ${users.join(', ')}\n`
      : `added ${users.join(', ')} to ${name}\n`,
  );
};

export const groupCommand: Command = {
  args: '<name> <user> [user …]',
  summary: 'create a group, or add people to it',
  arity: [2, Number.POSITIVE_INFINITY],
  withClient: group,
  run: (args, flags) => runClientCommand('group', args, flags),
};
