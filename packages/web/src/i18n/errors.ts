/**
 * An error as a sentence in the person's language: the SDK's errors by their stable codes (the
 * catalogues' `error.<code>` messages); an error whose message is its meaning (a code whose
 * server or SDK message names the limit or the reason, or any other error) is shown by errorText.
 */
import { errorText } from '@parley/client';
import { codeOf } from '@parley/core';
import { en } from './messages/en.js';
import { type MessageId, t } from './t.js';

export function errorMessage(e: unknown): string {
  const code = codeOf(e);
  const id = `error.${code}`;
  return code !== undefined && id in en ? t(id as MessageId) : errorText(e);
}
