/** The language switch (sign-in screen, Privacy dialog): each language listed in its own name; the choice is kept on this browser. */
import { useId } from 'react';
import { LOCALE_NAMES, LOCALES, type Locale, setLocale, useLocale } from '../i18n/locale.js';
import { t } from '../i18n/t.js';

export function LanguageSelect() {
  const locale = useLocale();
  const id = useId();
  return (
    <span className="language">
      <label htmlFor={id}>{t('language.label')}</label>
      <select id={id} name="language" value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LOCALE_NAMES[l]}
          </option>
        ))}
      </select>
    </span>
  );
}
