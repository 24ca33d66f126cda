/**
 * The checkpoint worker (sqliteCheckpointer.ts) truncates the write-ahead log when it has grown past
 * the limit, and only then: the log's own length, as the last checkpoint reported it, decides.
 * (Judged by the file's size with RESTART checkpoints, which leave the file as large as it was,
 * every checkpoint after the first growth held the server's next write.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { expect, test } from 'vitest';
import { startCheckpointer } from '../src/sqliteCheckpointer.js';

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
