import { fsync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { expect, test } from 'vitest';
import { type Db, openSqlite } from '../src/db.js';
import { StorageFailed } from '../src/sqliteDriver.js';
import { writerFor } from '../src/writeBatch.js';

interface Disk {
  /** Every flush asked for (file descriptors). */
  flushes: number[];
  /** From now on, flushes fail as a dying disk's do (EIO). */
  failing: boolean;
}

async function withSqlite(use: (db: Db, dir: string, disk: Disk) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-driver-'));
  const disk: Disk = { flushes: [], failing: false };
  // The real fsync, counted.
  const sync = (fd: number) =>
    new Promise<void>((resolve, reject) => {
      disk.flushes.push(fd);
      if (disk.failing) return reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
      fsync(fd, (e) => (e ? reject(e) : resolve()));
    });
  const db = await openSqlite(dir, sync);
  try {
    await use(db, dir, disk);
  } finally {
    await db.destroy().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

const put = (db: Pick<Db, 'insertInto'>, key: string) =>
  db.insertInto('server_state').values({ key, value: 'v' }).execute();

test('every commit and every write outside a transaction is flushed before it is reported; reads and transaction writes are not flushed alone', async () => {
  await withSqlite(async (db, _dir, { flushes }) => {
    const before = flushes.length;
    await put(db, 'a'); // a write on its own: one flush
    expect(flushes.length).toBe(before + 1);
    await db.selectFrom('server_state').selectAll().execute(); // a read: none
    expect(flushes.length).toBe(before + 1);
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('server_state').values({ key: 'b', value: 'v' }).execute();
      await tx.insertInto('server_state').values({ key: 'c', value: 'v' }).execute();
      expect(flushes.length).toBe(before + 1); // not yet: the commit flushes
    });
    expect(flushes.length).toBe(before + 2);
    const write = writerFor(db, () => {});
    await Promise.all(
      ['d', 'e', 'f'].map((key) =>
        write((tx) => tx.insertInto('server_state').values({ key, value: 'v' }).execute()),
      ),
    );
    expect(flushes.length).toBeLessThanOrEqual(before + 4); // a group commit: one flush for the batch (two at most)
  });
});

test('while a commit is being flushed no other query runs: a read started meanwhile answers only after the flush', async () => {
  await withSqlite(async (db) => {
    const order: string[] = [];
    const committing = db
      .transaction()
      .execute(async (tx) => {
        await tx.insertInto('server_state').values({ key: 'x', value: 'v' }).execute();
      })
      .then(() => order.push('committed'));
    // Queued while the transaction holds the connection, so it runs after the commit and its flush.
    const read = db
      .selectFrom('server_state')
      .select('key')
      .where('key', '=', 'x')
      .execute()
      .then((rows) => {
        order.push(`read ${rows.length}`);
      });
    await Promise.all([committing, read]);
    expect(order).toEqual(['committed', 'read 1']);
  });
});

test('a WAL that cannot be flushed: the write fails with StorageFailed and every later query is refused, nothing more acknowledged', async () => {
  await withSqlite(async (db, _dir, disk) => {
    await put(db, 'kept');
    disk.failing = true;
    await expect(put(db, 'lost')).rejects.toBeInstanceOf(StorageFailed);
    const asked = disk.flushes.length;
    await expect(db.selectFrom('server_state').selectAll().execute()).rejects.toBeInstanceOf(StorageFailed);
    await expect(put(db, 'later')).rejects.toBeInstanceOf(StorageFailed);
    await expect(db.transaction().execute((tx) => put(tx, 'later'))).rejects.toBeInstanceOf(StorageFailed);
    expect(disk.flushes.length).toBe(asked); // refused before touching the database
  });
});

test('the WAL is checkpointed into the database file by the worker thread, not by a commit', async () => {
  await withSqlite(async (db, dir) => {
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
    expect(rows[0]!.wal_autocheckpoint).toBe(0);
    const file = join(dir, 'parley.sqlite3');
    const sizeBefore = statSync(file).size;
    const value = 'x'.repeat(2000);
    for (let i = 0; i < 40; i++)
      await db.transaction().execute(async (tx) => {
        for (let j = 0; j < 50; j++)
          await tx
            .insertInto('server_state')
            .values({ key: `k${i}-${j}`, value })
            .execute();
      });
    // 4 MB of rows: more than SQLite's own checkpoint threshold (1,000 pages), which is off.
    const deadline = Date.now() + 10_000;
    while (statSync(file).size < sizeBefore + 3_000_000 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(statSync(file).size).toBeGreaterThan(sizeBefore + 3_000_000);
  });
});

test('writes going on while the worker checkpoints are never refused as busy: transactions that read before they write all commit', async () => {
  await withSqlite(async (db) => {
    const write = writerFor(db, () => {});
    const refused: string[] = [];
    let committed = 0;
    // For 3 s (some 30 checkpoints), group commits whose writes each read, then write, as a
    // message's does (the check, then the sequence claim and the insert).
    const until = Date.now() + 3_000;
    let n = 0;
    while (Date.now() < until) {
      await Promise.all(
        Array.from({ length: 20 }, () => {
          const key = `w${n++}`;
          return write(async (tx) => {
            await tx.selectFrom('server_state').select('value').where('key', '=', key).execute();
            await put(tx, key);
          }).then(
            () => committed++,
            (e: { code?: string; message?: string }) => refused.push(`${e.code}: ${e.message}`),
          );
        }),
      );
      await put(db, `single${n}`).catch((e: { code?: string }) => refused.push(`single: ${e.code}`));
    }
    expect(refused).toEqual([]);
    expect(committed).toBeGreaterThan(100);
  });
});

test('a write waiting for a lock held elsewhere waits on a timer: the event loop keeps turning, and the write goes through once the lock is free', async () => {
  await withSqlite(async (db, dir) => {
    await put(db, 'before');
    // Another connection (a checkpoint truncating the log, an operator's command) holds the write lock.
    const other = new SQLite(join(dir, 'parley.sqlite3'));
    other.exec('begin immediate');
    const released = new Promise<void>((resolve) =>
      setTimeout(() => {
        other.exec('commit');
        other.close();
        resolve();
      }, 400),
    );
    let longestGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    try {
      const outside = put(db, 'outside a transaction');
      const inside = db.transaction().execute((tx) => put(tx, 'in a transaction'));
      await Promise.all([outside, inside, released]);
    } finally {
      clearInterval(ticker);
    }
    // SQLite's own busy wait would have slept the thread, timers included, for the 400 ms.
    expect(longestGap).toBeLessThan(200);
    const keys = await db.selectFrom('server_state').select('key').orderBy('key').execute();
    expect(keys.map((k) => k.key)).toEqual(['before', 'in a transaction', 'outside a transaction']);
  });
});

test("the server's connection keeps at most 4 MB of pages in memory, not better-sqlite3's 16 MB default", async () => {
  await withSqlite(async (db) => {
    const { rows } = await sql<{ cache_size: number }>`pragma cache_size`.execute(db);
    expect(rows[0]!.cache_size).toBe(-4000);
    const fresh = new SQLite(':memory:');
    expect(fresh.pragma('cache_size', { simple: true })).toBe(-16000);
    fresh.close();
  });
});
