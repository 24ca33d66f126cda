/**
 * The CLI's errors. A failure is printed as `parley: <clause>` by the client's errorText, chosen by
 * the error's code; CliError is a failure whose message is written for the person (code `usage`).
 */
import { errorText } from '@parley/client';
import { codeOf, type ErrorCode, ParleyError } from '@parley/core';

export class CliError extends ParleyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage', message, options);
  }
}

/** What to do about a failure, in the terminal's own words (the web app gives its own advice). */
const TERMINAL_HINTS: Partial<Record<ErrorCode, string>> = {
  auth_failed: 'link it again with `parley devices add` on another device',
};

/** The line to print for a failure; `server` is the one this run talks to, where known. */
export function failureLine(e: unknown, server: string | undefined): string {
  const clause = errorText(e, server === undefined ? { brief: true } : { brief: true, server });
  const code = codeOf(e);
  const hint = code === undefined ? undefined : TERMINAL_HINTS[code];
  return `parley: ${clause}${hint === undefined ? '' : `: ${hint}`}\n`;
}
