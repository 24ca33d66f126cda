/** Who among the contacts is online, as the server last said, and when to ask it again. */
import type { Connection } from '../transport.js';
import type { Emitter } from './events.js';

export interface PresenceEntry {
  accountId: string;
  online: boolean;
  lastSeen: number;
}

export class Presence {
  private readonly of = new Map<string, { online: boolean; lastSeen: number }>();
  /** Membership changed: who our contacts are may have changed too, so ask for presence again. */
  stale = true;

  constructor(
    private readonly connection: Connection,
    private readonly events: Emitter,
  ) {}

  update(entries: PresenceEntry[]): void {
    for (const e of entries) {
      const before = this.of.get(e.accountId);
      this.of.set(e.accountId, { online: e.online, lastSeen: e.lastSeen });
      if (before?.online !== e.online) this.events.emit('presence', e);
    }
  }

  /** Ask the server again if membership changed since the last answer. */
  async refreshIfStale(): Promise<void> {
    if (!this.stale) return;
    this.stale = false;
    const presence = await this.connection.request({ type: 'presence_query' });
    if (presence.type === 'presence') this.update(presence.entries);
  }

  online(): string[] {
    return [...this.of].filter(([, p]) => p.online).map(([a]) => a);
  }

  lastSeen(accountId: string): number | undefined {
    return this.of.get(accountId)?.lastSeen;
  }
}
