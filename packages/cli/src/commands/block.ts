/**
 * `parley block [<user>]` and `parley unblock <user>`: a blocked account's messages are dropped by
 * this device, a conversation only it shares with you is not listed, and presence stops between
 * you. Without a name, `block` lists whom you block.
 */
import type { ParleyClient } from '@parley/client';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { syncOrThrow } from '../connect.js';
import type { ClientWork } from '../handOff.js';

/** Block, unblock or list; the sentence that says how it now is. */
export async function blockSetting(
  client: ParleyClient,
  who: string | undefined,
  blocked: boolean,
): Promise<string> {
  if (who === undefined) {
    const list = client.blocked();
    return list.length === 0 ? 'you block no one' : `you block ${list.join(', ')}`;
  }
  if (blocked) await client.block(who);
  else await client.unblock(who);
  return blocked
    ? `blocked ${who}: their messages are dropped here and they no longer see when you are online`
    : `unblocked ${who}`;
}

function blocking(blocked: boolean): ClientWork {
  return async (client, [who], _flags, output) => {
    client.start();
    await syncOrThrow(client);
    output.out(`${await blockSetting(client, who, blocked)}.\n`);
  };
}

export const blockCommand: Command = {
  args: '[<user>]',
  summary: 'block someone (their messages are dropped here); without a name, list whom you block',
  arity: [0, 1],
  withClient: blocking(true),
  run: (args, flags) => runClientCommand('block', args, flags),
};

export const unblockCommand: Command = {
  args: '<user>',
  summary: 'unblock someone',
  arity: [1, 1],
  withClient: blocking(false),
  run: (args, flags) => runClientCommand('unblock', args, flags),
};
