/**
 * `parley send <user|group> <text>`: send a message. When the server cannot be reached, a message to
 * an existing conversation is kept in the (encrypted, persistent) outbox and goes out the next time
 * parley connects.
 */
import type { ParleyClient } from '@parley/client';
import { is } from '@parley/core';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { trySync } from '../connect.js';
import { CliError } from '../errors.js';
import type { ClientWork } from '../handOff.js';
import { conversationNamed, knownConversation, warnIdentityChange } from '../names.js';

/** Wait until the conversation's outbox is empty, or say that the message goes out on the next run. */
export async function flushed(client: ParleyClient, conversation: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await client.pending(conversation)) > 0) {
    if (Date.now() > deadline) throw new CliError('the message is queued and will be sent on the next run');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const send: ClientWork = async (client, [to, ...words], _flags, output) => {
  const text = words.join(' ');
  client.start();
  const failure = await trySync(client, 5_000);
  const known = knownConversation(client, to!);
  if (is(failure, 'unreachable') && known !== undefined) {
    await client.sendText(known, text);
    output.out(`queued for ${to}: the server is unreachable; it goes out the next time parley connects\n`);
    return;
  }
  if (failure !== undefined) throw failure;
  const conversation = await conversationNamed(client, to!);
  await client.sendText(conversation, text);
  const members = client.members(conversation);
  const changed = (await client.pendingIdentityChanges()).filter((m) => members.includes(m));
  if (changed.length > 0) {
    for (const who of changed) warnIdentityChange(who, output);
    throw new CliError(`the message is held until you check and accept the new key of ${changed.join(', ')}`);
  }
  await flushed(client, conversation);
  output.out(`sent to ${to}\n`);
};

export const sendCommand: Command = {
  args: '<user|group> <text>',
  summary: 'send a message (starts a one-to-one chat if needed)',
  arity: [2, Number.POSITIVE_INFINITY],
  withClient: send,
  run: (args, flags) => runClientCommand('send', args, flags),
};
