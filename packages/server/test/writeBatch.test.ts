import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { type Db, openPostgres, openSqlite } from '../src/db.js';
import { type Outcome, writerFor } from '../src/writeBatch.js';
import { freshPostgres } from './helpers.js';

/** A fresh database of each engine; `use` gets it, and a writer on it counting its rollbacks. */
const engines: Record<string, (use: (db: Db) => Promise<void>) => Promise<'skipped' | undefined>> = {
  SQLite: async (use) => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-batch-'));
    const db = await openSqlite(dir);
    try {
      await use(db);
    } finally {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
    return undefined;
  },
  PostgreSQL: async (use) => {
    const postgres = await freshPostgres();
    if (postgres === undefined) return 'skipped';
    const db = await openPostgres(postgres.url, 2);
    try {
      await use(db);
    } finally {
      await db.destroy();
      await postgres.drop();
    }
    return undefined;
  },
};

const keys = async (db: Db) =>
  (await db.selectFrom('server_state').select('key').where('key', '!=', 'opaque_server_setup').execute())
    .map((r) => r.key)
    .sort();

for (const [engine, withDb] of Object.entries(engines)) {
  test(`${engine} group commit: concurrent writes each get their own answer; one that fails is rolled back alone, the rest stand`, async (ctx) => {
    const outcome = await withDb(async (db) => {
      const write = writerFor(db, () => {});
      const put = (key: string, fail = false) =>
        write(async (tx) => {
          await tx.insertInto('server_state').values({ key, value: 'v' }).execute();
          if (fail) throw new Error(`write ${key} refused`);
          return key;
        });
      const results = await Promise.allSettled([put('a'), put('b', true), put('c'), put('a')]);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))).toEqual([
        'a',
        'rejected',
        'c',
        'rejected', // the primary key refuses a second 'a'; the rest of the batch stands
      ]);
      expect(await keys(db)).toEqual(['a', 'c']);
    });
    if (outcome === 'skipped') ctx.skip();
  });

  test(`${engine} group commit: in one batch, later writes see earlier ones before they are durable, never a failed one, and a compare-and-set after an earlier one fails`, async (ctx) => {
    const outcome = await withDb(async (db) => {
      await db.insertInto('server_state').values({ key: 'epoch', value: '0' }).execute();
      const write = writerFor(db, () => {});
      /** Move 'epoch' from `from` to `to`, as delivery/log.ts's append claims a commit's epoch; false if it is not at `from`. */
      const cas = (from: string, to: string) =>
        write(
          async (tx) =>
            (await tx
              .updateTable('server_state')
              .set({ value: to })
              .where('key', '=', 'epoch')
              .where('value', '=', from)
              .returning('value')
              .executeTakeFirst()) !== undefined,
          'epoch',
        );
      // Queued in one tick: one batch, one transaction.
      const results = await Promise.allSettled([
        cas('0', '1'),
        write(async (tx) => {
          await tx.insertInto('server_state').values({ key: 'x', value: 'v' }).execute();
          await tx.updateTable('server_state').set({ value: '9' }).where('key', '=', 'epoch').execute();
          throw new Error('refused after writing');
        }, 'epoch'),
        cas('0', '1'),
        write(async (tx) => keys(tx as unknown as Db), 'epoch'),
        cas('1', '2'),
      ]);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))).toEqual([
        true,
        'rejected',
        false, // the first compare-and-set, not yet committed, already moved the epoch
        ['epoch'], // the failed write's insert is not there
        true, // nor its update of the epoch
      ]);
      const epoch = await db
        .selectFrom('server_state')
        .select('value')
        .where('key', '=', 'epoch')
        .executeTakeFirst();
      expect(epoch?.value).toBe('2');
      expect(await keys(db)).toEqual(['epoch']);
    });
    if (outcome === 'skipped') ctx.skip();
  });

  test(`${engine} group commit: a batch the database aborts as a deadlock (40P01) is run again whole; nothing is stored twice`, async (ctx) => {
    const outcome = await withDb(async (db) => {
      let rollbacks = 0;
      const write = writerFor(db, () => rollbacks++);
      let deadlocks = 0;
      const put = (key: string, deadlock = 0, order = 'same group') =>
        write(async (tx) => {
          await tx.insertInto('server_state').values({ key, value: 'v' }).execute();
          if (deadlocks < deadlock) {
            deadlocks++;
            throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
          }
          return key;
        }, order);
      // 'b' deadlocks twice, then goes through; a batch deadlocking more often than that fails.
      expect(await Promise.all([put('a'), put('b', 2), put('c')])).toEqual(['a', 'b', 'c']);
      expect(await keys(db)).toEqual(['a', 'b', 'c']);
      expect(rollbacks).toBe(2);
      deadlocks = 0;
      const failed = await Promise.allSettled([put('d'), put('e', 100)]);
      expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect(await keys(db)).toEqual(['a', 'b', 'c']);
    });
    if (outcome === 'skipped') ctx.skip();
  });

  test(`${engine} group commit: consecutive writes of one kind are done by one bulk call; one it refuses fails alone without a rerun; a bulk call that throws is replaced by the writes one by one`, async (ctx) => {
    const outcome = await withDb(async (db) => {
      let rollbacks = 0;
      const write = writerFor(db, () => rollbacks++);
      const calls: string[][] = [];
      /** Inserts every key in one statement; a key starting with '!' is refused (nothing written). */
      const putAll = async (tx: Parameters<Parameters<typeof write>[0]>[0], keys: string[]) => {
        calls.push(keys);
        const accepted = keys.filter((k) => !k.startsWith('!'));
        if (accepted.length > 0)
          await tx
            .insertInto('server_state')
            .values(accepted.map((key) => ({ key, value: 'bulk' })))
            .execute();
        return keys.map(
          (k): Outcome<string> =>
            k.startsWith('!') ? { ok: false, error: new Error(`${k} refused`) } : { ok: true, value: k },
        );
      };
      const put = (key: string) =>
        write(
          async (tx) => {
            if (key.startsWith('!')) throw new Error(`${key} refused`);
            await tx.insertInto('server_state').values({ key, value: 'single' }).execute();
            return key;
          },
          '',
          { run: putAll, input: key },
        );
      const plain = (key: string) =>
        write(async (tx) => {
          await tx.insertInto('server_state').values({ key, value: 'plain' }).execute();
          return key;
        });
      const settle = async (writes: Promise<string>[]) =>
        (await Promise.allSettled(writes)).map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'));

      expect(await settle([put('a'), put('b'), plain('c'), put('d'), put('!e'), put('f')])).toEqual([
        'a',
        'b',
        'c',
        'd',
        'rejected',
        'f',
      ]);
      expect(calls, 'one call per run of consecutive bulk writes').toEqual([
        ['a', 'b'],
        ['d', '!e', 'f'],
      ]);
      expect(rollbacks, 'a refusal in a bulk call needs no rerun').toBe(0);
      expect(await keys(db)).toEqual(['a', 'b', 'c', 'd', 'f']);

      // 'a' again: the bulk statement fails on the primary key; the batch is run again isolated,
      // where each write is done on its own and only the duplicate fails.
      calls.length = 0;
      expect(await settle([put('g'), put('a'), put('h')])).toEqual(['g', 'rejected', 'h']);
      expect(calls).toEqual([['g', 'a', 'h']]);
      expect(rollbacks).toBe(1);
      const values = await db
        .selectFrom('server_state')
        .select(['key', 'value'])
        .where('key', 'in', ['g', 'h'])
        .execute();
      expect(values.map((v) => v.value)).toEqual(['single', 'single']);
    });
    if (outcome === 'skipped') ctx.skip();
  });
}

