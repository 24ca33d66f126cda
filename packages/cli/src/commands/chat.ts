/** `parley chat`: the full-screen terminal chat (tui.ts) on the current profile's client. */
import type { Command } from '../command.js';
import { withClient } from '../connect.js';
import { apiFor, trustIn } from '../serverTrust.js';
import { withSession } from '../session.js';
import { runChat } from '../tui.js';
import { deviceLines } from './devices.js';
import { safetyNumberLines } from './verify.js';

export const chatCommand: Command = {
  args: '',
  summary: 'the full-screen chat',
  arity: [0, 0],
  run: () =>
    withClient(async (client, place) => {
      const api = apiFor(place.profile.server, trustIn(place.dir));
      client.start();
      await runChat(
        {
          client,
          devices: () => withSession(api, place, (token) => deviceLines(api, token, place.identity)),
          safetyNumber: (who) => safetyNumberLines(client, who),
        },
        { username: place.profile.username, server: place.profile.server },
      );
    }),
};
