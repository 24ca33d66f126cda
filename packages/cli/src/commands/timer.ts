/**
 * `parley timer <user|group> [<time>|off]` (and `/timer` in `parley chat`): disappearing messages.
 * With a time (5m, 1h, 8h, 1d, 1w, 4w …: 5 minutes to 4 weeks) every message sent in the
 * conversation from then on leaves everyone's devices and the server that long after it was sent;
 * `off` stops it; without either, says how it is set.
 */
import { type ParleyClient, timerLabel } from '@parley/client';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { syncOrThrow } from '../connect.js';
import { CliError } from '../errors.js';
import type { ClientWork } from '../handOff.js';
import { knownConversation } from '../names.js';

const UNIT: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86400, w: 7 * 86400 };
const USAGE = 'usage: timer <user|group> [<time>|off], a time such as 5m, 1h, 1d, 1w (up to 4w)';

/** A typed timer in seconds: `off` is 0, `1h` an hour. */
export function parseTimer(typed: string): number {
  if (typed.toLowerCase() === 'off') return 0;
  const m = /^(\d{1,7})\s*(s|m|min|h|d|w)$/i.exec(typed.trim());
  if (m === null) throw new CliError(USAGE);
  return Number(m[1]) * UNIT[m[2]!.toLowerCase()]!;
}

/** Set the open conversation's timer (`time` given) or read it; the sentence that says how it now is. */
export async function timerSetting(client: ParleyClient, conversation: string, time: string | undefined) {
  if (time !== undefined) await client.setTimer(conversation, parseTimer(time));
  const seconds = client.conversation(conversation)?.timer ?? 0;
  return seconds === 0
    ? 'disappearing messages are off'
    : `disappearing messages: ${timerLabel(seconds)} (new messages go that long after they are sent)`;
}

const timer: ClientWork = async (client, [to, time], _flags, output) => {
  client.start();
  await syncOrThrow(client);
  const conversation = knownConversation(client, to!);
  if (conversation === undefined) throw new CliError(`you have no conversation with ${to}`);
  output.out(`${await timerSetting(client, conversation, time)}.\n`);
};

export const timerCommand: Command = {
  args: '<user|group> [<time>|off]',
  summary: 'disappearing messages in a conversation: a time (5m … 4w) or off',
  arity: [1, 2],
  withClient: timer,
  run: (args, flags) => {
    if (args[1] !== undefined) parseTimer(args[1]);
    return runClientCommand('timer', args, flags);
  },
};
