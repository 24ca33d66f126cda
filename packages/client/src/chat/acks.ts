/** Acknowledging processed log positions to the server: delayed, coalesced, never awaited. */
import { fromHex } from '@parley/core';
import type { Connection } from '../transport.js';

/** How long an ack waits for the positions after it. */
const ACK_DELAY_MS = 200;

interface GroupAck {
  seq: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  sending: boolean;
}

export class Acks {
  /** Per group: the highest log position processed, to acknowledge, and the ack waiting or on its way. */
  private readonly acks = new Map<string, GroupAck>();
  private closed = false;

  constructor(private readonly connection: Connection) {}

  /**
   * Tell the server this device has processed its log up to `seq` (what every member acknowledged
   * may be deleted, see retention). Delayed and coalesced, as TCP delays its acks: the first
   * position waits ACK_DELAY_MS for those after it, at most one ack per group is on its way, and
   * each carries the newest position; so a burst of messages costs a few acks, and processing never
   * waits for one. An ack lost with the connection is forgotten here, and going online again acks
   * the cursor of every group where the server's position is behind it (see chat/sync.ts).
   */
  ack(groupIdHex: string, seq: number): void {
    let a = this.acks.get(groupIdHex);
    if (a === undefined) {
      a = { seq: 0, timer: undefined, sending: false };
      this.acks.set(groupIdHex, a);
    }
    if (seq <= a.seq) return;
    a.seq = seq;
    if (a.timer !== undefined || a.sending || this.closed) return;
    const pending = a;
    pending.timer = setTimeout(() => void this.send(groupIdHex, pending), ACK_DELAY_MS);
  }

  private async send(groupIdHex: string, pending: GroupAck): Promise<void> {
    pending.timer = undefined;
    pending.sending = true;
    try {
      for (let sent = 0; pending.seq > sent && !this.closed; ) {
        sent = pending.seq;
        await this.connection.request({ type: 'ack', groupId: fromHex(groupIdHex), seq: sent });
      }
    } catch {
      // Lost with the connection: forget it, so the next ack of this position goes out.
      if (this.acks.get(groupIdHex) === pending) this.acks.delete(groupIdHex);
    } finally {
      pending.sending = false;
    }
  }

  close(): void {
    this.closed = true;
    for (const a of this.acks.values()) clearTimeout(a.timer);
  }
}
