/**
 * Lookalike and invisible usernames (issue #15, item 5), against the real server program: a name
 * with invisible characters or mixed scripts is refused (`invalid_username`, the reason in plain
 * words), a name that looks like a taken one (the same TR39 confusable skeleton) is taken
 * (`username_taken`), and names in one script register, whatever the script.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerProcess, startServerProcess } from '@parley/testing';
import * as opaque from '@serenity-kit/opaque';
import SQLite from 'better-sqlite3';
import { Kysely, type MigrationProvider, Migrator, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { usernameSkeleton } from '../src/lookalikes.js';
import { migrations } from '../src/migrations.js';
import { api, register } from './helpers.js';

let server: ServerProcess;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'parley-lookalikes-'));
  server = await startServerProcess(dataDir);
  for (const name of ['alice', 'mary', 'bob', 'paypal']) {
    expect((await register(server.url, name, 'pw-12345678')).status, name).toBe(201);
  }
});
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

/** The first registration step alone: what the server says about a name. */
async function startRegistering(username: string) {
  await opaque.ready;
  const { registrationRequest } = opaque.client.startRegistration({ password: 'pw-12345678' });
  return api(server.url, 'POST', '/v1/accounts/register/start', { username, registrationRequest });
}

describe('registration refuses names that could pass for another', () => {
  test.each([
    ['al\u034Fice', 'combining grapheme joiner'],
    ['alice\uFE0F', 'variation selector'],
    ['\u3164alice', 'Hangul filler'],
    ['ali\u1160ce', 'Hangul jungseong filler'],
    ['b\u115Fob', 'Hangul choseong filler'],
    ['alice\u{E0100}', 'variation selector supplement'],
  ])('%j (%s): invisible characters are refused', async (name) => {
    const r = await register(server.url, name, 'pw-12345678');
    expect([r.status, r.body.error.code]).toEqual([400, 'invalid_username']);
    expect(r.body.error.message).toMatch(/invisible characters/);
  });

  test.each([
    ['\u0430lice', 'Cyrillic а in alice'],
    ['pa\u0443pal', 'Cyrillic у in paypal'],
    ['\u03bflga', 'Greek ο with Latin'],
    ['ivan\u0438', 'Latin with Cyrillic'],
    ['ひら한글', 'Hiragana with Hangul'],
  ])('%j (%s): mixed scripts are refused', async (name) => {
    const r = await register(server.url, name, 'pw-12345678');
    expect([r.status, r.body.error.code]).toEqual([400, 'invalid_username']);
    expect(r.body.error.message).toMatch(/mix writing systems/);
  });

  test.each([
    ['ALICE', 'case'],
    ['ＡＬＩＣＥ', 'full-width forms'],
    ['rnary', 'rn for m'],
    ['b0b', 'zero for o'],
    ['paypa1', 'one for l'],
  ])('%j (%s): a lookalike of a taken name is taken', async (name) => {
    const r = await register(server.url, name, 'pw-12345678');
    expect([r.status, r.body.error.code]).toEqual([409, 'username_taken']);
    expect(r.body.error.message).toMatch(/looks too much like one that is/);
  });

  test('two lookalikes racing through registration: the second to finish is refused', async () => {
    // Both pass the first step (neither exists yet); the unique skeleton settles it at the end.
    expect((await startRegistering('rnoon')).status).toBe(200);
    expect((await startRegistering('moon')).status).toBe(200);
    expect((await register(server.url, 'moon', 'pw-12345678')).status).toBe(201);
    const second = await register(server.url, 'rnoon', 'pw-12345678');
    expect([second.status, second.body.error.code]).toEqual([409, 'username_taken']);
  });
});

test.each(['josé', 'Zoë', '李小龙', 'まりこ', 'Ελένη', 'Иван', '김철수', 'tanaka田中', 'jose', 'zoe'])(
  '%j registers',
  async (name) => {
    expect((await register(server.url, name, 'pw-12345678')).status).toBe(201);
  },
);

test('the confusables data (Unicode confusables.txt) maps known lookalikes to one skeleton', () => {
  const alike = [
    ['alice', '\u0430lice'], // Cyrillic а
    ['mary', 'rnary'],
    ['bob', 'b0b'],
    ['paypal', 'paypa1'],
    ['olga', '\u03bflga'], // Greek ο
    ['ivan', '\u0456van'], // Cyrillic і
    ['sean', 'ѕеаn'], // Cyrillic ѕ, е, а
  ];
  for (const [a, b] of alike) expect(usernameSkeleton(b!), `${a} / ${b}`).toBe(usernameSkeleton(a!));
  for (const [a, b] of [
    ['josé', 'jose'],
    ['zoë', 'zoe'],
    ['anna', 'hanna'],
  ])
    expect(usernameSkeleton(b!), `${a} / ${b}`).not.toBe(usernameSkeleton(a!));
});

test('accounts that already look alike survive the migration: the oldest keeps the skeleton', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-skeleton-migration-'));
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(join(dir, 'db')) }) });
  try {
    const provider: MigrationProvider = { getMigrations: async () => migrations('sqlite') };
    const migrator = new Migrator({ db, provider });
    expect((await migrator.migrateTo('0008_presence_joined')).error).toBeUndefined();
    for (const [username, created] of [
      ['alice', 1],
      ['\u0430lice', 2],
    ] as const) {
      await db
        .insertInto('accounts' as never)
        .values({
          username,
          display_name: username,
          identity_key: new Uint8Array(32),
          opaque_record: 'x',
          created_at: created,
        } as never)
        .execute();
    }
    const { error } = await migrator.migrateToLatest();
    expect(error).toBeUndefined();
    const rows = await db
      .selectFrom('accounts' as never)
      .select(['username' as never, 'skeleton' as never])
      .orderBy('created_at' as never)
      .execute();
    expect(rows).toEqual([
      { username: 'alice', skeleton: usernameSkeleton('alice') },
      { username: '\u0430lice', skeleton: null },
    ]);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
