/**
 * The message catalogues: every language has exactly the English message ids, each message parses
 * as ICU MessageFormat with the same placeholders and tags as the English one, and plurals format.
 */
import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { getLocale, matchLocale, setLocale } from '../src/i18n/locale.js';
import { en } from '../src/i18n/messages/en.js';
import { CATALOGUES, t } from '../src/i18n/t.js';
import { formatDate, formatDuration } from '../src/time.js';

/** The argument names and tag names a message uses (plural and select branches included). */
function placeholders(elements: MessageFormatElement[], found = new Set<string>()): Set<string> {
  for (const e of elements) {
    if (e.type === TYPE.argument || e.type === TYPE.number || e.type === TYPE.date || e.type === TYPE.time)
      found.add(e.value);
    if (e.type === TYPE.tag) {
      found.add(`<${e.value}>`);
      placeholders(e.children, found);
    }
    if (e.type === TYPE.plural || e.type === TYPE.select) {
      found.add(e.value);
      for (const option of Object.values(e.options)) placeholders(option.value, found);
    }
  }
  return found;
}

const ids = Object.keys(en).sort();

describe('message catalogues', () => {
  for (const [locale, catalogue] of Object.entries(CATALOGUES)) {
    it(`${locale} has exactly the English message ids`, () => {
      expect(Object.keys(catalogue).sort()).toEqual(ids);
    });

    it(`${locale}: every message parses as ICU with the English placeholders`, () => {
      for (const id of ids) {
        const text = (catalogue as Record<string, string>)[id] ?? '';
        const ours = [...placeholders(parse(text))].sort();
        const english = [...placeholders(parse((en as Record<string, string>)[id]!))].sort();
        expect({ id, placeholders: ours }).toEqual({ id, placeholders: english });
        if (locale !== 'en') expect({ id, text: text.trim() }).not.toEqual({ id, text: '' });
      }
    });
  }

  it('formats plurals by each language’s rules', () => {
    const typing = (locale: string, count: number, names: string) =>
      new IntlMessageFormat(CATALOGUES[locale as 'en'][`chat.typing`], locale).format({ count, names });
    expect(typing('en', 1, 'ann')).toBe('ann is typing…');
    expect(typing('en', 2, 'ann, bob')).toBe('ann, bob are typing…');
    expect(typing('de', 2, 'ann, bob')).toBe('ann, bob schreiben…');
    expect(typing('ar', 2, 'ann, bob')).toBe('ann, bob يكتبان…');
    expect(typing('ar', 3, 'a, b, c')).toBe('a, b, c يكتبون…');
  });

  it('takes the first browser language it has, else English', () => {
    expect(matchLocale(['fr-FR', 'de-AT', 'en'])).toBe('de');
    expect(matchLocale(['es-419'])).toBe('es');
    expect(matchLocale(['AR'])).toBe('ar');
    expect(matchLocale(['fr', 'ja'])).toBe('en');
    expect(matchLocale([])).toBe('en');
  });

  it('switching the language changes the text, dates and durations', () => {
    const before = getLocale();
    const day = Date.UTC(2026, 2, 5, 12);
    try {
      setLocale('de');
      expect(t('list.newChat')).toBe('Neuer Chat');
      expect(formatDate(day)).toBe('05.03.2026');
      expect(formatDuration(2 * 86400)).toBe('2 Tage');
      setLocale('es');
      expect(formatDate(day)).toBe('5 mar 2026');
      setLocale('ar');
      expect(t('composer.send')).toBe('إرسال');
      expect(formatDuration(3600)).toBe('ساعة');
      setLocale('en');
      expect(formatDuration(4 * 604800)).toBe('4 weeks');
      expect(t('list.newChat')).toBe('New chat');
    } finally {
      setLocale(before);
    }
  });
});
