/** How apps put a disappearing-messages timer in words, the same in the terminal and the browser. */
import type { TimerChange } from './types.js';

/** The timers people choose from, in seconds (0: off). */
export const TIMER_CHOICES = [0, 5 * 60, 3600, 8 * 3600, 86400, 7 * 86400, 28 * 86400] as const;

const UNITS: ReadonlyArray<[number, string]> = [
  [7 * 86400, 'week'],
  [86400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
];

/** A timer in words: "1 hour", "4 weeks", "90 minutes", "off". */
export function timerLabel(seconds: number): string {
  if (seconds === 0) return 'off';
  const [size, unit] = UNITS.find(([size]) => seconds % size === 0)!;
  const n = seconds / size;
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** The system line of a timer change: "alice set disappearing messages to 1 hour", "you turned them off". */
export function timerNotice(change: Pick<TimerChange, 'by' | 'seconds'>, me: string): string {
  const who = change.by === me ? 'you' : change.by;
  return change.seconds === 0
    ? `${who} turned off disappearing messages`
    : `${who} set disappearing messages to ${timerLabel(change.seconds)}`;
}
