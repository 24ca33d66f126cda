/**
 * This browser's device label as offered at registration and linking: a name the person may change
 * (by default the browser and system, "Chrome on Linux") and the platform ("Web: Chrome on Linux"),
 * read from the user agent. Both are only ever sent sealed (core deviceLabel.ts).
 */
import type { DeviceLabel } from '@parley/core';

const BROWSERS: ReadonlyArray<[RegExp, string]> = [
  [/Edg\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chrom(e|ium)\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];

const SYSTEMS: ReadonlyArray<[RegExp, string]> = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/CrOS/, 'ChromeOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

function pick(table: ReadonlyArray<[RegExp, string]>, userAgent: string, otherwise: string): string {
  return table.find(([pattern]) => pattern.test(userAgent))?.[1] ?? otherwise;
}

/** "Chrome on Linux" from a user agent string. */
export function browserAndSystem(userAgent: string): string {
  return `${pick(BROWSERS, userAgent, 'A browser')} on ${pick(SYSTEMS, userAgent, 'an unknown system')}`;
}

/** The name offered for this browser as a device. */
export function defaultDeviceName(): string {
  return browserAndSystem(typeof navigator === 'undefined' ? '' : navigator.userAgent);
}

/** This browser's label with the name the person chose (the default when left empty). */
export function deviceLabel(name: string): DeviceLabel {
  const system = defaultDeviceName();
  return { name: name.trim() === '' ? system : name.trim(), platform: `Web: ${system}` };
}
