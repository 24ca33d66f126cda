/**
 * Transfer tickets: how a device proves itself on the attachment routes (HTTP). The WebSocket is
 * authenticated by the device key; over it a device asks for a ticket (`ticket_get`), a random
 * bearer token bound to that account and device, valid for TICKET_LIFETIME_MS. The HTTP routes take
 * it as `Authorization: Bearer <ticket>` and learn the device from it: no password or account
 * session is needed (the web app keeps none), and access rules can name the device. Only the
 * ticket's SHA-256 is stored, so every node of a cluster checks it and a database leak reveals
 * none. A revoked device's tickets stop working at once (the check reads the device's row).
 */
import type { FastifyRequest } from 'fastify';
import { newSecret, sha256 } from './crypto.js';
import type { Db } from './db.js';
import { ApiError } from './errors.js';
import type { Hub } from './hub.js';

export const TICKET_LIFETIME_MS = 3600_000;

/** The device a ticket stands for. */
export interface TicketHolder {
  accountId: string;
  deviceId: string;
}

/** Hand out tickets to authenticated connections. */
export function transferTickets(hub: Hub, db: Db): void {
  hub.on('ticket_get', async (session, frame) => {
    const token = newSecret();
    const expiresAt = Date.now() + TICKET_LIFETIME_MS;
    await db
      .insertInto('transfer_tickets')
      .values({
        token_hash: sha256(token),
        username: session.accountId,
        device_id: session.deviceId,
        expires_at: expiresAt,
      })
      .execute();
    return { type: 'ticket', requestId: frame.requestId, token, expiresAt };
  });
}

/** The device of the request's ticket, or 401 unauthorized (none, unknown, expired, revoked device). */
export async function ticketHolder(db: Db, request: FastifyRequest): Promise<TicketHolder> {
  const header = request.headers.authorization;
  if (header === undefined || !header.startsWith('Bearer ') || header.length > 200)
    throw new ApiError(401, 'unauthorized', 'a transfer ticket is required');
  const row = await db
    .selectFrom('transfer_tickets')
    .innerJoin('devices', (j) =>
      j
        .onRef('devices.username', '=', 'transfer_tickets.username')
        .onRef('devices.device_id', '=', 'transfer_tickets.device_id'),
    )
    .select(['transfer_tickets.username', 'transfer_tickets.device_id', 'transfer_tickets.expires_at'])
    .innerJoin('accounts', 'accounts.username', 'transfer_tickets.username')
    .where('transfer_tickets.token_hash', '=', sha256(header.slice(7)))
    .where('devices.revoked_at', 'is', null)
    .where('accounts.disabled_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined || row.expires_at < Date.now())
    throw new ApiError(401, 'unauthorized', 'the transfer ticket is not valid');
  return { accountId: row.username, deviceId: row.device_id };
}

/** Drop expired tickets (run with the other periodic sweeps). */
export async function sweepTickets(db: Db, now = Date.now()): Promise<number> {
  const r = await db.deleteFrom('transfer_tickets').where('expires_at', '<', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}
