/**
 * `parley presence [on|off]` (and `/presence` in `parley chat`): whether this account shares when it
 * is online and last seen with the people of conversations both have joined. Reciprocal: off also
 * hides theirs from you.
 */
import type { ParleyClient } from '@parley/client';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { syncOrThrow } from '../connect.js';
import { CliError } from '../errors.js';
import type { ClientWork } from '../handOff.js';

function checkChoice(choice: string | undefined): void {
  if (choice !== undefined && choice !== 'on' && choice !== 'off')
    throw new CliError('usage: presence [on|off]');
}

/** Read the setting, or switch it (`on`/`off`); the sentence that says how it now is. */
export async function presenceSetting(client: ParleyClient, choice: string | undefined): Promise<string> {
  checkChoice(choice);
  const share =
    choice === undefined ? await client.sharesPresence() : await client.setPresenceSharing(choice === 'on');
  return share
    ? 'presence is on: people in conversations you have joined see when you are online, and you see theirs'
    : 'presence is off: no one sees when you are online or were last seen, and you do not see theirs';
}

const presence: ClientWork = async (client, [choice], _flags, output) => {
  client.start();
  await syncOrThrow(client);
  output.out(`${await presenceSetting(client, choice)}.\n`);
};

export const presenceCommand: Command = {
  args: '[on|off]',
  summary: 'share when you are online (and see others’), or stop: on or off',
  arity: [0, 1],
  withClient: presence,
  run: ([choice], flags) => {
    checkChoice(choice);
    return runClientCommand('presence', choice === undefined ? [] : [choice], flags);
  },
};
