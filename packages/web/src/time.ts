/**
 * Every date and time the web app shows, formatted one way: Intl.DateTimeFormat in the app's
 * language (i18n/locale.ts). In English, the browser's own locale decides (en-GB "14:05", en-US
 * "2:05 PM", or a `-u-hc-` extension's hour cycle); in another language, that language's way.
 */
import { getLocale } from './i18n/locale.js';

/** The locale Intl formats in: the app's language, or the browser's own for English. */
export function intlLocale(): string | undefined {
  const locale = getLocale();
  return locale === 'en' ? undefined : locale;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(style: 'time' | 'date' | 'dateTime'): Intl.DateTimeFormat {
  const key = `${getLocale()}:${style}`;
  let f = formatters.get(key);
  if (f === undefined) {
    const options: Intl.DateTimeFormatOptions =
      style === 'time'
        ? { timeStyle: 'short' }
        : style === 'date'
          ? { dateStyle: 'medium' }
          : { dateStyle: 'medium', timeStyle: 'short' };
    f = new Intl.DateTimeFormat(intlLocale(), options);
    formatters.set(key, f);
  }
  return f;
}

/** A time of day ("14:05", "2:05 PM"). */
export function formatTime(ms: number): string {
  return formatter('time').format(ms);
}

/** A day ("5 Mar 2026", "Mar 5, 2026"). */
export function formatDate(ms: number): string {
  return formatter('date').format(ms);
}

/** A day and time of day. */
export function formatDateTime(ms: number): string {
  return formatter('dateTime').format(ms);
}

/** The time of day for a moment of today, else the day and time (a message's time, a last-seen). */
export function formatMoment(ms: number, now = Date.now()): string {
  return new Date(ms).toDateString() === new Date(now).toDateString() ? formatTime(ms) : formatDateTime(ms);
}

const DURATION_UNITS = [
  [604800, 'week'],
  [86400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
] as const;

/** A whole number of seconds in its largest exact unit, in the app's language ("1 hour", "2 Tage"). */
export function formatDuration(seconds: number): string {
  const [size, unit] = DURATION_UNITS.find(([size]) => seconds % size === 0) ?? [1, 'second'];
  return new Intl.NumberFormat(getLocale(), { style: 'unit', unit, unitDisplay: 'long' }).format(
    seconds / size,
  );
}
