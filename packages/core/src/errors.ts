/**
 * Parley's error values. Every error carries a stable machine-readable `code`; messages never contain
 * user data, plaintext or key material. Errors raised by ts-mls are translated by `fromMlsError`.
 * The codes themselves are listed in errorCodes.ts.
 */
import {
  CodecError as MlsCodecError,
  CryptoError as MlsCryptoError,
  CryptoVerificationError as MlsCryptoVerificationError,
  MlsError,
  UsageError as MlsUsageError,
  ValidationError as MlsValidationError,
} from 'ts-mls/mlsError.js';

import type { ErrorCode } from './errorCodes.js';

export * from './errorCodes.js';

/**
 * The one error base of Parley: every error any package raises on purpose is a ParleyError (or a
 * subclass), told apart by its `code`, never by its message. `status` is the HTTP status, where one
 * applies (errors of the HTTP API, on the server and as the client received them).
 */
export class ParleyError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options?.status;
    this.name = new.target.name;
  }
}

/** The code of a Parley error; undefined for anything else (a bug, a platform error). */
export function codeOf(error: unknown): ErrorCode | undefined {
  return error instanceof ParleyError ? error.code : undefined;
}

/** Whether `error` is a Parley error with this code (whichever package and class raised it). */
export function is<C extends ErrorCode>(error: unknown, code: C): error is ParleyError & { code: C } {
  return codeOf(error) === code;
}

/** Bytes that do not decode, or exceed a size limit. */
export class DecodeError extends ParleyError {
  constructor(message: string, code: 'decode_error' | 'too_large' = 'decode_error') {
    super(code, message);
  }
}

/** A signature, MAC or AEAD tag did not verify, or a key was wrong. */
export class CryptoError extends ParleyError {}

/** A credential, certificate or identity key was not acceptable. */
export class IdentityError extends ParleyError {}

/**
 * The identity key presented for an account differs from the one pinned for it: either the person
 * reinstalled and has a new identity, or someone (a server) is impersonating them. The application
 * must warn and let the person decide; it carries what it needs to show and to accept the new key.
 */
export class IdentityKeyMismatchError extends IdentityError {
  constructor(
    readonly accountId: string,
    readonly presentedKey: Uint8Array,
  ) {
    super('identity_key_mismatch', 'the identity key presented for this account differs from the pinned one');
  }
}

/** An MLS message was rejected by the group protocol. */
export class GroupError extends ParleyError {}

/** The API was called in a way it does not support. */
export class UsageError extends ParleyError {
  constructor(message: string) {
    super('usage', message);
  }
}

/**
 * Translate an error thrown inside ts-mls (or one of ours passing through it) into a ParleyError.
 * Our own errors (thrown by the AuthenticationService, for instance) pass through unchanged.
 */
export function fromMlsError(e: unknown, fallback: ErrorCode = 'invalid_message'): ParleyError {
  if (e instanceof ParleyError) return e;
  if (e instanceof MlsError) {
    const message = e.message;
    // ts-mls deletes a message key once used: a second message for the same generation is a replay
    // (or older than the retention window, which Parley treats the same way).
    if (/desired gen in the past/i.test(message)) {
      return new GroupError('replayed_message', `MLS: ${message}`, { cause: e });
    }
    if (/epoch too old|validate epoch/i.test(message)) {
      return new GroupError('wrong_epoch', `MLS: ${message}`, { cause: e });
    }
    if (e instanceof MlsCryptoVerificationError)
      return new CryptoError('bad_signature', `MLS: ${message}`, { cause: e });
    if (e instanceof MlsCryptoError)
      return new CryptoError('decrypt_failed', `MLS: ${message}`, { cause: e });
    if (e instanceof MlsCodecError) return new DecodeError(`MLS: ${message}`);
    if (e instanceof MlsValidationError) return new GroupError(fallback, `MLS: ${message}`, { cause: e });
    if (e instanceof MlsUsageError) return new GroupError(fallback, `MLS: ${message}`, { cause: e });
    return new GroupError(fallback, `MLS: ${message}`, { cause: e });
  }
  // WebCrypto's OperationError on a failed AES-GCM tag check, and similar.
  if (e instanceof Error && (e.name === 'OperationError' || /decrypt|authenticat/i.test(e.message))) {
    return new CryptoError('decrypt_failed', 'decryption failed', { cause: e });
  }
  return new GroupError(fallback, e instanceof Error ? e.message : 'unknown error', { cause: e });
}
