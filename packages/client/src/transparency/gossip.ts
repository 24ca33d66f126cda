/**
 * Gossip of key log heads inside conversations (issue #21): when this device accepts a newer head,
 * it tells each of its conversations (an app message of kind 13, encrypted like any other), at
 * most once per `intervalMs` per conversation, so the traffic stays small whatever the log's pace.
 * A head received from a member goes through the device's LogView like the server's own: a server
 * that shows two people different logs cannot prove the one extends the other, and the member who
 * sees that raises the split view.
 */
import { appMessage, type SignedTreeHead } from '@parley/core';
import type { Chat } from '../chat/context.js';
import { heldBy, pendingIdentityChanges } from '../chat/identityChanges.js';
import { sendOnce } from '../chat/outbox.js';

/** By default a conversation hears of a newer head at most once an hour. */
export const GOSSIP_INTERVAL_MS = 60 * 60 * 1000;

export class HeadGossip {
  /** When each conversation was last told, and of which tree size. */
  private readonly told = new Map<string, { at: number; size: number }>();

  constructor(private readonly intervalMs: number = GOSSIP_INTERVAL_MS) {}

  /** Tell the active conversations of `chat` about `head`, where it is news and not too soon. */
  async tell(chat: Chat, head: SignedTreeHead): Promise<void> {
    const now = Date.now();
    const due = chat.conversations.ids().filter((id) => {
      const last = this.told.get(id);
      const { ended, leaving } = chat.conversations.meta(id);
      return (
        chat.conversations.active(id) &&
        !ended &&
        !leaving &&
        (last === undefined || (last.size < head.size && now - last.at >= this.intervalMs))
      );
    });
    if (due.length === 0 || chat.closed || chat.connection.state !== 'online') return;
    // Like a typing indicator, never queued: one lost is made up for by the next head.
    await chat.serial(async () => {
      const held = await pendingIdentityChanges(chat.store);
      for (const id of due) {
        if (!chat.conversations.active(id) || heldBy(chat, id, held)) continue;
        const app = appMessage({ type: 'key_log', head });
        if ((await sendOnce(chat, id, app)).type !== 'sent') continue;
        this.told.set(id, { at: now, size: head.size });
      }
    });
  }

  /** A member's head: checked against this device's view (a split view raises the event there). */
  static received(chat: Chat, head: SignedTreeHead): void {
    void chat.transparency.accept(head, 'gossip').catch(() => {
      // A split view was reported by the view (event); a head that does not verify is ignored.
    });
  }
}
