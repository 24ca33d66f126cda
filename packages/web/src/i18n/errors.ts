/**
 * An error as a sentence in the person's language: the SDK's errors by their stable codes (the
 * catalogues' `error.<code>` messages); an error whose message is its meaning (a code whose
 * server or SDK message names the limit or the reason) by a translated lead (`errorLead.<code>`)
 * followed by that message; any other error by errorText.
 */
import { errorText } from '@parley/client';
import { codeOf } from '@parley/core';
import { en } from './messages/en.js';
import { type MessageId, t } from './t.js';

export function errorMessage(e: unknown): string {
  const code = codeOf(e);
  if (code === undefined) return errorText(e);
  const id = `error.${code}`;
  if (id in en) return t(id as MessageId);
  // A code whose message is its meaning: what kind of failure in the person's language, then the
  // message itself (the server's or the SDK's words, which name the limit, the line or the rule).
  const lead = `errorLead.${code}`;
  if (lead in en) return t(lead as MessageId, { detail: errorText(e, { brief: true }) });
  return errorText(e);
}
