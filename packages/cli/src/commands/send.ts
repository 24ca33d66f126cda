/**
 * `parley send [--post-quantum] <user|group> <text>`: send a message; a one-to-one chat it starts
 * is post-quantum (X-Wing) with the flag, which comes first (the rest is the text as typed). When the server cannot be reached, a message to
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

/** The flag, only before the recipient: everything after it is the message as typed. */
const POST_QUANTUM = '--post-quantum';

const send: ClientWork = async (client, [to, ...words], flags, output) => {
  const postQuantum = flags['post-quantum'] === true;
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
  const conversation = await conversationNamed(client, to!, { postQuantum });
  await client.sendText(conversation, text);
  const members = client.members(conversation);
  const changed = (await client.pendingIdentityChanges()).filter((m) => members.includes(m));
  if (changed.length > 0) {
    for (const who of changed) warnIdentityChange(who, output);
    throw new CliError(`the message is held until you check and accept the new key of ${changed.join(', ')}`);
  }
  await flushed(client, conversation);
  const suite = postQuantum ? ` · ${client.conversation(conversation)?.suite?.label}` : '';
  output.out(`sent to ${to}${suite}\n`);
};

export const sendCommand: Command = {
  args: `[${POST_QUANTUM}] <user|group> <text>`,
  summary: 'send a message (starts a one-to-one chat if needed)',
  arity: [2, Number.POSITIVE_INFINITY],
  withClient: send,
  run: async (args, flags) => {
    if (args[0] !== POST_QUANTUM) return runClientCommand('send', args, flags);
    if (args.length < 3) throw new CliError(`usage: send ${sendCommand.args}`);
    return runClientCommand('send', args.slice(1), { ...flags, 'post-quantum': true });
  },
};
