/**
 * `parley read [<user|group>] [--json]`: print the messages not read yet (on any of this account's
 * devices), a conversation at a time in log order, then mark them read (read receipts to the
 * senders). With a conversation named: its latest messages, read or not (with their reactions,
 * edits and deletes as they stand now), and it is marked read. Each message has its id, which
 * `parley reply|react|edit|delete` take; a disappearing message has its `expiresAt` (ms) in JSON.
 * The history's system lines (a timer change, a repair) come in order among the messages, in JSON
 * as `{"type":"system","event":"timer",…,"text":"alice set disappearing messages to 1 hour"}`.
 */
import { type ChatMessage, type ParleyClient, systemText } from '@parley/client';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { syncOrThrow } from '../connect.js';
import { CliError } from '../errors.js';
import type { ClientWork } from '../handOff.js';
import { quoteLine, shownText } from '../messageText.js';
import { knownConversation, warnIdentityChange } from '../names.js';

/** A system line (a timer change, a repair): `{"type":"system","event":…}` in JSON, else "— …". */
function systemLine(client: ParleyClient, m: ChatMessage, json: boolean, name: string | null): string {
  const text = systemText(m, client.accountId);
  if (json)
    return JSON.stringify({
      type: 'system',
      ...m.system,
      id: m.id,
      conversation: m.groupId,
      name,
      sentAt: m.sentAt,
      text,
    });
  const when = new Date(m.sentAt).toISOString().slice(0, 16).replace('T', ' ');
  return `[${when}] ${name === null ? '' : `${name} · `}— ${text}`;
}

function line(client: ParleyClient, m: ChatMessage, json: boolean): string {
  const name = client.conversation(m.groupId)?.name ?? null;
  if (m.system !== undefined) return systemLine(client, m, json, name);
  if (json)
    return JSON.stringify({
      id: m.id,
      conversation: m.groupId,
      name,
      members: client.members(m.groupId),
      from: m.from.accountId,
      sentAt: m.sentAt,
      text: m.text,
      ...(m.replyTo !== undefined ? { replyTo: m.replyTo } : {}),
      reactions: m.reactions ?? {},
      ...(m.edited !== undefined ? { edited: m.edited } : {}),
      ...(m.deleted === true ? { deleted: true } : {}),
      ...(m.expiresAt !== undefined ? { expiresAt: m.expiresAt } : {}),
    });
  const when = new Date(m.sentAt).toISOString().slice(0, 16).replace('T', ' ');
  const quote = quoteLine(m);
  const head = `[${when}] ${name === null ? '' : `${name} · `}${m.from.accountId}`;
  return `${quote === undefined ? '' : `  ${quote}\n`}${head}: ${shownText(m)}`;
}

const read: ClientWork = async (client, [to], flags, output) => {
  const json = flags.json === true;
  client.start();
  await syncOrThrow(client);
  for (const who of await client.pendingIdentityChanges()) warnIdentityChange(who, output);
  if (to !== undefined) {
    const conversation = knownConversation(client, to);
    if (conversation === undefined) throw new CliError(`you have no conversation with ${to}`);
    const { messages } = await client.history(conversation, {});
    for (const m of messages) output.out(`${line(client, m, json)}\n`);
    await client.markRead(conversation);
    return;
  }
  // Messages that arrived while another command ran count too: they are unread until printed
  // here or seen in parley chat.
  const batches: ChatMessage[][] = [];
  for (const c of client.conversationList()) if (c.unread > 0) batches.push(await client.unread(c.id));
  const received = batches.sort((x, y) => x[0]!.sentAt - y[0]!.sentAt).flat();
  for (const m of received) output.out(`${line(client, m, json)}\n`);
  for (const c of client.conversationList()) if (c.unread > 0) await client.markRead(c.id);
};

export const readCommand: Command = {
  args: '[<user|group>] [--json]',
  summary: 'print the messages you have not read yet (or a conversation’s latest)',
  flags: { json: { type: 'boolean' } },
  arity: [0, 1],
  withClient: read,
  run: (args, flags) => runClientCommand('read', args, flags),
};
