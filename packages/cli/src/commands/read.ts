/**
 * `parley read [<user|group>] [--json]`: print the messages not read yet (on any of this account's
 * devices), a conversation at a time in log order, then mark them read (read receipts to the
 * senders). With a conversation named: its latest messages, read or not (with their reactions,
 * edits and deletes as they stand now), and it is marked read. Each message has its id, which
 * `parley reply|react|edit|delete` take; a disappearing message has its `expiresAt` (ms) in JSON.
 * A file message shows `📎 name (size)`, and in JSON its `attachment` (name, type, size, an image's
 * pixels); with `--save DIR` the files of the messages printed are saved into DIR (files.ts), each
 * message's JSON saying where (`savedAs`). The history's system lines (a timer change, a repair)
 * come in order among the messages, in JSON as
 * `{"type":"system","event":"timer",…,"text":"alice set disappearing messages to 1 hour"}`.
 */
import { resolve } from 'node:path';
import { type ChatMessage, type ParleyClient, systemText } from '@parley/client';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { syncOrThrow } from '../connect.js';
import { CliError } from '../errors.js';
import { fileJson, notSaved, saveFile, stderrProgress } from '../files.js';
import type { ClientWork } from '../handOff.js';
import { quoteLine, shownText } from '../messageText.js';
import { knownConversation, warnIdentityChange } from '../names.js';
import type { Output } from '../output.js';

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

function line(client: ParleyClient, m: ChatMessage, json: boolean, savedAs: string | undefined): string {
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
      ...(m.attachment !== undefined && m.deleted !== true ? { attachment: fileJson(m.attachment) } : {}),
      ...(savedAs !== undefined ? { savedAs } : {}),
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

/** Print the messages (saving their files into `dir` first, if given); false if a file could not be saved. */
async function printed(
  client: ParleyClient,
  messages: ChatMessage[],
  json: boolean,
  dir: string | undefined,
  output: Output,
): Promise<boolean> {
  let allSaved = true;
  for (const m of messages) {
    let savedAs: string | undefined;
    if (dir !== undefined && m.attachment !== undefined && m.deleted !== true) {
      const progress = stderrProgress(output, 'receiving', m.attachment.name);
      try {
        savedAs = await saveFile(
          client,
          m.attachment,
          dir,
          progress.onProgress ? { onProgress: progress.onProgress } : {},
        );
      } catch (e) {
        allSaved = false;
        output.err(`parley: message ${m.id}: ${notSaved(e)}\n`);
      } finally {
        progress.end();
      }
    }
    output.out(`${line(client, m, json, savedAs)}\n`);
  }
  return allSaved;
}

const read: ClientWork = async (client, [to], flags, output) => {
  const json = flags.json === true;
  const dir = typeof flags.save === 'string' ? flags.save : undefined;
  let allSaved = true;
  client.start();
  await syncOrThrow(client);
  for (const who of await client.pendingIdentityChanges()) warnIdentityChange(who, output);
  if (to !== undefined) {
    const conversation = knownConversation(client, to);
    if (conversation === undefined) throw new CliError(`you have no conversation with ${to}`);
    const { messages } = await client.history(conversation, {});
    allSaved = await printed(client, messages, json, dir, output);
    await client.markRead(conversation);
  } else {
    // Messages that arrived while another command ran count too: they are unread until printed
    // here or seen in parley chat.
    const batches: ChatMessage[][] = [];
    for (const c of client.conversationList()) if (c.unread > 0) batches.push(await client.unread(c.id));
    const received = batches.sort((x, y) => x[0]!.sentAt - y[0]!.sentAt).flat();
    allSaved = await printed(client, received, json, dir, output);
    for (const c of client.conversationList()) if (c.unread > 0) await client.markRead(c.id);
  }
  if (!allSaved) throw new CliError('some files were not saved');
};

export const readCommand: Command = {
  args: '[<user|group>] [--json] [--save DIR]',
  summary: 'print the messages you have not read yet (or a conversation’s latest); --save keeps their files',
  flags: { json: { type: 'boolean' }, save: { type: 'string' } },
  arity: [0, 1],
  withClient: read,
  // DIR made absolute here, for a `parley chat` (elsewhere) that may run the command.
  run: (args, flags) =>
    runClientCommand(
      'read',
      args,
      typeof flags.save === 'string' ? { ...flags, save: resolve(flags.save) } : flags,
    ),
};
