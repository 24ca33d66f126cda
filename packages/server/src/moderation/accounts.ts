/**
 * The operator's view of accounts (`parley-server accounts …`): list them with what the server
 * holds about each (never content: there is none to show), disable one (it can no longer sign in or
 * connect, and every node cuts its connections within WATCH_INTERVAL_MS, watch.ts) and enable it
 * again, or delete it for good (accountDeletion.ts). Works on SQLite and PostgreSQL alike.
 */
import { canonicalUsername, ParleyError } from '@parley/core';
import { type DeletionSummary, deleteAccountData } from '../accountDeletion.js';
import type { BlobStorage } from '../blobs/storage.js';
import type { Db } from '../db.js';

export interface AccountRow {
  username: string;
  displayName: string;
  createdAt: number;
  lastSeen: number | null;
  /** Devices not revoked. */
  devices: number;
  disabledAt: number | null;
}

/** An operator command that cannot do what was asked (no such account, …): its message says why. */
export class OperatorError extends ParleyError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** Accounts by name, at most `limit`, from after `after` (a name) for paging. */
export async function listAccounts(
  db: Db,
  options: { limit?: number; after?: string } = {},
): Promise<AccountRow[]> {
  let q = db
    .selectFrom('accounts')
    .leftJoin('devices', (j) =>
      j.onRef('devices.username', '=', 'accounts.username').on('devices.revoked_at', 'is', null),
    )
    .select((eb) => [
      'accounts.username',
      'accounts.display_name',
      'accounts.created_at',
      'accounts.last_seen',
      'accounts.disabled_at',
      eb.fn.count<number>('devices.device_id').as('devices'),
    ])
    .groupBy([
      'accounts.username',
      'accounts.display_name',
      'accounts.created_at',
      'accounts.last_seen',
      'accounts.disabled_at',
    ])
    .orderBy('accounts.username')
    .limit(options.limit ?? 1000);
  if (options.after !== undefined) q = q.where('accounts.username', '>', options.after);
  const rows = await q.execute();
  return rows.map((r) => ({
    username: r.username,
    displayName: r.display_name,
    createdAt: Number(r.created_at),
    lastSeen: r.last_seen === null ? null : Number(r.last_seen),
    devices: Number(r.devices),
    disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
  }));
}

/** The account's canonical name, or an OperatorError naming the one typed. */
async function existing(db: Db, typed: string): Promise<string> {
  let name: string;
  try {
    name = canonicalUsername(typed);
  } catch {
    throw new OperatorError(`"${typed}" is not a username`);
  }
  const row = await db
    .selectFrom('accounts')
    .select('username')
    .where('username', '=', name)
    .executeTakeFirst();
  if (row === undefined) throw new OperatorError(`there is no account "${name}"`);
  return name;
}

/** Disable an account; returns false when it already was. */
export async function disableAccount(db: Db, typed: string, now = Date.now()): Promise<boolean> {
  const name = await existing(db, typed);
  const r = await db
    .updateTable('accounts')
    .set({ disabled_at: now })
    .where('username', '=', name)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return false;
  // Its sessions end with it: enabling it again means signing in again.
  await db.deleteFrom('sessions').where('username', '=', name).execute();
  await db.deleteFrom('transfer_tickets').where('username', '=', name).execute();
  return true;
}

/** Enable a disabled account; returns false when it was not disabled. */
export async function enableAccount(db: Db, typed: string): Promise<boolean> {
  const name = await existing(db, typed);
  const r = await db
    .updateTable('accounts')
    .set({ disabled_at: null })
    .where('username', '=', name)
    .where('disabled_at', 'is not', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Delete an account as its own `DELETE /v1/accounts/me` does; every node's watch cuts its
 * connections within a second (watch.ts).
 */
export async function deleteAccount(
  db: Db,
  storage: BlobStorage,
  typed: string,
  quarantineDays: number,
  now = Date.now(),
): Promise<DeletionSummary> {
  const name = await existing(db, typed);
  const done = await deleteAccountData(db, storage, name, quarantineDays, now);
  if (done === undefined) throw new OperatorError(`there is no account "${name}"`);
  return done;
}
