/** Who among the contacts is online, as the server last said, when to ask it again, and sharing it. */
import { isErrorCode, ParleyError, type ServerFrame } from '@parley/core';
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

  /**
   * Whether this account shares its presence (and so sees its contacts'): `share` sets it first.
   * The server then pushes what changed (contacts hidden or shown again).
   */
  async sharing(share: boolean | null): Promise<boolean> {
    const answer = await this.connection.request({ type: 'presence_share', share });
    if (answer.type !== 'presence_sharing') throw refusal(answer);
    return answer.share;
  }

  online(): string[] {
    return [...this.of].filter(([, p]) => p.online).map(([a]) => a);
  }

  lastSeen(accountId: string): number | undefined {
    return this.of.get(accountId)?.lastSeen;
  }
}

/** The error a server answered with (a server that predates the frame cannot read it: `protocol`). */
function refusal(answer: ServerFrame): ParleyError {
  if (answer.type === 'error' && isErrorCode(answer.code) && answer.code !== 'decode_error')
    return new ParleyError(answer.code, answer.message);
  return new ParleyError('protocol', 'the server does not support the presence setting');
}
