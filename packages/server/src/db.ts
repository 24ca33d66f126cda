/**
 * Storage: one query layer (Kysely) over SQLite (better-sqlite3, WAL) by default, or PostgreSQL
 * (`pg`) when a database URL is configured, so several server processes can share it. Queries stay
 * portable: text primary keys, no dialect-only syntax; only the byte-string column type differs
 * (blob / bytea). Migrations are versioned and run at start-up (on PostgreSQL under Kysely's
 * advisory lock, so nodes starting together migrate once).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Generated, Kysely, type MigrationProvider, Migrator, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { migrations } from './migrations.js';
import { durableSqliteDialect, type Fsync } from './sqliteDriver.js';
import type { TransparencyLogTable, TransparencyStateTable } from './transparency/tables.js';

export interface AccountsTable {
  /** The canonical username (@parley/core's canonicalUsername), which is also the account id. */
  username: string;
  /** The username as the person typed it, for display. */
  display_name: string;
  identity_key: Uint8Array;
  /** OPAQUE registration record (RFC 9807 §5.1.3); not a password hash. */
  opaque_record: string;
  created_at: number;
  /** When the account's last device disconnected (presence); null if never connected. */
  last_seen: number | null;
  /**
   * The name's confusable skeleton (lookalikes.ts), unique: a name that looks like a taken one is
   * taken. Null only for an account that already looked like an older one when this was added.
   */
  skeleton: string | null;
  /** 1 while the account shares its presence with its contacts (and sees theirs); 0 when switched off. */
  share_presence: Generated<number>;
  /** When the operator disabled the account (moderation/): it cannot sign in or connect; null: enabled. */
  disabled_at: number | null;
}

export interface DevicesTable {
  username: string;
  device_id: string;
  device_key: Uint8Array;
  certificate: Uint8Array;
  created_at: number;
  revoked_at: number | null;
  revocation: Uint8Array | null;
  /** The device's name and platform, sealed by the account's devices (core deviceLabel.ts): opaque here. */
  label: Uint8Array | null;
  /** When an authenticated connection of the device last opened (deviceSeen.ts). */
  connected_at: number | null;
  /** When the device's last connection on a node closed. */
  disconnected_at: number | null;
}

export interface SessionsTable {
  /** SHA-256 of the bearer token; the token itself is never stored. */
  token_hash: Uint8Array;
  username: string;
  created_at: number;
  expires_at: number;
}

export interface InvitesTable {
  /** SHA-256 of the invite code. */
  code_hash: Uint8Array;
  created_at: number;
  used_at: number | null;
  used_by: string | null;
}

export interface KeyPackagesTable {
  /** KeyPackageRef (RFC 9420 §5.2), how Welcomes name the package. */
  ref: Uint8Array;
  username: string;
  device_id: string;
  cipher_suite: string;
  /** The MLSMessage-framed KeyPackage, as uploaded. */
  data: Uint8Array;
  /** 1 for the device's last-resort package (handed out repeatedly, never deleted on claim). */
  last_resort: number;
  created_at: number;
}

export interface GroupsTable {
  group_id: Uint8Array;
  cipher_suite: string;
  /** The MLS epoch the server last accepted a commit for (0 at creation). */
  epoch: number;
  /** The sequence number the next message in this group's log gets. */
  next_seq: number;
  created_by: string;
  created_at: number;
}

/** The latest GroupInfo a member uploaded (with ratchet tree and external_pub), for rejoining. */
export interface GroupInfosTable {
  group_id: Uint8Array;
  /** The epoch it is for. */
  epoch: number;
  data: Uint8Array;
}

/**
 * A group's public MLS state (packages/core publicGroup) at `epoch`, which is the group's epoch
 * whenever the row exists and is current; groups from before it have no row until bootstrapped.
 */
export interface GroupPublicStateTable {
  group_id: Uint8Array;
  epoch: number;
  state: Uint8Array;
}

export interface GroupMembersTable {
  group_id: Uint8Array;
  username: string;
  device_id: string;
  leaf_index: number;
  /** Messages after this sequence number are for this device. */
  joined_seq: number;
  /** The commit that removed the device; it sees nothing after it. */
  removed_seq: number | null;
  /** The device's delivery cursor: everything up to here is acknowledged. */
  acked_seq: number;
  /**
   * 1 once the device holds the group's state: it created the group, joined by external commit,
   * acknowledged its Welcome as used, or acknowledged a message. Presence counts only such devices.
   */
  accepted: number;
}

export interface MessagesTable {
  group_id: Uint8Array;
  seq: number;
  /** Client-chosen id: a retried send is stored once. */
  message_id: Uint8Array;
  sender_username: string;
  sender_device: string;
  epoch: number;
  /** 0 application, 1 proposal, 2 commit. */
  kind: number;
  data: Uint8Array;
  created_at: number;
  /** Disappearing messages: when the expiry sweep deletes it (fetch never returns it after). */
  expires_at: number | null;
}

export interface ProposalsTable {
  group_id: Uint8Array;
  epoch: number;
  ref: Uint8Array;
  data: Uint8Array;
}

export interface WelcomesTable {
  group_id: Uint8Array;
  username: string;
  device_id: string;
  seq: number;
  data: Uint8Array;
  created_at: number;
}

export interface ServerStateTable {
  key: string;
  value: string;
}

