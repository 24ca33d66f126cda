/**
 * First contact (issue #21): the first time this device meets an account's identity key — a member
 * of a conversation it is welcomed into, a leaf a commit adds, a GroupInfo it rejoins from — the key
 * is pinned only if the server proves it is in its key log: an entry that registered the account
 * with that key (or reset it to that key), included in a head this device accepts. A key the
 * server made up for a newcomer is then either refused here (KeyNotLoggedError) or in the log,
 * where the account's owner (monitor.ts) and any auditor see it.
 */
import {
  bytesEqual,
  decodeLogEntry,
  KeyNotLoggedError,
  type LoggedIdentity,
  LogInvalidError,
  logLeaf,
  merkle,
  SplitViewError,
  type UnknownIdentityPolicy,
  type WireTreeHead,
} from '@parley/core';
import { type Connection, TransportError } from '../transport.js';
import type { LogView } from './view.js';

/** Whether one of `entries` logs `identityKey` for `accountId` in `head`. */
export function identityLogged(
  head: WireTreeHead,
  entries: readonly LoggedIdentity[],
  accountId: string,
  identityKey: Uint8Array,
): boolean {
  return entries.some(({ index, entry, path }) => {
    let e: ReturnType<typeof decodeLogEntry>;
    try {
      e = decodeLogEntry(entry);
    } catch {
      return false;
    }
    if (e.accountId !== accountId) return false;
    if (e.kind !== 'registered' && e.kind !== 'identity_reset') return false;
    if (!bytesEqual(e.identityKey, identityKey)) return false;
    return merkle.verifyInclusion(logLeaf(entry), index, head.size, path, head.root);
  });
}

/**
 * The unknown-identity policy of a client whose server keeps a key log: ask the server for the
 * account's logged identity keys, accept its head (a split view throws), and accept the key only if
 * one of them is it, proved by inclusion. Any other answer refuses the key (KeyNotLoggedError).
 */
export function loggedOnFirstContact(
  connection: () => Connection,
  view: () => LogView,
): UnknownIdentityPolicy {
  return async (accountId, identityKey) => {
    const f = await connection().request({ type: 'log_identity_get', accountId });
    if (f.type !== 'log_identity')
      throw new LogInvalidError(
        `the server gave no key log entries (${f.type === 'error' ? f.code : f.type})`,
      );
    await view().accept(f.head, 'server');
    if (!identityLogged(f.head, f.entries, accountId, identityKey)) throw new KeyNotLoggedError(accountId);
    return true;
  };
}

/**
 * Whether a failure met while processing a message or a Welcome is this device's, not the
 * message's: the connection dropped or timed out during a key check, or the log could not be
 * trusted (a split view, already reported). Processing then stops and resumes from the same
 * message at the next sync, instead of taking the message for a broken one.
 */
export function checkInterrupted(e: unknown): boolean {
  return e instanceof TransportError || e instanceof SplitViewError || e instanceof LogInvalidError;
}
