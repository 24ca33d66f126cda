/**
 * Storage: one query layer (Kysely) over SQLite (better-sqlite3, WAL) by default. Queries stay
 * portable so PostgreSQL can follow (issue #6): text primary keys, no SQLite-only syntax.
 * Migrations are versioned and run at start-up.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type Migration, type MigrationProvider, Migrator, SqliteDialect } from 'kysely';

export interface AccountsTable {
  /** The canonical username (@parley/core's canonicalUsername), which is also the account id. */
  username: string;
  /** The username as the person typed it, for display. */
  display_name: string;
  identity_key: Uint8Array;
  /** OPAQUE registration record (RFC 9807 §5.1.3); not a password hash. */
  opaque_record: string;
  created_at: number;
}

export interface DevicesTable {
  username: string;
  device_id: string;
  device_key: Uint8Array;
  certificate: Uint8Array;
  created_at: number;
  revoked_at: number | null;
  revocation: Uint8Array | null;
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

export interface ServerStateTable {
  key: string;
  value: string;
}

export interface Database {
  accounts: AccountsTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  invites: InvitesTable;
  server_state: ServerStateTable;
  key_packages: KeyPackagesTable;
}

export type Db = Kysely<Database>;

const migrations: Record<string, Migration> = {
  '0001_accounts_devices_sessions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('server_state')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('accounts')
        .addColumn('username', 'text', (c) => c.primaryKey())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('identity_key', 'blob', (c) => c.notNull())
        .addColumn('opaque_record', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('devices')
        .addColumn('username', 'text', (c) => c.notNull().references('accounts.username'))
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('device_key', 'blob', (c) => c.notNull().unique())
        .addColumn('certificate', 'blob', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('revocation', 'blob')
        .addPrimaryKeyConstraint('devices_pk', ['username', 'device_id'])
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'blob', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().references('accounts.username'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('invites')
        .addColumn('code_hash', 'blob', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('used_by', 'text')
        .execute();
    },
  },
  '0002_key_packages': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('key_packages')
        .addColumn('ref', 'blob', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('cipher_suite', 'text', (c) => c.notNull())
        .addColumn('data', 'blob', (c) => c.notNull())
        .addColumn('last_resort', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addForeignKeyConstraint('key_packages_device', ['username', 'device_id'], 'devices', [
          'username',
          'device_id',
        ])
        .execute();
      await db.schema
        .createIndex('key_packages_by_device')
        .on('key_packages')
        .columns(['username', 'device_id', 'cipher_suite', 'last_resort', 'created_at'])
        .execute();
    },
  },
};

const provider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

export async function migrate(db: Kysely<unknown>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed !== undefined) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}

/** Open (creating if needed) the SQLite database in the data directory, migrated to the latest version. */
export async function openSqlite(dataDir: string): Promise<Db> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const sqlite = new SQLite(join(dataDir, 'parley.sqlite3'));
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before the server acknowledges it, so a crash loses nothing accepted.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db as unknown as Kysely<unknown>);
  return db;
}
