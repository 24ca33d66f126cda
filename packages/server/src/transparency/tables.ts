/** The key transparency log's tables (migrations 0021–0022). */

/** One entry of the log: `seq` is its leaf index (0, 1, 2… with no gap, in commit order). */
export interface TransparencyLogTable {
  seq: number;
  username: string;
  /** registered | device_certified | device_revoked | identity_reset | account_deleted. */
  kind: string;
  /** The device a certificate or revocation is for; null for account-wide events. */
  device_id: string | null;
  /** The canonical encoding (core transparency/entry.ts); its leaf hash is kept beside it. */
  entry: Uint8Array;
  leaf_hash: Uint8Array;
  logged_at: number;
}

/** One row (id 1): the next leaf index to claim. Claimed by an update in the appending transaction. */
export interface TransparencyStateTable {
  id: number;
  next_seq: number;
}
