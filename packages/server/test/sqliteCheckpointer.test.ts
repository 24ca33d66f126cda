/**
 * The checkpoint worker (sqliteCheckpointer.ts) truncates the write-ahead log when it has grown past
 * the limit, and only then: the log's own length, as the last checkpoint reported it, decides.
 * (Judged by the file's size with RESTART checkpoints, which leave the file as large as it was,
 * every checkpoint after the first growth held the server's next write.) A worker that fails (its
 * database gone, as when a data directory is removed under a server) is reported, not thrown into
 * the process, and the server's connection goes back to SQLite's own automatic checkpoints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@parley/testing';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { expect, test } from 'vitest';
import { startCheckpointer } from '../src/sqliteCheckpointer.js';
import { durableSqliteDialect } from '../src/sqliteDriver.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a log grown past the limit is truncated once; the checkpoints after it, with writes going on, are passive', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-checkpointer-'));
  const file = join(dir, 'db.sqlite3');
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('create table t (k integer primary key, v blob not null)');
  const checkpointer = startCheckpointer(file, { intervalMs: 10, truncateBytes: 256 * 1024 });
  const reader = new SQLite(file, { readonly: true });
  try {
    // A reader holding an old snapshot keeps the log from starting over while 2 MB are written.
    reader.exec('begin');
    reader.prepare('select count(*) from t').get();
    const insert = db.prepare('insert into t (v) values (?)');
    for (let i = 0; i < 64; i++) db.transaction(() => insert.run(Buffer.alloc(32 * 1024, i)))();
    reader.exec('commit');
    // A passive checkpoint sees the long log; a truncating one empties it.
    const deadline = Date.now() + 10_000;
    while ((await checkpointer.counts()).truncate === 0 && Date.now() < deadline) await pause(20);
    const truncated = await checkpointer.counts();
    expect(truncated.truncate).toBeGreaterThanOrEqual(1);
    await pause(100);
    // Quiet and small writes since: some 20 more checkpoints, all passive.
    for (let i = 0; i < 10; i++) {
      db.transaction(() => insert.run(Buffer.alloc(100, i)))();
      await pause(20);
    }
    const after = await checkpointer.counts();
    expect(after.passive - truncated.passive).toBeGreaterThanOrEqual(10);
    expect(after.truncate - truncated.truncate).toBeLessThanOrEqual(1);
  } finally {
    reader.close();
    await checkpointer.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a worker that cannot open the database is reported, not thrown: stop and counts still answer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-checkpointer-'));
  try {
    const failures: Error[] = [];
    const checkpointer = startCheckpointer(join(dir, 'gone', 'db.sqlite3'), {
      onFailure: (e) => failures.push(e),
    });
    await until(() => failures.length === 1, 'the failure is reported');
    expect(failures[0]!.message).toMatch(/directory does not exist/);
    await expect(checkpointer.counts()).rejects.toThrow(/directory does not exist/);
    await checkpointer.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without its checkpoint worker, the server's connection goes back to SQLite's automatic checkpoints", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-checkpointer-'));
  const sqlite = new SQLite(join(dir, 'db.sqlite3'));
  sqlite.pragma('journal_mode = WAL');
  // The worker is pointed at a file it cannot open: it fails once the driver starts it.
  const db = new Kysely<never>({ dialect: durableSqliteDialect(sqlite, join(dir, 'gone', 'db.sqlite3')) });
  try {
    await sql`select 1`.execute(db);
    await until(
      () => sqlite.pragma('wal_autocheckpoint', { simple: true }) === 1000,
      'SQLite checkpoints again',
    );
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
