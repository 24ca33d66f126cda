/**
 * Acting on a message by its id (as `parley read --json` prints it, or a unique prefix of it):
 *
 *   parley reply <user|group> <id> <text>    answer it (the reply quotes it)
 *   parley react <user|group> <id> <emoji>   react, or take the reaction back
 *   parley edit <user|group> <id> <text>     change the text of one of your messages
 *   parley delete <user|group> <id>          delete one of your messages for everyone
 *   parley report <user|group> <id> <reason> show that one message to the server's operator
 */
import type { ParleyClient } from '@parley/client';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { syncOrThrow } from '../connect.js';
import { CliError } from '../errors.js';
import type { ClientWork } from '../handOff.js';
import { knownConversation } from '../names.js';
import { flushed } from './send.js';

/** The message of the conversation an id (or a unique prefix of one) names. */
export async function messageId(client: ParleyClient, conversation: string, typed: string): Promise<string> {
  const wanted = typed.toLowerCase();
  if (!/^[0-9a-f]{4,32}$/.test(wanted)) throw new CliError(`${typed} is not a message id`);
  const ids = (await client.history(conversation)).map((m) => m.id).filter((id) => id.startsWith(wanted));
  if (ids.length === 1) return ids[0]!;
  throw new CliError(ids.length === 0 ? `no message ${typed} there` : `${typed} names several messages`);
}

type Act = (client: ParleyClient, conversation: string, id: string, rest: string[]) => Promise<string>;

function annotating(act: Act): ClientWork {
  return async (client, [to, typed, ...rest], _flags, output) => {
    client.start();
    await syncOrThrow(client);
    const conversation = knownConversation(client, to!);
    if (conversation === undefined) throw new CliError(`you have no conversation with ${to}`);
    const done = await act(client, conversation, await messageId(client, conversation, typed!), rest);
    await flushed(client, conversation);
    output.out(`${done}\n`);
  };
}

function command(name: string, args: string, summary: string, arity: [number, number], act: Act): Command {
  return {
    args,
    summary,
    arity,
    withClient: annotating(act),
    run: (a, flags) => runClientCommand(name, a, flags),
  };
}

export const replyCommand = command(
  'reply',
  '<user|group> <id> <text>',
  'reply to a message (by its id from read --json)',
  [3, Number.POSITIVE_INFINITY],
  async (client, conversation, id, words) => {
    await client.reply(conversation, id, words.join(' '));
    return 'replied';
  },
);

export const reactCommand = command(
  'react',
  '<user|group> <id> <emoji>',
  'react to a message, or take the reaction back',
  [3, 3],
  async (client, conversation, id, [emoji]) => {
    const before = (await client.history(conversation)).find((m) => m.id === id);
    await client.react(conversation, id, emoji!);
    return before?.reactions?.[emoji!]?.includes(client.accountId)
      ? `took back ${emoji}`
      : `reacted ${emoji}`;
  },
);

export const editCommand = command(
  'edit',
  '<user|group> <id> <text>',
  'change the text of one of your messages',
  [3, Number.POSITIVE_INFINITY],
  async (client, conversation, id, words) => {
    await client.edit(conversation, id, words.join(' '));
    return 'edited';
  },
);

export const deleteCommand = command(
  'delete',
  '<user|group> <id>',
  'delete one of your messages for everyone',
  [2, 2],
  async (client, conversation, id) => {
    await client.deleteMessage(conversation, id);
    return 'deleted';
  },
);

export const reportCommand = command(
  'report',
  '<user|group> <id> <reason>',
  'report a message you received to the server’s operator (reveals that one message)',
  [3, Number.POSITIVE_INFINITY],
  async (client, conversation, id, words) => {
    const report = await client.report(conversation, id, words.join(' '));
    return `reported to the server's operator (report ${report})`;
  },
);
