/**
 * `parley search <words> [--json] [--limit <n>]`: the messages of this device's own history that
 * hold every word (case and accents ignored), newest first. It reads the local (encrypted) history
 * only: nothing is asked of the server.
 */
import { SEARCH_LIMIT } from '@parley/client';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import type { ClientWork } from '../handOff.js';
import { titleOf } from '../names.js';

function limitOf(typed: unknown): number {
  if (typed === undefined) return SEARCH_LIMIT;
  const n = Number(typed);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new CliError('usage: --limit takes a whole number of at least 1');
  return n;
}

const search: ClientWork = async (client, words, flags, output) => {
  const results = await client.search(words.join(' '), { limit: limitOf(flags.limit) });
  for (const r of results) {
    const c = client.conversation(r.conversation);
    const title = c === undefined ? r.conversation : titleOf(c, client.accountId);
    if (flags.json === true) {
      output.out(`${JSON.stringify({ ...r, title })}\n`);
      continue;
    }
    const when = new Date(r.sentAt).toISOString().slice(0, 16).replace('T', ' ');
    output.out(`[${when}] ${title} · ${r.from}: ${r.snippet}\n`);
  }
  if (results.length === 0 && flags.json !== true) output.err('no message found\n');
};

export const searchCommand: Command = {
  args: '<words> [--json] [--limit <n>]',
  summary: 'find messages in your history (on this device) holding all the words',
  flags: { json: { type: 'boolean' }, limit: { type: 'string' } },
  arity: [1, 64],
  withClient: search,
  run: (args, flags) => {
    limitOf(flags.limit);
    return runClientCommand('search', args, flags);
  },
};
