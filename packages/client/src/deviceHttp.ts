/**
 * The server's device-authenticated HTTP routes (attachments, reports): each request carries the
 * device's transfer ticket (attachments/ticket.ts), asked for again once when the server refuses it.
 */
import { fetchBlobHttp } from './attachments/fetchHttp.js';
import { Tickets } from './attachments/ticket.js';
import type { BlobAnswer, BlobHttp } from './attachments/types.js';
import type { Connection } from './transport.js';

export class DeviceHttp {
  readonly http: BlobHttp;
  readonly base: string;
  private readonly tickets: Tickets;

  constructor(connection: Connection, serverUrl: string, http: BlobHttp | undefined) {
    this.http = http ?? fetchBlobHttp;
    this.tickets = new Tickets(connection);
    this.base = serverUrl.replace(/^ws/, 'http').replace(/\/$/, '');
  }

  /** The `Authorization` header value. */
  authorization(): Promise<string> {
    return this.tickets.authorization();
  }

  /** The server refused the ticket: the next request asks for a new one. */
  refused(): void {
    this.tickets.forget();
  }

  /** A request to `path` (`/v1/…`); a JSON `body` is sent as such. */
  async request(
    method: 'GET' | 'DELETE' | 'POST',
    path: string,
    options: { headers?: Record<string, string>; json?: unknown; signal?: AbortSignal } = {},
  ): Promise<BlobAnswer> {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        ...options.headers,
        authorization: await this.authorization(),
        ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}),
      };
      const body = options.json !== undefined ? JSON.stringify(options.json) : undefined;
      const answer = await this.http.send(method, this.base + path, headers, options.signal, body);
      if (answer.status !== 401 || attempt > 0) return answer;
      this.refused();
    }
  }
}
