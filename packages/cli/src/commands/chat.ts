/**
 * `parley chat`: the full-screen terminal chat (tui.ts) on the current profile's client. It owns the
 * profile while it runs, and one-shot commands from other shells (`parley send`, `read`, …) are
 * handed to it rather than run beside it (handOff.ts).
 */
import { runHandedOff } from '../clientCommand.js';
import type { Command } from '../command.js';
import { openCurrent, openProfileClient } from '../connect.js';
import { CliError } from '../errors.js';
import { serveHandOff } from '../handOff.js';
import { claimProfile } from '../profileOwner.js';
import { apiFor, trustIn } from '../serverTrust.js';
import { withSession } from '../session.js';
import { deviceLines } from './devices.js';
import { safetyNumberLines } from './verify.js';

async function chat(): Promise<void> {
  const place = await openCurrent();
  const claim = claimProfile(place.dir, 'chat', true);
  if (typeof claim !== 'function') {
    const what =
      claim.command === 'chat' ? 'parley chat is already open' : `parley ${claim.command} is running`;
    throw new CliError(
      `${what} for ${place.profile.username} on this machine (process ${claim.pid}); use that one, or end it first`,
    );
  }
  // The terminal chat's modules (string-width's tables among them) load only for `parley chat`.
  const { runChat } = await import('../tui.js');
  const client = await openProfileClient(place);
  let stopServing: (() => Promise<void>) | undefined;
  try {
    const api = apiFor(place.profile.server, trustIn(place.dir));
    client.start();
    stopServing = await serveHandOff(place.dir, place.identity, (request) =>
      runHandedOff(client, request, place.profile.server),
    );
    await runChat(
      {
        client,
        devices: () => withSession(api, place, (token) => deviceLines(api, token, place.identity)),
        safetyNumber: (who) => safetyNumberLines(client, who),
      },
      { username: place.profile.username, server: place.profile.server },
    );
  } finally {
    await stopServing?.();
    await client.close();
    claim();
  }
}

export const chatCommand: Command = {
  args: '',
  summary: 'the full-screen chat',
  arity: [0, 0],
  run: chat,
};
