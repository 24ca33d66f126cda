/**
 * Migration 0025 on an existing database, SQLite and PostgreSQL: each group's kept GroupInfo moves
 * from its `groups` row to `group_infos`, with its epoch; a group that had none gets no row; the
 * `groups` row keeps everything else (a message's sequence claim no longer rewrites a GroupInfo).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type MigrationProvider, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { expect, test } from 'vitest';
import type { Database, Dialect } from '../src/db.js';
import { migrations } from '../src/migrations.js';
import { freshPostgres } from './helpers.js';

async function movesGroupInfos(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({ db, provider });
  expect((await migrator.migrateTo('0024_partial_expiry_index')).error).toBeUndefined();
  const kept = new Uint8Array(16).fill(1);
  const none = new Uint8Array(16).fill(2);
  const row = (group_id: Uint8Array, group_info: Uint8Array | null, group_info_epoch: number | null) => ({
    group_id,
    cipher_suite: 'x',
    epoch: 7,
    next_seq: 12,
    created_by: 'ann',
    created_at: 5,
    group_info,
    group_info_epoch,
  });
  const info = new Uint8Array(1500).fill(9);
  await db
    .insertInto('groups')
    .values([row(kept, info, 6), row(none, null, null)] as never)
    .execute();
  expect((await migrator.migrateToLatest()).error).toBeUndefined();

  const infos = await db.selectFrom('group_infos').selectAll().execute();
  expect(
    infos.map((r) => ({ ...r, group_id: [...r.group_id], data: r.data.length, epoch: Number(r.epoch) })),
  ).toEqual([{ group_id: [...kept], epoch: 6, data: 1500 }]);
  expect(new Uint8Array(infos[0]!.data)).toEqual(info);
  const groups = await db.selectFrom('groups').selectAll().orderBy('group_id').execute();
  expect(groups.map((g) => Object.keys(g).sort())).toEqual([
    ['cipher_suite', 'created_at', 'created_by', 'epoch', 'group_id', 'next_seq'],
    ['cipher_suite', 'created_at', 'created_by', 'epoch', 'group_id', 'next_seq'],
  ]);
  expect(groups.map((g) => Number(g.next_seq))).toEqual([12, 12]);
}

test('SQLite: migration 0025 moves each kept GroupInfo to group_infos and out of the groups row', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-group-infos-'));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(join(dir, 'db')) }) });
  try {
    await movesGroupInfos(db, 'sqlite');
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL: migration 0025 moves each kept GroupInfo to group_infos and out of the groups row', async () => {
  const fresh = await freshPostgres();
  if (fresh === undefined) return;
  const pool = new pg.Pool({ connectionString: fresh.url, max: 2 });
  // `pool.end()` resolves before its connections have closed: the database's forced drop can reach
  // one still closing, and an idle connection's error with no listener is an uncaught exception.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await movesGroupInfos(db, 'postgres');
  } finally {
    await db.destroy();
    await fresh.drop();
  }
});
