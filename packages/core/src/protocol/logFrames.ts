/**
 * The key transparency frames (issue #21, docs/protocol.md "Key transparency"): a client asks for
 * the latest signed tree head, an inclusion proof, a consistency proof, a page of entries, or the
 * entries that logged an account's identity keys (to check a key met at first contact).
 */
import { MAX_LOG_ENTRY_BYTES } from '../transparency/entry.js';
import { HASH_BYTES } from '../transparency/merkle.js';
import { bytes, count, fixed, list, string, struct, u64, uint } from './fields.js';
import type { FrameSpec } from './frames.js';

/** Entries in one `log_entries` page. */
export const MAX_LOG_PAGE = 200;
/** Identity-key entries in one `log_identity` answer (the account's latest ones). */
export const MAX_IDENTITY_ENTRIES = 16;
/** Hashes in one proof: a tree of up to 2^64 leaves needs at most 64. */
const MAX_PROOF = 64;

/** A signed tree head as frames carry it, with the transparency key that signed it. */
export interface WireTreeHead {
  size: number;
  root: Uint8Array;
  timestamp: number;
  signature: Uint8Array;
}

/** Where one device's certificate is in the log, proved against the bundle's head. */
export interface LoggedKey {
  deviceId: string;
  index: number;
  loggedAt: number;
  path: Uint8Array[];
}

/** An entry that logged an account's identity key (registered or identity_reset), with its proof. */
export interface LoggedIdentity {
  index: number;
  /** The entry's canonical encoding (core transparency/entry.ts). */
  entry: Uint8Array;
  path: Uint8Array[];
}

export type LogClientFrame =
  | { type: 'log_head_get'; requestId: number }
  | { type: 'log_inclusion_get'; requestId: number; index: number; size: number }
  | { type: 'log_consistency_get'; requestId: number; first: number; second: number }
  | { type: 'log_entries_get'; requestId: number; start: number; limit: number }
  | { type: 'log_identity_get'; requestId: number; accountId: string };

export type LogServerFrame =
  | { type: 'log_head'; requestId: number; publicKey: Uint8Array; head: WireTreeHead }
  | { type: 'log_inclusion'; requestId: number; index: number; size: number; path: Uint8Array[] }
  | { type: 'log_consistency'; requestId: number; first: number; second: number; path: Uint8Array[] }
  | { type: 'log_entries'; requestId: number; start: number; entries: Uint8Array[] }
  | { type: 'log_identity'; requestId: number; head: WireTreeHead; entries: LoggedIdentity[] };

type Specs = {
  readonly [K in (LogClientFrame | LogServerFrame)['type']]: FrameSpec<
    Extract<LogClientFrame | LogServerFrame, { type: K }>
  >;
};

const hash = fixed(HASH_BYTES);
export const treeHeadFields = struct({ size: u64, root: hash, timestamp: u64, signature: fixed(64) });
const path = list(hash);
const pathCount = count('u16', 'path', { max: MAX_PROOF });

export const loggedKeyFields = struct({
  deviceId: string(64),
  index: u64,
  loggedAt: u64,
  n: pathCount,
  path,
});

/** An account id as frames carry it (frames.ts has the same bound). */
const account = string(128);

export const LOG_FRAMES: Specs = {
  log_head_get: { type: 20, from: 'client', fields: {} },
  log_inclusion_get: { type: 21, from: 'client', fields: { index: u64, size: u64 } },
  log_consistency_get: { type: 22, from: 'client', fields: { first: u64, second: u64 } },
  log_entries_get: { type: 23, from: 'client', fields: { start: u64, limit: uint('u16', 1, MAX_LOG_PAGE) } },
  log_identity_get: { type: 26, from: 'client', fields: { accountId: account } },
  log_head: { type: 147, from: 'server', fields: { publicKey: fixed(32), head: treeHeadFields } },
  log_inclusion: { type: 148, from: 'server', fields: { index: u64, size: u64, n: pathCount, path } },
  log_consistency: { type: 149, from: 'server', fields: { first: u64, second: u64, n: pathCount, path } },
  log_entries: {
    type: 150,
    from: 'server',
    fields: {
      start: u64,
      n: count('u16', 'entries', { max: MAX_LOG_PAGE }),
      entries: list(bytes(MAX_LOG_ENTRY_BYTES)),
    },
  },
  log_identity: {
    type: 156,
    from: 'server',
    fields: {
      head: treeHeadFields,
      n: count('u16', 'entries', { max: MAX_IDENTITY_ENTRIES }),
      entries: list(struct({ index: u64, entry: bytes(MAX_LOG_ENTRY_BYTES), n: pathCount, path })),
    },
  },
};