test('writes done apart at the head of the queue are handed over whole; when that fails, each is done here on its own; a write not done apart, and those after it, make the next batch here', async () => {
  await engines.SQLite!(async (db) => {
    const write = writerFor(db, () => {});
    const handed: string[][] = [];
    let refuse = false;
    /** Done apart: recorded, and stored under the value 'apart' (or refused whole). */
    const apart = async (inputs: string[]): Promise<Outcome[]> => {
      handed.push(inputs);
      if (refuse) throw new Error('the thread is gone');
      for (const key of inputs) await db.insertInto('server_state').values({ key, value: 'apart' }).execute();
      return inputs.map((key) => ({ ok: true, value: `${key} apart` }));
    };
    const put = (key: string, withApart = true) =>
      write(
        async (tx) => {
          await tx.insertInto('server_state').values({ key, value: 'here' }).execute();
          return `${key} here`;
        },
        key,
        withApart ? { apart, input: key } : undefined,
      );
    expect(await Promise.all([put('a'), put('b')])).toEqual(['a apart', 'b apart']);
    expect(handed).toEqual([['a', 'b']]);
    refuse = true;
    expect(await Promise.all([put('c'), put('d')])).toEqual(['c here', 'd here']);
    expect(handed).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    refuse = false;
    expect(await Promise.all([put('e'), put('f', false), put('g')])).toEqual(['e apart', 'f here', 'g here']);
    expect(handed).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    const stored = await db
      .selectFrom('server_state')
      .select(['key', 'value'])
      .where('key', '<', 'h')
      .execute();
    expect(Object.fromEntries(stored.map((r) => [r.key, r.value]))).toEqual({
      a: 'apart',
      b: 'apart',
      c: 'here',
      d: 'here',
      e: 'apart',
      f: 'here',
      g: 'here',
    });
  });
});
