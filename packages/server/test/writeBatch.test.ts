import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { openSqlite } from '../src/db.js';
import { writerFor } from '../src/writeBatch.js';

test('SQLite group commit: concurrent writes each get their own answer; one that fails is rolled back alone, the rest stand', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-batch-'));
  const db = await openSqlite(dir);
  let lost = 0;
  try {
    const write = writerFor(db, () => lost++);
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
    const keys = await db
      .selectFrom('server_state')
      .select('key')
      .where('key', 'in', ['a', 'b', 'c'])
      .execute();
    expect(keys.map((k) => k.key).sort()).toEqual(['a', 'c']);
    expect(lost).toBe(0);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
