/** Every error the API returns: an HTTP status, a stable code, and a message without user data. */
export type ApiErrorCode =
  | 'invalid_request'
  | 'invalid_username'
  | 'username_taken'
  | 'access_denied'
  | 'invite_used'
  | 'invalid_credentials'
  | 'login_expired'
  | 'unauthorized'
  | 'not_found'
  | 'invalid_certificate'
  | 'device_exists'
  | 'rate_limited'
  | 'payload_too_large'
  | 'internal';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: ApiErrorCode; message: string };
}

export function errorBody(code: ApiErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}
