/** `parley whoami`: the current profile. */
import type { Command } from '../command.js';
import { currentProfile } from '../profile.js';

export const whoamiCommand: Command = {
  args: '',
  summary: 'the current profile',
  arity: [0, 0],
  async run() {
    const { profile } = currentProfile();
    process.stdout.write(`${profile.username} on ${profile.server} (device ${profile.deviceId})\n`);
  },
};
