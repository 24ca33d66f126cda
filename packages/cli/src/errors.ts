/**
 * The CLI's errors. A failure is printed as `parley: <clause>` by the client's errorText, chosen by
 * the error's code; CliError is a failure whose message is written for the person (code `usage`).
 */
import { errorText } from '@parley/client';
import { ParleyError } from '@parley/core';

export class CliError extends ParleyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage', message, options);
  }
}

/** The line to print for a failure; `server` is the one this run talks to, where known. */
export function failureLine(e: unknown, server: string | undefined): string {
  return `parley: ${errorText(e, server === undefined ? { brief: true } : { brief: true, server })}\n`;
}
