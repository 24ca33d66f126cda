/**
 * The search box over the conversation list (pure view): words to look for in this device's own
 * history, and the messages found, each opening its conversation.
 */
import type { SearchResult } from '@parley/client';
import { useState } from 'react';
import { t } from '../i18n/t.js';
import { formatMoment } from '../time.js';

interface Props {
  /** The last search and what it found; undefined: none shown. */
  search: { query: string; results: readonly SearchResult[] } | undefined;
  titleOf: (conversation: string) => string;
  onSearch: (words: string) => void;
  onClear: () => void;
  onOpen: (result: SearchResult) => void;
}

export function SearchBox({ search, titleOf, onSearch, onClear, onOpen }: Props) {
  const [words, setWords] = useState('');
  return (
    <search className="search">
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (words.trim() === '') onClear();
          else onSearch(words);
        }}
      >
        <input
          type="search"
          name="search"
          aria-label={t('search.label')}
          placeholder={t('search.placeholder')}
          value={words}
          onChange={(e) => {
            setWords(e.target.value);
            if (e.target.value === '') onClear();
          }}
        />
      </form>
      {search !== undefined && (
        <ul className="search-results" aria-label={t('search.results', { query: search.query })}>
          {search.results.length === 0 && <li className="muted small">{t('search.none')}</li>}
          {search.results.map((r) => (
            <li key={`${r.groupId}:${r.id}`}>
              <button
                type="button"
                className="search-result"
                onClick={() => {
                  setWords('');
                  onOpen(r);
                }}
              >
                <span className="conversation-title">{titleOf(r.conversation)}</span>
                <span className="muted small">
                  {r.from} · {formatMoment(r.sentAt)}
                </span>
                <span className="conversation-last">{r.snippet}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </search>
  );
}
