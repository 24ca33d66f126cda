/** What a client raises when the server's key transparency log does not check out (issue #21). */
import { ParleyError } from '../errors.js';
import type { SignedTreeHead } from './head.js';

/** A head not signed by the pinned transparency key, or a proof that does not verify. */
export class LogInvalidError extends ParleyError {
  constructor(message: string) {
    super('log_invalid', message);
  }
}

/** A key handed out without a proof that it is in the log. */
export class KeyNotLoggedError extends ParleyError {
  constructor(
    readonly accountId: string,
    /** The device whose certificate is not proved; undefined for an identity key (first contact). */
    readonly deviceId?: string,
  ) {
    super('key_not_logged', 'the server handed out a key without proving it is in its key log');
  }
}

/** The server said an account was deleted without proving the deletion is in the log. */
export class DeletionNotLoggedError extends ParleyError {
  constructor(readonly accountId: string) {
    super('deletion_not_logged', 'the server said an account was deleted without proving it in its key log');
  }
}

/**
 * The server showed two histories: two signed heads that no append-only log can both have (same
 * size, different roots, or no consistency proof between them). Both heads are signed by the
 * server's transparency key, so together they prove the split to anyone.
 */
export class SplitViewError extends ParleyError {
  constructor(
    readonly heads: readonly [SignedTreeHead, SignedTreeHead],
    /** Where the second head came from: the server itself, or a conversation member's gossip. */
    readonly source: 'server' | 'gossip',
  ) {
    super('log_split_view', 'the server showed two different histories of its key log');
  }
}
