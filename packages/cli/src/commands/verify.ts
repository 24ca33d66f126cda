/** `parley verify <username> [--mark]`: the safety number with a contact (digits and QR); mark them verified. */
import type { ParleyClient } from '@parley/client';
import { renderUnicodeCompact } from 'uqr';
import { runClientCommand } from '../clientCommand.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import type { ClientWork } from '../handOff.js';
import { username } from '../names.js';

/** The safety number with a contact as lines: digits, QR code, and what to do with them. */
export async function safetyNumberLines(client: ParleyClient, who: string): Promise<string[]> {
  const number = await client.safetyNumberWith(who);
  if (number === undefined) throw new CliError(`you have no conversation with ${who} yet`);
  const contact = await client.contact(who);
  return [
    `Safety number with ${who}${contact?.verified ? ' (verified)' : ''}:`,
    '',
    ...[0, 4, 8].map((i) => `  ${number.groups.slice(i, i + 4).join(' ')}`),
    '',
    ...renderUnicodeCompact(number.qrPayload, { border: 1 }).split('\n'),
    `Compare these digits with ${who}, in person or over a call you trust (or scan each other's code).`,
  ];
}

const verify: ClientWork = async (client, [typed], flags, output) => {
  const who = username(typed!);
  if (flags.mark !== true) {
    const lines = await safetyNumberLines(client, who);
    const verified = (await client.contact(who))?.verified === true;
    const next = verified
      ? `You marked ${who} verified; if these digits ever change, compare them again.`
      : `If they match, run: parley verify ${who} --mark`;
    output.out(`${lines.join('\n')}\n${next}\n`);
    return;
  }
  if ((await client.contact(who)) === undefined)
    throw new CliError(`you have no conversation with ${who} yet`);
  await client.markVerified(who);
  output.out(`${who} is verified.\n`);
};

export const verifyCommand: Command = {
  args: '<username> [--mark]',
  summary: 'the safety number (digits, QR); --mark when they match',
  flags: { mark: { type: 'boolean' } },
  arity: [1, 1],
  withClient: verify,
  run: (args, flags) => runClientCommand('verify', args, flags),
};
