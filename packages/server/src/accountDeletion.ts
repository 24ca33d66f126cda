/**
 * Deleting an account (issue #18): what the account's own `DELETE /v1/accounts/me` and the
 * operator's `parley-server accounts delete` both do. In one transaction it deletes the account's
 * devices, key packages, sessions, transfer tickets, pending Welcomes, device links, identity
 * resets, blocks (both ways), the reports it filed, its blobs' rows and its account row, and writes a tombstone that
 * reserves the name and its confusable skeleton (lookalikes.ts) for the quarantine period; the
 * blobs' bytes go right after, and the key transparency log gets an `account_deleted` entry.
 * Messages it already sent stay in the groups' logs (they are the other members' history) until
 * retention. Its group_members rows stay as they are: they mirror the MLS ratchet tree, whose
 * leaves only a member's commit removes (the leave the client proposed before deleting, or else
 * the remaining members' removal once the server told them, goneMembers.ts); with no device left
 * the rows deliver nothing, and retention no longer waits for them (retention.ts).
 */
import type { BlobStorage } from './blobs/storage.js';
import type { Db } from './db.js';
import { usernameSkeleton } from './lookalikes.js';
import { periodic } from './periodic.js';
import { appendKeyEvent } from './transparency/append.js';

export const DAY_MS = 24 * 3600_000;

/** What a deletion removed, for the operator's command and the route's answer. */
export interface DeletionSummary {
  username: string;
  devices: string[];
  keyPackages: number;
  sessions: number;
  blobs: number;
  blocks: number;
  reports: number;
  /** Until when the name (and its lookalikes) cannot be registered again. */
  reservedUntil: number;
}

const count = (r: { numDeletedRows: bigint }) => Number(r.numDeletedRows);

/**
 * Delete the account `name` (canonical) and everything the server holds for it but the messages it
 * sent; undefined when there is no such account. Cutting its live connections is the caller's
 * (the route closes them at once; every node's watch also closes them, moderation/watch.ts).
 */
export async function deleteAccountData(
  db: Db,
  storage: BlobStorage,
  name: string,
  quarantineDays: number,
  now = Date.now(),
): Promise<DeletionSummary | undefined> {
  const reservedUntil = now + quarantineDays * DAY_MS;
  const result = await db.transaction().execute(async (tx) => {
    const gone = await tx.deleteFrom('sessions').where('username', '=', name).executeTakeFirst();
    const account = await tx
      .selectFrom('accounts')
      .select('username')
      .where('username', '=', name)
      .executeTakeFirst();
    if (account === undefined) return undefined;
    const devices = await tx.selectFrom('devices').select('device_id').where('username', '=', name).execute();
    const keyPackages = await tx.deleteFrom('key_packages').where('username', '=', name).executeTakeFirst();
    await tx.deleteFrom('transfer_tickets').where('username', '=', name).execute();
    await tx.deleteFrom('welcomes').where('username', '=', name).execute();
    await tx.deleteFrom('device_links').where('username', '=', name).execute();
    await tx.deleteFrom('identity_resets').where('username', '=', name).execute();
    const blocks = await tx
      .deleteFrom('blocks')
      .where((eb) => eb.or([eb('blocker', '=', name), eb('blocked', '=', name)]))
      .executeTakeFirst();
    const reports = await tx.deleteFrom('reports').where('reporter', '=', name).executeTakeFirst();
    const blobs = await tx.selectFrom('blobs').select('id').where('username', '=', name).execute();
    await tx.deleteFrom('blobs').where('username', '=', name).execute();
    await tx.deleteFrom('devices').where('username', '=', name).execute();
    await tx.deleteFrom('accounts').where('username', '=', name).execute();
    // Logged, so the members who remove its leaves check it there, and a deletion the server made
    // up of a live account is in its owner's sight (client transparency/monitor.ts).
    await appendKeyEvent(tx, { kind: 'account_deleted', accountId: name });
    const tombstone = { skeleton: usernameSkeleton(name), deleted_at: now, free_at: reservedUntil };
    await tx
      .insertInto('deleted_accounts')
      .values({ username: name, ...tombstone })
      .onConflict((oc) => oc.column('username').doUpdateSet(tombstone))
      .execute();
    return {
      username: name,
      devices: devices.map((d) => d.device_id),
      keyPackages: count(keyPackages),
      sessions: count(gone),
      blobs: blobs.map((b) => b.id),
      blocks: count(blocks),
      reports: count(reports),
      reservedUntil,
    };
  });
  if (result === undefined) return undefined;
  // The rows went first: a blob without its row is never served, and its bytes go now.
  for (const id of result.blobs) await storage.remove(id);
  return { ...result, blobs: result.blobs.length };
}

/** Whether `name` (canonical) or a lookalike of it is a deleted account's name still in quarantine. */
export async function nameQuarantined(db: Db, name: string, now = Date.now()): Promise<boolean> {
  const row = await db
    .selectFrom('deleted_accounts')
    .select('username')
    .where((eb) => eb.or([eb('username', '=', name), eb('skeleton', '=', usernameSkeleton(name))]))
    .where('free_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/** Free the names whose quarantine is over; returns how many. */
export async function freeDeletedNames(db: Db, now = Date.now()): Promise<number> {
  return count(await db.deleteFrom('deleted_accounts').where('free_at', '<=', now).executeTakeFirst());
}

export const FREE_NAMES_INTERVAL_MS = 3600_000;

export function scheduleFreeNames(db: Db, onError: (e: unknown) => void): () => void {
  return periodic(FREE_NAMES_INTERVAL_MS, async () => void (await freeDeletedNames(db)), onError);
}
