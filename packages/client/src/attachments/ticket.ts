/**
 * The device's transfer ticket (server transferTickets.ts): asked for over the authenticated
 * connection, kept while it has more than TICKET_MARGIN_MS left, and asked for again after the
 * server refused it (expired, or the server restarted with another database).
 */
import { ParleyError } from '@parley/core';
import type { Connection } from '../transport.js';

const TICKET_MARGIN_MS = 5 * 60_000;

export class Tickets {
  private current: { token: string; expiresAt: number } | undefined;

  constructor(private readonly connection: Connection) {}

  /** The `Authorization` header value for the attachment routes. */
  async authorization(): Promise<string> {
    if (this.current === undefined || this.current.expiresAt - Date.now() < TICKET_MARGIN_MS) {
      const answer = await this.connection.request({ type: 'ticket_get' });
      if (answer.type === 'error') throw new ParleyError('protocol', `no transfer ticket: ${answer.message}`);
      if (answer.type !== 'ticket') throw new ParleyError('protocol', 'unexpected answer to ticket_get');
      this.current = { token: answer.token, expiresAt: answer.expiresAt };
    }
    return `Bearer ${this.current.token}`;
  }

  /** The server refused the ticket: the next call asks for a new one. */
  forget(): void {
    this.current = undefined;
  }
}
