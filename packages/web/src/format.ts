/**
 * How the web app shows files: a size in the browser's own locale (Intl.NumberFormat with byte
 * units: "1.5 MB", "1,5 MB"), a sender's file name made safe to show and to save under, and the
 * one-line summary of a message (its text, or "📎 name" for a file) for previews and notifications.
 */
import type { ChatMessage } from '@parley/client';
import { getLocale } from './i18n/locale.js';
import { t } from './i18n/t.js';
import { intlLocale } from './time.js';

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;
const sizeFormats = new Map<string, Intl.NumberFormat>();

/** A size in bytes as people read it (decimal units, at most one decimal: "820 kB", "52.4 MB"). */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const name = UNITS[unit]!;
  const key = `${getLocale()}:${name}`;
  let f = sizeFormats.get(key);
  if (f === undefined) {
    f = new Intl.NumberFormat(intlLocale(), {
      style: 'unit',
      unit: name,
      unitDisplay: name === 'byte' ? 'long' : 'short',
      maximumFractionDigits: unit === 0 ? 0 : 1,
    });
    sizeFormats.set(key, f);
  }
  return f.format(value);
}

/** A percentage of a transfer ("42 %", in the locale's way). */
export function formatPercent(done: number, total: number): string {
  return new Intl.NumberFormat(intlLocale(), { style: 'percent', maximumFractionDigits: 0 }).format(
    total > 0 ? Math.min(1, done / total) : 1,
  );
}

/** Characters never shown in a name: controls, bidirectional overrides and isolates, zero-widths. */
const HIDDEN = /[\p{Cc}\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;
/** Longest name shown (characters): a sender can send up to the protocol's limit. */
const MAX_NAME_CHARS = 120;

/**
 * A sender's file name as shown and saved: no controls or direction overrides (which can make
 * "exe.txt" read as "txt.exe"), no path, no leading dots, shortened in its middle so the extension
 * stays visible; "file" when nothing is left.
 */
export function displayName(name: string): string {
  const base = (name.replace(HIDDEN, '').split(/[/\\]/).pop() ?? '').replace(/^[.\s]+/, '').trim();
  const chars = [...base];
  if (chars.length === 0) return 'file';
  if (chars.length <= MAX_NAME_CHARS) return base;
  const keep = MAX_NAME_CHARS / 2 - 1;
  return `${chars.slice(0, keep).join('')}…${chars.slice(-keep).join('')}`;
}

/** A message in one line: its text, a file's name, or that it was deleted. */
export function messageSummary(m: Pick<ChatMessage, 'text' | 'attachment' | 'deleted'>): string {
  if (m.deleted === true) return t('message.deleted');
  if (m.attachment !== undefined && m.text === '') return `📎 ${displayName(m.attachment.name)}`;
  return m.text;
}
