/** The CLI's errors: a sentence for the person at the terminal (`parley: …`, exit status 1). */
import type { ApiError } from '@parley/client';

export class CliError extends Error {}

/** An HTTP API failure as the sentence a person reads. */
export function apiError(e: unknown, server: string): never {
  const code = (e as ApiError).code;
  const messages: Record<string, string> = {
    unreachable: `cannot reach the server at ${server}`,
    wrong_password: 'wrong username or password',
    invalid_credentials: 'wrong username or password',
    username_taken: 'that username is taken',
    access_denied: 'wrong access password or invite code',
    invite_used: 'this invite code has already been used',
    invalid_username: (e as Error).message,
    rate_limited: 'too many attempts; wait a minute',
  };
  throw new CliError(messages[code] ?? (e as Error).message);
}
