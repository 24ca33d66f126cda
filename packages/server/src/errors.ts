/** The HTTP API's errors: an HTTP status, a stable code (core's HttpErrorCode), a message without user data. */
import { type HttpErrorCode, ParleyError } from '@parley/core';

/** Every code the API returns (docs/protocol.md, "Errors"). */
export type ApiErrorCode = HttpErrorCode;

export class ApiError extends ParleyError {
  declare readonly code: ApiErrorCode;
  declare readonly status: number;
  constructor(status: number, code: ApiErrorCode, message: string) {
    super(code, message, { status });
  }
}

export interface ErrorBody {
  error: { code: ApiErrorCode; message: string };
}

export function errorBody(code: ApiErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}
