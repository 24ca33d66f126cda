/** The HTTP API's errors: an HTTP status, a stable code (core's HttpErrorCode), a message without user data. */
import { type HttpErrorCode, ParleyError } from '@parley/core';

/** Every code the API returns (docs/protocol.md, "Errors"). */
export type ApiErrorCode = HttpErrorCode;

export class ApiError extends ParleyError {
  declare readonly code: ApiErrorCode;
  declare readonly status: number;
  /** Seconds the client should wait before trying again (sent as Retry-After), where known. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    status: number,
    code: ApiErrorCode,
    message: string,
    options: { retryAfterSeconds?: number } = {},
  ) {
    super(code, message, { status });
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export interface ErrorBody {
  error: { code: ApiErrorCode; message: string };
}

export function errorBody(code: ApiErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}
