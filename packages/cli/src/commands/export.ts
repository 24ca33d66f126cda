/**
 * `parley export [--html] FILE`: your whole history on this device, decrypted, written to FILE as
 * JSON (or, with --html, as one page to read in a browser). The file holds your messages in the
 * clear: it is created readable by you alone.
 */
import { writeFileSync } from 'node:fs';
import { historyHtml } from '@parley/client';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { syncOrThrow } from '../connect.js';
import type { ClientWork } from '../handOff.js';

const exportHistory: ClientWork = async (client, [file], flags, output) => {
  client.start();
  await syncOrThrow(client);
  const history = await client.exportHistory();
  const text = flags.html === true ? historyHtml(history) : `${JSON.stringify(history, null, 2)}\n`;
  writeFileSync(file!, text, { mode: 0o600 });
  const messages = history.conversations.reduce((n, c) => n + c.messages.length, 0);
  output.out(`wrote ${messages} messages of ${history.conversations.length} conversations to ${file}\n`);
};

export const exportCommand: Command = {
  args: '[--html] <file>',
  summary: 'write your history, decrypted, to a file (JSON, or a page with --html)',
  arity: [1, 1],
  flags: { html: { type: 'boolean' } },
  withClient: exportHistory,
  run: (args, flags) => runClientCommand('export', args, flags),
};
