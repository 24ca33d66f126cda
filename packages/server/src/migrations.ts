/**
 * The schema's versioned migrations (Kysely Migrator), one function per version, for SQLite and
 * PostgreSQL alike; `bytes` is the dialect's binary column type. Never edit a released migration:
 * add the next one.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './db.js';
import { usernameSkeleton } from './lookalikes.js';
import { m0021TransparencyLog, m0022TransparencyBackfill } from './transparency/migration.js';

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

/**
 * Presence only between accounts that have both joined a conversation (#15): `accepted` marks a
 * member device that holds the group's state (it created the group, joined by external commit,
 * acknowledged its Welcome as used, or acknowledged a message); `share_presence` is the account's
 * switch. Existing rows count as joined when the device created the group, acknowledged a message
 * after joining, or sent one: a device that dropped a Welcome it could not open did none of these.
 */
async function m0008PresenceJoined(db: Kysely<unknown>, _bytes: Bytes): Promise<void> {
  await db.schema
    .alterTable('group_members')
    .addColumn('accepted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('accounts')
    .addColumn('share_presence', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await sql`
    update group_members set accepted = 1
    where joined_seq = 0 or acked_seq > joined_seq or exists (
      select 1 from messages m
      where m.group_id = group_members.group_id and m.sender_username = group_members.username
        and m.sender_device = group_members.device_id and m.seq >= group_members.joined_seq)`.execute(db);
}

/**
 * Each account's confusable skeleton (lookalikes.ts), unique, so a new name that looks like an
 * existing one is refused. Existing accounts that already look alike stay: the oldest keeps the
 * skeleton, the others get none (NULLs never collide), and every later lookalike is still refused.
 */
async function m0009UsernameSkeleton(db: Kysely<unknown>, _bytes: Bytes): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('skeleton', 'text').execute();
  const accounts = await sql<{ username: string }>`
    select username from accounts order by created_at, username`.execute(db);
  const seen = new Set<string>();
  for (const { username } of accounts.rows) {
    const skeleton = usernameSkeleton(username);
    if (seen.has(skeleton)) continue;
    seen.add(skeleton);
    await sql`update accounts set skeleton = ${skeleton} where username = ${username}`.execute(db);
  }
  await db.schema.createIndex('accounts_skeleton').unique().on('accounts').column('skeleton').execute();
}

/**
 * Each device's sealed label (name and platform, which only the account's devices can open) and
 * when it last connected and disconnected, for the account's own devices list.
 */
async function m0011DeviceLabels(db: Kysely<unknown>, bytes: Bytes): Promise<void> {
  await db.schema.alterTable('devices').addColumn('label', bytes).execute();
  await db.schema.alterTable('devices').addColumn('connected_at', 'bigint').execute();
  await db.schema.alterTable('devices').addColumn('disconnected_at', 'bigint').execute();
}

/**
 * Disappearing messages: when the server deletes a message (ms since the epoch; NULL: kept as
 * retention says), indexed for the expiry sweep (expiry.ts).
 */
async function m0012MessageExpiry(db: Kysely<unknown>, _bytes: Bytes): Promise<void> {
  await db.schema.alterTable('messages').addColumn('expires_at', 'bigint').execute();
  await db.schema.createIndex('messages_expires_at').on('messages').column('expires_at').execute();
}

/**
 * Attachments (blobs/): each uploaded blob's row, indexed for the account's quota sum and for the
 * sweeps (by message, by expiry, unattached by age); and the database blob store's chunks.
 */
async function m0013Blobs(db: Kysely<unknown>, bytes: Bytes): Promise<void> {
  await db.schema
    .createTable('blobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('group_id', bytes, (c) => c.notNull())
    .addColumn('length', 'bigint', (c) => c.notNull())
    .addColumn('complete', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('seq', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('blobs_username').on('blobs').columns(['username', 'complete']).execute();
  await db.schema.createIndex('blobs_message').on('blobs').columns(['group_id', 'seq']).execute();
  await db.schema.createIndex('blobs_expires_at').on('blobs').column('expires_at').execute();
  await db.schema.createIndex('blobs_created_at').on('blobs').columns(['seq', 'created_at']).execute();
  await db.schema
    .createTable('blob_chunks')
    .addColumn('blob_id', 'text', (c) => c.notNull())
    .addColumn('offset', 'bigint', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('data', bytes, (c) => c.notNull())
    .addPrimaryKeyConstraint('blob_chunks_pk', ['blob_id', 'offset'])
    .execute();
}

/**
 * Transfer tickets: short-lived bearer tokens a device's authenticated connection hands out for the
 * attachment routes (transferTickets.ts); only their SHA-256 is stored.
 */
async function m0014TransferTickets(db: Kysely<unknown>, bytes: Bytes): Promise<void> {
  await db.schema
    .createTable('transfer_tickets')
    .addColumn('token_hash', bytes, (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('transfer_tickets_expiry')
    .on('transfer_tickets')
    .column('expires_at')
    .execute();
}

/** Moderation: when the operator disabled an account (NULL: enabled), indexed for the nodes' watch. */
async function m0015AccountDisabled(db: Kysely<unknown>, _bytes: Bytes): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('disabled_at', 'bigint').execute();
  await db.schema.createIndex('accounts_disabled_at').on('accounts').column('disabled_at').execute();
}

/** Blocks between accounts (blocks.ts): presence stops flowing between the two. */
async function m0016Blocks(db: Kysely<unknown>, _bytes: Bytes): Promise<void> {
  await db.schema
    .createTable('blocks')
    .addColumn('blocker', 'text', (c) => c.notNull())
    .addColumn('blocked', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('blocks_pk', ['blocker', 'blocked'])
    .execute();
  await db.schema.createIndex('blocks_by_blocked').on('blocks').columns(['blocked', 'blocker']).execute();
}

/** Messages people reported to the operator (http/reports.ts), by when they came. */
async function m0017Reports(db: Kysely<unknown>, _bytes: Bytes): Promise<void> {
  await db.schema
    .createTable('reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reporter', 'text', (c) => c.notNull())
    .addColumn('reported', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('reports_by_reporter')
    .on('reports')
    .columns(['reporter', 'created_at'])
    .execute();
}

/**
 * Deleted accounts' tombstones (accountDeletion.ts): the name and its confusable skeleton stay
 * reserved until `free_at`, then the job frees them; `deleted_at` is indexed for the nodes' watch.
 */
async function m0018DeletedAccounts(db: Kysely<unknown>, _bytes: Bytes): Promise<void> {
  await db.schema
    .createTable('deleted_accounts')
    .addColumn('username', 'text', (c) => c.primaryKey())
    .addColumn('skeleton', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint', (c) => c.notNull())
    .addColumn('free_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('deleted_accounts_skeleton')
    .on('deleted_accounts')
    .column('skeleton')
    .execute();
  await db.schema
    .createIndex('deleted_accounts_deleted_at')
    .on('deleted_accounts')
    .column('deleted_at')
    .execute();
  await db.schema.createIndex('deleted_accounts_free_at').on('deleted_accounts').column('free_at').execute();
}

/**
 * Identity resets (identityReset.ts): each time an account replaced its identity key with the
 * password alone, the key it had and the one it took, and how many devices that revoked; the
 * route counts an account's recent ones (its rate limit) and the operator can list them.
 */
async function m0019IdentityResets(db: Kysely<unknown>, bytes: Bytes): Promise<void> {
  await db.schema
    .createTable('identity_resets')
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('reset_at', 'bigint', (c) => c.notNull())
    .addColumn('former_identity_key', bytes, (c) => c.notNull())
    .addColumn('identity_key', bytes, (c) => c.notNull())
    .addColumn('revoked_devices', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('identity_resets_by_account')
    .on('identity_resets')
    .columns(['username', 'reset_at'])
    .execute();
}

/**
 * Disappearing messages' index only on the messages that do disappear: most have no expiry, and
 * indexing their NULLs cost every message's insert a B-tree write. The expiry sweep's
 * `expires_at <= now` implies `expires_at is not null`, so both engines still use it.
 */
async function m0024PartialExpiryIndex(db: Kysely<unknown>, _bytes: Bytes): Promise<void> {
  await db.schema.dropIndex('messages_expires_at').execute();
  await db.schema
    .createIndex('messages_expires_at')
    .on('messages')
    .column('expires_at')
    .where(sql.ref('expires_at'), 'is not', null)
    .execute();
}

/**
 * A group's GroupInfo in its own table. In `groups` it made every row a kilobyte or two, and every
 * message rewrites its group's row (the sequence claim): each message copied the GroupInfo, and a
 * SQLite group commit wrote one more page per group touched (bench:sqlite, issue #19).
 */
async function m0025GroupInfos(db: Kysely<unknown>, bytes: Bytes): Promise<void> {
  await db.schema
    .createTable('group_infos')
    .addColumn('group_id', bytes, (c) => c.primaryKey().references('groups.group_id'))
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .addColumn('data', bytes, (c) => c.notNull())
    .execute();
  await sql`insert into group_infos (group_id, epoch, data)
    select group_id, group_info_epoch, group_info from groups
    where group_info is not null and group_info_epoch is not null`.execute(db);
  await db.schema.alterTable('groups').dropColumn('group_info').execute();
  await db.schema.alterTable('groups').dropColumn('group_info_epoch').execute();
}

const steps: ReadonlyArray<[string, (db: Kysely<unknown>, bytes: Bytes) => Promise<void>]> = [
  ['0001_accounts_devices_sessions', m0001AccountsDevicesSessions],
  ['0002_key_packages', m0002KeyPackages],
  ['0003_groups_and_delivery', m0003GroupsAndDelivery],
  ['0004_presence', m0004Presence],
  ['0005_group_info', m0005GroupInfo],
  ['0006_device_links', m0006DeviceLinks],
  ['0007_group_public_state', m0007GroupPublicState],
  ['0008_presence_joined', m0008PresenceJoined],
  ['0009_username_skeleton', m0009UsernameSkeleton],
  ['0011_device_labels', m0011DeviceLabels],
  ['0012_message_expiry', m0012MessageExpiry],
  ['0013_blobs', m0013Blobs],
  ['0014_transfer_tickets', m0014TransferTickets],
  ['0015_account_disabled', m0015AccountDisabled],
  ['0016_blocks', m0016Blocks],
  ['0017_reports', m0017Reports],
  ['0018_deleted_accounts', m0018DeletedAccounts],
  ['0019_identity_resets', m0019IdentityResets],
  ['0021_transparency_log', m0021TransparencyLog],
  ['0022_transparency_backfill', m0022TransparencyBackfill],
  ['0024_partial_expiry_index', m0024PartialExpiryIndex],
  ['0025_group_infos', m0025GroupInfos],
];

/** Every migration by name, for the dialect's column types. */
export function migrations(dialect: Dialect): Record<string, Migration> {
  const bytes: Bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  return Object.fromEntries(
    steps.map(([name, up]) => [name, { up: (db: Kysely<unknown>) => up(db, bytes) }]),
  );
}
