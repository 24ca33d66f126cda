/**
 * This machine's device label at `parley register` and `parley login` (linking): the name from
 * `--device-name`, by default "parley CLI on <hostname>", and the platform ("CLI: linux x64").
 * Both reach the server only sealed (core deviceLabel.ts).
 */
import { arch, hostname, platform } from 'node:os';
import type { DeviceLabel } from '@parley/core';
import type { Flags } from './command.js';

export const DEVICE_NAME_FLAG = { 'device-name': { type: 'string' } } as const;
export const DEVICE_NAME_USAGE = '[--device-name NAME]';

export function deviceLabelFrom(flags: Flags): DeviceLabel {
  const typed = typeof flags['device-name'] === 'string' ? flags['device-name'].trim() : '';
  return {
    name: typed === '' ? `parley CLI on ${hostname()}` : typed,
    platform: `CLI: ${platform()} ${arch()}`,
  };
}
