/**
 * The web app's language: the one chosen in the language switch (kept in localStorage), else the
 * first of the browser's languages (navigator.languages) that has a catalogue, else English. The
 * choice is reflected on <html lang dir> (right to left for Arabic) and announced to subscribers
 * (React re-renders through useLocale, time.ts and format.ts drop their cached Intl formatters).
 */
import { useSyncExternalStore } from 'react';

export const LOCALES = ['en', 'de', 'es', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language's own name, as the switch lists it. */
export const LOCALE_NAMES: Record<Locale, string> = {
  en: 'English',
  de: 'Deutsch',
  es: 'Español',
  ar: 'العربية',
};

const RTL: ReadonlySet<Locale> = new Set<Locale>(['ar']);
const STORAGE_KEY = 'parley.locale';

function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The first of `wanted` (BCP 47 tags, "de-AT", "es-419") whose language has a catalogue. */
export function matchLocale(wanted: readonly string[]): Locale {
  for (const tag of wanted) {
    const language = tag.toLowerCase().split(/[-_]/)[0];
    if (isLocale(language)) return language;
  }
  return 'en';
}

function stored(): Locale | undefined {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    return isLocale(value) ? value : undefined;
  } catch {
    return undefined; // storage refused (private mode, sandboxed frame)
  }
}

function initial(): Locale {
  const browser = globalThis.navigator?.languages ?? [globalThis.navigator?.language ?? 'en'];
  return stored() ?? matchLocale(browser);
}

let current: Locale = initial();
const listeners = new Set<() => void>();

export function getLocale(): Locale {
  return current;
}

export function direction(locale: Locale): 'rtl' | 'ltr' {
  return RTL.has(locale) ? 'rtl' : 'ltr';
}

/** Sets <html lang dir> to the current language. */
export function applyToDocument(): void {
  if (typeof document === 'undefined') return;
  document.documentElement.lang = current;
  document.documentElement.dir = direction(current);
}

/** Switches the language (remembered on this browser) and re-renders the app in it. */
export function setLocale(locale: Locale): void {
  if (locale === current) return;
  current = locale;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, locale);
  } catch {
    // not remembered; the switch still applies to this page
  }
  applyToDocument();
  for (const listener of listeners) listener();
}

export function onLocaleChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current language; the component re-renders when it changes. */
export function useLocale(): Locale {
  return useSyncExternalStore(onLocaleChange, getLocale, getLocale);
}
