/**
 * Running a command that works with the profile's client: in this process when it can own the
 * profile, or handed to the `parley chat` that owns it, or after a short wait for another one-shot
 * command to finish; never as a second writer of the profile's group state (profileOwner.ts).
 */
import type { ParleyClient } from '@parley/client';
import type { Flags } from './command.js';
import { openCurrent, openProfileClient } from './connect.js';
import { CliError, failureLine } from './errors.js';
import { type ClientWork, type HandOffAnswer, type HandOffRequest, handOff } from './handOff.js';
import { capturedOutput, processOutput } from './output.js';
import { claimProfile } from './profileOwner.js';

/** The commands that can run with a client, by name (main.ts fills it from its table). */
export const clientCommands = new Map<string, ClientWork>();

/** How long a command waits for another one-shot command holding the profile. */
const WAIT_MS = 30_000;

/** Run `name` with the current profile's client, here or in the process that owns the profile. */
export async function runClientCommand(name: string, args: string[], flags: Flags): Promise<void> {
  const work = clientCommands.get(name);
  if (work === undefined) throw new Error(`${name} is not a client command`);
  const place = await openCurrent();
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const claim = claimProfile(place.dir, name, false);
    if (typeof claim === 'function') {
      try {
        const client = await openProfileClient(place);
        try {
          await work(client, args, flags, processOutput);
        } finally {
          await client.close();
        }
      } finally {
        claim();
      }
      return;
    }
    if (claim.handOff) {
      const answer = await handOff(place.dir, place.identity, { command: name, args, flags });
      process.stdout.write(answer.stdout);
      process.stderr.write(answer.stderr);
      if (answer.code !== 0) process.exitCode = answer.code;
      return;
    }
    if (Date.now() > deadline)
      throw new CliError(
        `parley ${claim.command} (process ${claim.pid}) is using this profile; try again when it has finished`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Run a command handed to this process (the profile's owner) with its client; answer its output. */
export async function runHandedOff(
  client: ParleyClient,
  request: HandOffRequest,
  server: string,
): Promise<HandOffAnswer> {
  const work = clientCommands.get(request.command);
  if (work === undefined)
    return {
      code: 1,
      stdout: '',
      stderr: `parley: ${request.command} cannot run while parley chat is open\n`,
    };
  const output = capturedOutput();
  try {
    await work(client, request.args, request.flags, output);
    return { code: 0, stdout: output.stdout(), stderr: output.stderr() };
  } catch (e) {
    output.err(failureLine(e, server));
    return { code: 1, stdout: output.stdout(), stderr: output.stderr() };
  }
}
