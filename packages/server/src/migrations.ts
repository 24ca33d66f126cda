/**
 * The schema's versioned migrations (Kysely Migrator), one function per version, for SQLite and
 * PostgreSQL alike; `bytes` is the dialect's binary column type. Never edit a released migration:
 * add the next one.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './db.js';

type Bytes = 'blob' | 'bytea';

async function m0001AccountsDevicesSessions(db: Kysely<unknown>, bytes: Bytes): Promise<void> {
  await db.schema
    .createTable('server_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('accounts')
    .addColumn('username', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('identity_key', bytes, (c) => c.notNull())
    .addColumn('opaque_record', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('devices')
    .addColumn('username', 'text', (c) => c.notNull().references('accounts.username'))
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('device_key', bytes, (c) => c.notNull().unique())
    .addColumn('certificate', bytes, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('revocation', bytes)
    .addPrimaryKeyConstraint('devices_pk', ['username', 'device_id'])
    .execute();
  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', bytes, (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().references('accounts.username'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('invites')
    .addColumn('code_hash', bytes, (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('used_by', 'text')
    .execute();
}

async function m0002KeyPackages(db: Kysely<unknown>, bytes: Bytes): Promise<void> {
  await db.schema
    .createTable('key_packages')
    .addColumn('ref', bytes, (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('cipher_suite', 'text', (c) => c.notNull())
    .addColumn('data', bytes, (c) => c.notNull())
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
}

async function m0003GroupsAndDelivery(db: Kysely<unknown>, bytes: Bytes): Promise<void> {
  await db.schema
    .createTable('groups')
    .addColumn('group_id', bytes, (c) => c.primaryKey())
    .addColumn('cipher_suite', 'text', (c) => c.notNull())
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .addColumn('next_seq', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('group_members')
    .addColumn('group_id', bytes, (c) => c.notNull().references('groups.group_id'))
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('leaf_index', 'integer', (c) => c.notNull())
    .addColumn('joined_seq', 'bigint', (c) => c.notNull())
    .addColumn('removed_seq', 'bigint')
    .addColumn('acked_seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'username', 'device_id'])
    .execute();
  await db.schema
    .createIndex('group_members_by_device')
    .on('group_members')
    .columns(['username', 'device_id'])
    .execute();
  await db.schema
    .createTable('messages')
    .addColumn('group_id', bytes, (c) => c.notNull().references('groups.group_id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('message_id', bytes, (c) => c.notNull())
    .addColumn('sender_username', 'text', (c) => c.notNull())
    .addColumn('sender_device', 'text', (c) => c.notNull())
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'integer', (c) => c.notNull())
    .addColumn('data', bytes, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('messages_pk', ['group_id', 'seq'])
    .addUniqueConstraint('messages_message_id', ['group_id', 'message_id'])
    .execute();
  await db.schema
    .createTable('proposals')
    .addColumn('group_id', bytes, (c) => c.notNull())
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .addColumn('ref', bytes, (c) => c.notNull())
    .addColumn('data', bytes, (c) => c.notNull())
    .addPrimaryKeyConstraint('proposals_pk', ['group_id', 'ref'])
    .execute();
  await db.schema
    .createTable('welcomes')
    .addColumn('group_id', bytes, (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('data', bytes, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('welcomes_pk', ['group_id', 'username', 'device_id'])
    .execute();
}

async function m0004Presence(db: Kysely<unknown>, _bytes: Bytes): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('last_seen', 'bigint').execute();
}

async function m0005GroupInfo(db: Kysely<unknown>, bytes: Bytes): Promise<void> {
  await db.schema.alterTable('groups').addColumn('group_info', bytes).execute();
  await db.schema.alterTable('groups').addColumn('group_info_epoch', 'bigint').execute();
}

async function m0006DeviceLinks(db: Kysely<unknown>, bytes: Bytes): Promise<void> {
  await db.schema
    .createTable('device_links')
    .addColumn('slot', bytes, (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('sealed', bytes, (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

/** Each group's public MLS state (tree, GroupContext, interim hash) at the epoch the log is at. */
async function m0007GroupPublicState(db: Kysely<unknown>, bytes: Bytes): Promise<void> {
  await db.schema
    .createTable('group_public_state')
    .addColumn('group_id', bytes, (c) => c.primaryKey())
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .addColumn('state', bytes, (c) => c.notNull())
    .execute();
}

const steps: ReadonlyArray<[string, (db: Kysely<unknown>, bytes: Bytes) => Promise<void>]> = [
  ['0001_accounts_devices_sessions', m0001AccountsDevicesSessions],
  ['0002_key_packages', m0002KeyPackages],
  ['0003_groups_and_delivery', m0003GroupsAndDelivery],
  ['0004_presence', m0004Presence],
  ['0005_group_info', m0005GroupInfo],
  ['0006_device_links', m0006DeviceLinks],
  ['0007_group_public_state', m0007GroupPublicState],
];

/** Every migration by name, for the dialect's column types. */
export function migrations(dialect: Dialect): Record<string, Migration> {
  const bytes: Bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  return Object.fromEntries(
    steps.map(([name, up]) => [name, { up: (db: Kysely<unknown>) => up(db, bytes) }]),
  );
}
