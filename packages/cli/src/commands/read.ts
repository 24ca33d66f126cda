/**
 * `parley read [--json]`: print the messages not read yet (on any of this account's devices), a
 * conversation at a time in log order, then mark them read (read receipts to the senders).
 */
import type { ChatMessage, ParleyClient } from '@parley/client';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { syncOrThrow } from '../connect.js';
import type { ClientWork } from '../handOff.js';
import { warnIdentityChange } from '../names.js';

function line(client: ParleyClient, m: ChatMessage, json: boolean): string {
  const name = client.conversation(m.groupId)?.name ?? null;
  if (json)
    return JSON.stringify({
      conversation: m.groupId,
      name,
      members: client.members(m.groupId),
      from: m.from.accountId,
      sentAt: m.sentAt,
      text: m.text,
    });
  const when = new Date(m.sentAt).toISOString().slice(0, 16).replace('T', ' ');
  return `[${when}] ${name === null ? '' : `${name} · `}${m.from.accountId}: ${m.text}`;
}

const read: ClientWork = async (client, _args, flags, output) => {
  const json = flags.json === true;
  client.start();
  await syncOrThrow(client);
  for (const who of await client.pendingIdentityChanges()) warnIdentityChange(who, output);
  // Messages that arrived while another command ran count too: they are unread until printed
  // here or seen in parley chat.
  const batches: ChatMessage[][] = [];
  for (const c of client.conversationList()) if (c.unread > 0) batches.push(await client.unread(c.id));
  const received = batches.sort((x, y) => x[0]!.sentAt - y[0]!.sentAt).flat();
  for (const m of received) output.out(`${line(client, m, json)}\n`);
  for (const c of client.conversationList()) if (c.unread > 0) await client.markRead(c.id);
};

export const readCommand: Command = {
  args: '[--json]',
  summary: 'print the messages you have not read yet',
  flags: { json: { type: 'boolean' } },
  arity: [0, 0],
  withClient: read,
  run: (args, flags) => runClientCommand('read', args, flags),
};
