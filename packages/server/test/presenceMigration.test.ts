/**
 * Migration 0008 on an existing database: member devices that show they hold the group's state
 * (the creator, one that acknowledged a message after joining, one that sent a message) count as
 * joined for presence; one that was added and never did any of it (it dropped a Welcome it could
 * not open, or has not used it yet) does not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type MigrationProvider, Migrator, SqliteDialect } from 'kysely';
import { expect, test } from 'vitest';
import type { Database } from '../src/db.js';
import { migrations } from '../src/migrations.js';

test('existing members count as joined only when they created, acknowledged or sent in the group', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-presence-migration-'));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(join(dir, 'db')) }) });
  try {
    const provider: MigrationProvider = { getMigrations: async () => migrations('sqlite') };
    const migrator = new Migrator({ db, provider });
    expect((await migrator.migrateTo('0006_device_links')).error).toBeUndefined();
    const group = new Uint8Array(16).fill(7);
    await db
      .insertInto('groups')
      .values({
        group_id: group,
        cipher_suite: 'x',
        epoch: 3,
        next_seq: 5,
        created_by: 'ann',
        created_at: 0,
      } as never)
      .execute();
    const member = (username: string, joined: number, acked: number) => ({
      group_id: group,
      username,
      device_id: 'd',
      leaf_index: 0,
      joined_seq: joined,
      removed_seq: null,
      acked_seq: acked,
    });
    await db
      .insertInto('group_members')
      .values([
        member('ann', 0, 0), // created the group
        member('ben', 1, 4), // acknowledged messages after the commit that added him
        member('cat', 2, 2), // sent a message (below), never acknowledged
        member('dan', 3, 3), // added, dropped the Welcome: nothing since
      ] as never)
      .execute();
    await db
      .insertInto('messages')
      .values({
        group_id: group,
        seq: 4,
        message_id: new Uint8Array(16),
        sender_username: 'cat',
        sender_device: 'd',
        epoch: 3,
        kind: 0,
        data: new Uint8Array(1),
        created_at: 0,
      })
      .execute();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const rows = await db
      .selectFrom('group_members')
      .select(['username', 'accepted'])
      .orderBy('username')
      .execute();
    expect(rows).toEqual([
      { username: 'ann', accepted: 1 },
      { username: 'ben', accepted: 1 },
      { username: 'cat', accepted: 1 },
      { username: 'dan', accepted: 0 },
    ]);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
