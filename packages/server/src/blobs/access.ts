/**
 * Who may touch a blob. Every attachment route needs a device's transfer ticket
 * (transferTickets.ts: `Authorization: Bearer <ticket>`, handed out over the device's authenticated
 * WebSocket), which names the account and the device. A blob is read by any device of the account
 * that uploaded it, or by a device that was a member of the blob's group when the message carrying
 * it was stored: the same devices a `fetch` hands that message to.
 */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db.js';
import { joinEpoch } from '../delivery/log.js';
import { ticketHolder } from '../transferTickets.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The account of the request's transfer ticket: set by requireDevice's hook. */
    account: string;
    /** The device of the request's transfer ticket: set by requireDevice's hook. */
    device: string;
  }
}

/** Blob ids: 128 random bits in lowercase hex. */
export const BLOB_ID = /^[0-9a-f]{32}$/;

/** Every route of `scope` needs a current device's transfer ticket (else 401). */
export function requireDevice(scope: FastifyInstance, db: Db): void {
  if (!scope.hasRequestDecorator('account')) scope.decorateRequest('account', '');
  if (!scope.hasRequestDecorator('device')) scope.decorateRequest('device', '');
  scope.addHook('preHandler', async (request) => {
    const holder = await ticketHolder(db, request);
    request.account = holder.accountId;
    request.device = holder.deviceId;
  });
}

/** A blob's row as the access checks read it. */
export interface BlobRow {
  id: string;
  username: string;
  group_id: Uint8Array;
  length: number;
  complete: number;
  seq: number | null;
  expires_at: number | null;
}

export function blobRow(db: Db, id: string): Promise<BlobRow | undefined> {
  return db
    .selectFrom('blobs')
    .select(['id', 'username', 'group_id', 'length', 'complete', 'seq', 'expires_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Whether `device` of `account` may read the blob: complete, not expired, and the uploader's, or
 * attached to a message that is still stored and that one of the account's devices was a member
 * for: joined before it (joined_seq is the commit that added the device), not removed before it
 * (removed_seq is the commit that removed it), and, like fetch, not an application message of an
 * epoch before that device's first one (encrypted before the sender saw the commit that added it).
 *
 * By account, not by device: a device linked later receives the history, with the files' keys,
 * from the account's other devices (history transfer, backups), and needs the sealed file to open
 * it. The ciphertext gives nothing without the key, which only the conversation's MLS messages or
 * the account's own devices carry; an account that was never a member at that message (removed
 * before it, added after it, a stranger) still finds nothing. The caller has checked that the
 * device is a current one of the account (its transfer ticket).
 */
export async function mayRead(
  db: Db,
  blob: BlobRow,
  account: string,
  _device: string,
  now = Date.now(),
): Promise<boolean> {
  if (blob.complete !== 1 || (blob.expires_at !== null && blob.expires_at <= now)) return false;
  if (blob.username === account) return true;
  if (blob.seq === null) return false;
  const seq = blob.seq;
  const devices = await db
    .selectFrom('group_members')
    .select(['joined_seq', 'removed_seq'])
    .where('group_id', '=', blob.group_id)
    .where('username', '=', account)
    .where('joined_seq', '<', seq)
    .where((eb) => eb.or([eb('removed_seq', 'is', null), eb('removed_seq', '>', seq)]))
    .execute();
  if (devices.length === 0) return false;
  const message = await db
    .selectFrom('messages')
    .select('epoch')
    .where('group_id', '=', blob.group_id)
    .where('seq', '=', seq)
    .executeTakeFirst();
  if (message === undefined) return false;
  for (const member of devices) {
    const firstEpoch = await joinEpoch(db, blob.group_id, member.joined_seq);
    if (firstEpoch === undefined || message.epoch >= firstEpoch) return true;
  }
  return false;
}
