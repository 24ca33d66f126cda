/** What the person typed or chose, checked against core's limits before anything is sent (in words). */
import { MAX_CONVERSATION_NAME_BYTES, MAX_TEXT_BYTES, utf8 } from '@parley/core';
import { displayName } from '../format.js';
import { t } from '../i18n/t.js';
import { MAX_PEOPLE_AT_ONCE } from './chatState.js';

/** A group name as typed, trimmed and checked against core's limit. */
export function checkGroupName(name: string): string {
  const n = name.trim();
  if (n.length === 0) throw new Error(t('check.groupNameEmpty'));
  if (utf8(n).length > MAX_CONVERSATION_NAME_BYTES) throw new Error(t('check.groupNameLong'));
  return n;
}

/** A message's text as typed, trimmed (empty: nothing to send) and checked against core's limit. */
export function checkText(text: string): string {
  const trimmed = text.trim();
  if (utf8(trimmed).length > MAX_TEXT_BYTES) throw new Error(t('check.textLong'));
  return trimmed;
}

export function checkPeopleCount(accountIds: string[]): void {
  if (accountIds.length > MAX_PEOPLE_AT_ONCE)
    throw new Error(t('check.tooManyPeople', { max: MAX_PEOPLE_AT_ONCE }));
}

/** A file that could not be sent, and why. */
export function notSentError(name: string, e: unknown): Error {
  return new Error(
    t('file.notSent', { name: displayName(name), reason: e instanceof Error ? e.message : String(e) }),
  );
}
