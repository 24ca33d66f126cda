/**
 * Account secrets kept outside the HTTP routes (http/accounts.ts, http/sessions.ts): the server's
 * OPAQUE key, created on first start, and the invite codes an operator hands out.
 */
import * as opaque from '@serenity-kit/opaque';
import { newSecret, sha256 } from './crypto.js';
import type { Db } from './db.js';

/** The server's OPAQUE key material: created on first start, kept in the database. */
export async function opaqueServerSetup(db: Db): Promise<string> {
  await opaque.ready;
  const row = await db
    .selectFrom('server_state')
    .select('value')
    .where('key', '=', 'opaque_server_setup')
    .executeTakeFirst();
  if (row !== undefined) return row.value;
  const setup = opaque.server.createSetup();
  await db
    .insertInto('server_state')
    .values({ key: 'opaque_server_setup', value: setup })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const stored = await db
    .selectFrom('server_state')
    .select('value')
    .where('key', '=', 'opaque_server_setup')
    .executeTakeFirstOrThrow();
  return stored.value;
}

/** `count` new single-use invite codes (only their hashes are stored). */
export async function createInvites(db: Db, count: number): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const code = newSecret();
    await db
      .insertInto('invites')
      .values({ code_hash: sha256(code), created_at: Date.now(), used_at: null, used_by: null })
      .execute();
    codes.push(code);
  }
  return codes;
}
