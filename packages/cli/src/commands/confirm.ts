/** Confirming something that cannot be undone: the person types the account's name, or says --yes. */
import { read } from 'read';
import type { Flags } from '../command.js';
import { CliError } from '../errors.js';

/** `what` is said first; without a terminal or --yes, or with another name typed: `nothing` happened. */
export async function confirmByName(
  username: string,
  flags: Flags,
  what: string,
  nothing: string,
): Promise<void> {
  if (flags.yes === true) return;
  if (!process.stdin.isTTY) throw new CliError(`this needs a terminal to confirm on, or --yes; ${nothing}`);
  process.stdout.write(`${what}\n`);
  const typed = await read({ prompt: `Type ${username} to confirm: ` });
  if (typed.trim() !== username) throw new CliError(`that is not the account name; ${nothing}`);
}
