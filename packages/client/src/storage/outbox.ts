/** The persisted outbox: encoded application messages waiting to be sent, in order. */
import { type AppMessage, encodeAppMessage, toHex } from '@parley/core';
import type { SealedStore } from '../store.js';
import type { Records } from './batch.js';

const OUTBOX = 'outbox';

export interface OutboxItem {
  groupId: string;
  messageId: string;
  /** The encoded (padded) application message, hex. */
  body: string;
  /** Handed to the server at least once: it may be in the group's log already. */
  attempted?: boolean;
  /** A disappearing message: when its time is up (it is not sent after that). */
  expiresAt?: number;
  /** A file: the uploaded blob it names, attached to the message when the server stores it. */
  blobIds?: string[];
  /** A change this device made (a timer): a system line in the history once stored (chat/systemLines.ts). */
  announce?: boolean;
}

/** Outbox keys: a counter, restarting after the last item when the client opens. */
export class Outbox {
  private constructor(private counter: number) {}

  static async open(store: SealedStore): Promise<Outbox> {
    const items = await store.list(OUTBOX);
    return new Outbox(items.length > 0 ? Number(items.at(-1)!.key) + 1 : 0);
  }

  async add(r: Records, groupIdHex: string, app: AppMessage, announce = false): Promise<void> {
    const item: OutboxItem = { groupId: groupIdHex, messageId: app.id, body: toHex(encodeAppMessage(app)) };
    const b = app.body;
    if (announce) item.announce = true;
    if ((b.type === 'text' || b.type === 'attachment') && b.expiresAt !== undefined)
      item.expiresAt = b.expiresAt;
    if (b.type === 'attachment') item.blobIds = [b.blobId];
    await r.putJson(OUTBOX, String(this.counter++).padStart(12, '0'), item);
  }
}

export async function outboxItems(store: SealedStore): Promise<Array<{ key: string; item: OutboxItem }>> {
  return (await store.list(OUTBOX)).map(({ key, value }) => ({
    key,
    item: JSON.parse(new TextDecoder().decode(value)) as OutboxItem,
  }));
}

export async function setOutboxItem(r: Records, key: string, item: OutboxItem): Promise<void> {
  await r.putJson(OUTBOX, key, item);
}

export async function removeOutboxItem(r: Records, key: string): Promise<void> {
  await r.delete(OUTBOX, key);
}