/** A new device's sealed identity, waiting to be picked up on the new machine (device linking). */
export interface DeviceLinksTable {
  /** Derived from the link code (the server never sees the code, nor the key the blob is sealed with). */
  slot: Uint8Array;
  username: string;
  sealed: Uint8Array;
  expires_at: number;
}

export interface TransferTicketsTable {
  /** SHA-256 of the ticket; the ticket itself is never stored. */
  token_hash: Uint8Array;
  username: string;
  device_id: string;
  expires_at: number;
}

export interface BlocksTable {
  blocker: string;
  blocked: string;
  created_at: number;
}

export interface ReportsTable {
  id: string;
  reporter: string;
  reported: string;
  group_id: string;
  message_id: string;
  sent_at: number;
  /** What the reporter revealed: JSON `{text, file?}`. */
  content: string;
  reason: string;
  created_at: number;
  resolved_at: number | null;
}

/** An attachment's encrypted bytes as the server holds them (blobs/): opaque, never decrypted here. */
export interface BlobsTable {
  /** 32 lowercase hex characters (128 random bits): the tus upload id and the download path. */
  id: string;
  username: string;
  device_id: string;
  group_id: Uint8Array;
  /** The declared Upload-Length: what the blob counts against the account's quota from creation. */
  length: number;
  /** 1 once every byte arrived. */
  complete: number;
  /** The log position of the message that carries it; null until a `send` attaches it. */
  seq: number | null;
  /** The carrying message's expiry (disappearing messages), or null. */
  expires_at: number | null;
  created_at: number;
}

/** The database blob store's bytes: pieces of at most 1 MiB, by their offset in the blob. */
export interface BlobChunksTable {
  blob_id: string;
  offset: number;
  size: number;
  data: Uint8Array;
}

/** A deleted account's tombstone: its name and lookalikes stay refused until free_at. */
export interface DeletedAccountsTable {
  username: string;
  skeleton: string;
  deleted_at: number;
  free_at: number;
}

/** An account's identity key replaced with the password alone (identityReset.ts). */
export interface IdentityResetsTable {
  username: string;
  reset_at: number;
  former_identity_key: Uint8Array;
  identity_key: Uint8Array;
  revoked_devices: number;
}

export interface Database {
  accounts: AccountsTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  invites: InvitesTable;
  server_state: ServerStateTable;
  key_packages: KeyPackagesTable;
  groups: GroupsTable;
  group_infos: GroupInfosTable;
  group_members: GroupMembersTable;
  messages: MessagesTable;
  proposals: ProposalsTable;
  welcomes: WelcomesTable;
  device_links: DeviceLinksTable;
  group_public_state: GroupPublicStateTable;
  transfer_tickets: TransferTicketsTable;
  blocks: BlocksTable;
  reports: ReportsTable;
  blobs: BlobsTable;
  blob_chunks: BlobChunksTable;
  deleted_accounts: DeletedAccountsTable;
  identity_resets: IdentityResetsTable;
  transparency_log: TransparencyLogTable;
  transparency_state: TransparencyStateTable;
}

export type Db = Kysely<Database>;

export type Dialect = 'sqlite' | 'postgres';

export async function migrate(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const provider: MigrationProvider = {
    async getMigrations() {
      return migrations(dialect);
    },
  };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed !== undefined) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}

/**
 * The connection's page cache, KiB. better-sqlite3 builds SQLite with a 16 MB default, which a
 * server's connection fills once its file is that large: resident memory for pages the OS's file
 * cache holds anyway. A message's writes touch its group's last pages of the table and of two
 * indexes (a few hundred pages for hundreds of busy groups), which 4 MB keeps.
 */
const PAGE_CACHE_KIB = 4000;

/**
 * Open (creating if needed) the SQLite database in the data directory, migrated to the latest version.
 * `sync`: how the driver flushes the WAL (the default: fsync on libuv's thread pool).
 */
export async function openSqlite(dataDir: string, sync?: Fsync): Promise<Db> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'parley.sqlite3');
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL: SQLite does not flush the WAL at each commit; the driver does, off the event loop, and
  // reports a commit only once it is on disk (sqliteDriver.ts), so a crash loses nothing accepted.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  // No busy_timeout: the driver waits for a busy lock on a timer, off the event loop (sqliteDriver.ts).
  const db = new Kysely<Database>({ dialect: durableSqliteDialect(sqlite, file, sync) });
  await migrate(db as unknown as Kysely<unknown>, 'sqlite');
  return db;
}

/** PostgreSQL's int8 (OID 20) as a JS number: every bigint Parley stores is a count or a time in ms. */
function int8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError('int8 value beyond the safe integer range');
  return n;
}

const INT8_OID = 20;

/** Open the PostgreSQL database at `url` (a pool of `poolSize` connections), migrated to the latest version. */
export async function openPostgres(url: string, poolSize = 10): Promise<Db> {
  // Loaded only by a server configured for PostgreSQL: a SQLite server does not carry the driver.
  const { default: driver } = await import('pg');
  const pool = new driver.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 10_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary'
          ? int8
          : driver.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection that breaks is dropped by the pool; the next query reports the failure.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db as unknown as Kysely<unknown>, 'postgres');
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return db;
}

/** The configured database: PostgreSQL when a URL is given, else the SQLite file in `dataDir`. */
export function openDatabase(config: { database?: string; dataDir: string }): Promise<Db> {
  return config.database !== undefined ? openPostgres(config.database) : openSqlite(config.dataDir);
}
