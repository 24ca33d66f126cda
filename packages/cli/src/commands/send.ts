/**
 * `parley send [--post-quantum] <user|group> <text>`: send a message; a one-to-one chat it starts
 * is post-quantum (X-Wing) with the flag, which comes first (the rest is the text as typed). When
 * the server cannot be reached, a message to
 * an existing conversation is kept in the (encrypted, persistent) outbox and goes out the next time
 * parley connects. `parley send <user|group> --file PATH`: send a file (files.ts), which needs the
 * server: it is uploaded before its message goes out, with its progress on stderr on a terminal.
 */
import { basename } from 'node:path';
import type { ParleyClient } from '@parley/client';
import { is } from '@parley/core';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { trySync } from '../connect.js';
import { CliError } from '../errors.js';
import { sendablePath, sendFile, stderrProgress } from '../files.js';
import type { ClientWork } from '../handOff.js';
import { conversationNamed, knownConversation, warnIdentityChange } from '../names.js';
import type { Output } from '../output.js';

/** Wait until the conversation's outbox is empty, or say that the message goes out on the next run. */
export async function flushed(client: ParleyClient, conversation: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await client.pending(conversation)) > 0) {
    if (Date.now() > deadline) throw new CliError('the message is queued and will be sent on the next run');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The file `send` names: `<to> --file PATH` or `<to> --file=PATH` (the text is otherwise taken as
 * typed, so a message may start with a dash).
 */
function fileArgument(words: string[]): string | undefined {
  if (words[0] === '--file') {
    if (words.length !== 2) throw new CliError(`usage: parley send ${USAGE}`);
    return words[1];
  }
  if (words[0]?.startsWith('--file=')) {
    if (words.length !== 1 || words[0].length === '--file='.length)
      throw new CliError(`usage: parley send ${USAGE}`);
    return words[0].slice('--file='.length);
  }
  return undefined;
}

async function sendFileTo(client: ParleyClient, conversation: string, path: string, output: Output) {
  const progress = stderrProgress(output, 'sending', basename(path));
  try {
    await sendFile(
      client,
      conversation,
      path,
      progress.onProgress ? { onProgress: progress.onProgress } : {},
    );
  } finally {
    progress.end();
  }
}

/** The flag, only before the recipient: everything after it is the message as typed. */
const POST_QUANTUM = '--post-quantum';

const send: ClientWork = async (client, [to, ...words], flags, output) => {
  const postQuantum = flags['post-quantum'] === true;
  const text = words.join(' ');
  const file = fileArgument(words);
  client.start();
  const failure = await trySync(client, 5_000);
  const known = knownConversation(client, to!);
  if (is(failure, 'unreachable') && known !== undefined && file === undefined) {
    await client.sendText(known, text);
    output.out(`queued for ${to}: the server is unreachable; it goes out the next time parley connects\n`);
    return;
  }
  if (failure !== undefined) throw failure;
  const conversation = await conversationNamed(client, to!, { postQuantum });
  if (file !== undefined) await sendFileTo(client, conversation, file, output);
  else await client.sendText(conversation, text);
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

const USAGE = '<user|group> <text> | <user|group> --file PATH';

export const sendCommand: Command = {
  args: `[${POST_QUANTUM}] ${USAGE}`,
  summary: 'send a message or a file (starts a one-to-one chat if needed)',
  arity: [2, Number.POSITIVE_INFINITY],
  withClient: send,
  async run(args, flags) {
    const postQuantum = args[0] === POST_QUANTUM;
    const [to, ...words] = postQuantum ? args.slice(1) : args;
    if (to === undefined || words.length === 0) throw new CliError(`usage: parley send ${sendCommand.args}`);
    const file = fileArgument(words);
    // Checked here, and made absolute for a `parley chat` (elsewhere) that may run the command.
    const rest = file !== undefined ? ['--file', await sendablePath(file)] : words;
    await runClientCommand('send', [to, ...rest], postQuantum ? { ...flags, 'post-quantum': true } : flags);
  },
};
