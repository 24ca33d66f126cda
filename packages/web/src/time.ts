/**
 * Every date and time the web app shows, formatted one way: Intl.DateTimeFormat in the browser's
 * own locale (no locale is named, so the browser's language decides, with its hour cycle: "14:05"
 * in en-GB, "2:05 PM" in en-US, or whatever a `-u-hc-` extension of the browser's locale says).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(style: 'time' | 'date' | 'dateTime'): Intl.DateTimeFormat {
  let f = formatters.get(style);
  if (f === undefined) {
    const options: Intl.DateTimeFormatOptions =
      style === 'time'
        ? { timeStyle: 'short' }
        : style === 'date'
          ? { dateStyle: 'medium' }
          : { dateStyle: 'medium', timeStyle: 'short' };
    f = new Intl.DateTimeFormat(undefined, options);
    formatters.set(style, f);
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
