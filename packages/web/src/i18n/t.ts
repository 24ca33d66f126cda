/**
 * Translated text: `t(id, values)` formats the current language's ICU message (plurals, selects,
 * numbers) with intl-messageformat, which parses at runtime without eval, so the strict CSP holds.
 * A message missing from a catalogue falls back to English (the catalogue test makes that a failure).
 */
import { type FormatXMLElementFn, IntlMessageFormat, type PrimitiveType } from 'intl-messageformat';
import { getLocale, type Locale } from './locale.js';
import { ar } from './messages/ar.js';
import { de } from './messages/de.js';
import { en, type MessageId } from './messages/en.js';
import { es } from './messages/es.js';

export type { MessageId } from './messages/en.js';

export const CATALOGUES: Record<Locale, Record<MessageId, string>> = { en, de, es, ar };

const compiled = new Map<string, IntlMessageFormat>();

/** The message `id` in the current language, its placeholders filled from `values`. */
export function t(id: MessageId, values?: Record<string, PrimitiveType>): string {
  return String(compile(id).format(values));
}

/** The message `id` with elements among its parts (`<b>` tags, element placeholders), for Rich. */
export function tNodes<T>(id: MessageId, values: Record<string, PrimitiveType | T | FormatXMLElementFn<T>>) {
  const parts = compile(id).format<T>(values);
  return Array.isArray(parts) ? parts : [parts];
}

function compile(id: MessageId): IntlMessageFormat {
  const locale = getLocale();
  const key = `${locale}\u0000${id}`;
  let format = compiled.get(key);
  if (format === undefined) {
    format = new IntlMessageFormat(CATALOGUES[locale][id] ?? en[id], locale);
    compiled.set(key, format);
  }
  return format;
}
