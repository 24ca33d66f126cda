/**
 * Migration 0022 on an existing database: every account, device certificate and revocation made
 * before the log existed becomes an entry, in creation order, and the counter continues after them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeLogEntry } from '@parley/core';
import SQLite from 'better-sqlite3';
import { Kysely, type MigrationProvider, Migrator, SqliteDialect } from 'kysely';
import { expect, test } from 'vitest';
import type { Database } from '../src/db.js';
import { migrations } from '../src/migrations.js';
import { appendKeyEvent } from '../src/transparency/append.js';

test('accounts and devices made before the log are logged in creation order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-kt-migration-'));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(join(dir, 'db')) }) });
  try {
    const provider: MigrationProvider = { getMigrations: async () => migrations('sqlite') };
    const migrator = new Migrator({ db, provider });
    expect((await migrator.migrateTo('0018_deleted_accounts')).error).toBeUndefined();
    const key = (n: number) => new Uint8Array(32).fill(n);
    for (const [name, at] of [
      ['ann', 10],
      ['ben', 5],
    ] as const)
      await db
        .insertInto('accounts')
        .values({
          username: name,
          display_name: name,
          identity_key: key(at),
          opaque_record: 'r',
          created_at: at,
        } as never)
        .execute();
    const device = (username: string, id: string, at: number, revokedAt: number | null) => ({
      username,
      device_id: id,
      device_key: key(at + 100),
      certificate: Uint8Array.of(at),
      created_at: at,
      revoked_at: revokedAt,
      revocation: revokedAt === null ? null : Uint8Array.of(revokedAt),
    });
    await db
      .insertInto('devices')
      .values([device('ann', 'a1', 10, 30), device('ben', 'b1', 5, null), device('ben', 'b2', 20, null)])
      .execute();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();

    const rows = await db.selectFrom('transparency_log').select(['seq', 'entry']).orderBy('seq').execute();
    const entries = rows.map((r) => decodeLogEntry(new Uint8Array(r.entry)));
    expect(rows.map((r) => Number(r.seq))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(entries.map((e) => `${e.kind} ${e.accountId}@${e.loggedAt}`)).toEqual([
      'registered ben@5',
      'device_certified ben@5',
      'registered ann@10',
      'device_certified ann@10',
      'device_certified ben@20',
      'device_revoked ann@30',
    ]);
    const next = await db
      .transaction()
      .execute((tx) => appendKeyEvent(tx, { kind: 'registered', accountId: 'cat', identityKey: key(9) }));
    expect(next).toBe(6);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
