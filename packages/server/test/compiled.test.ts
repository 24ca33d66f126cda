/**
 * Queries compiled once and run by values (delivery/compiled.ts) give what Kysely's builder gives
 * for the same values, on SQLite and on PostgreSQL; a value is never confused with a constant the
 * builder put in, and a builder that drops a parameter is refused.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { openDatabase } from '../src/db.js';
import { precompiled } from '../src/delivery/compiled.js';
import { DEFAULT_CONFIG } from '../src/index.js';
import { freshPostgres } from './helpers.js';

const byName = precompiled(2, (db, name: string, after: number) =>
  db
    .selectFrom('invites')
    .select(['used_by', 'created_at'])
    .where('used_by', '=', name)
    .where('created_at', '>', after)
    // A constant of the builder's own between the two values.
    .where('used_at', 'is not', null)
    .orderBy('created_at'),
);

async function check(db: Awaited<ReturnType<typeof openDatabase>>) {
  for (const [i, who] of ['ann', 'bob', 'ann'].entries())
    await db
      .insertInto('invites')
      .values({ code_hash: new Uint8Array([i]), created_at: 100 + i, used_at: 1, used_by: who })
      .execute();
  for (const [name, after] of [
    ['ann', 0],
    ['ann', 100],
    ['bob', 0],
    ['nobody', 0],
  ] as const) {
    const built = await db
      .selectFrom('invites')
      .select(['used_by', 'created_at'])
      .where('used_by', '=', name)
      .where('created_at', '>', after)
      .where('used_at', 'is not', null)
      .orderBy('created_at')
      .execute();
    const { rows } = await byName.run(db, name, after);
    expect(rows.map((r) => [r.used_by, Number(r.created_at)])).toEqual(
      built.map((r) => [r.used_by, Number(r.created_at)]),
    );
  }
  // The same compiled query inside a transaction.
  const inTx = await db.transaction().execute((tx) => byName.run(tx, 'bob', 0));
  expect(inTx.rows.map((r) => r.used_by)).toEqual(['bob']);
  const dropsOne = precompiled(2, (d, name: string, _unused: number) =>
    d.selectFrom('invites').select('used_by').where('used_by', '=', name),
  );
  await expect(dropsOne.run(db, 'ann', 1)).rejects.toThrow(/parameter 1 is not in the query/);
}

test('a compiled query returns what the builder returns (SQLite)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-compiled-'));
  const db = await openDatabase({ ...DEFAULT_CONFIG, dataDir });
  try {
    await check(db);
  } finally {
    await db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a compiled query returns what the builder returns (PostgreSQL)', async () => {
  const pg = await freshPostgres();
  if (pg === undefined) return;
  const db = await openDatabase({ ...DEFAULT_CONFIG, dataDir: tmpdir(), database: pg.url });
  try {
    await check(db);
  } finally {
    await db.destroy();
    await pg.drop();
  }
});
