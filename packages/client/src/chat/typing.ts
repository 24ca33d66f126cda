/** Typing indicators: sent at most every TYPING_REPEAT_MS, and shown for TYPING_TTL_MS when received. */
import { appMessage } from '@parley/core';
import type { Chat } from './context.js';
import type { Emitter } from './events.js';
import { heldBy, pendingIdentityChanges } from './identityChanges.js';
import { sendOnce } from './outbox.js';

/** A "typing" indicator is repeated at most this often while typing, and expires after TYPING_TTL_MS. */
export const TYPING_REPEAT_MS = 3_000;
export const TYPING_TTL_MS = 6_000;

export class Typing {
  private readonly sentAt = new Map<string, number>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly events: Emitter) {}

  /** Whether an indicator goes out now; remembers it if so. */
  due(groupIdHex: string, typing: boolean): boolean {
    const last = this.sentAt.get(groupIdHex);
    if (typing && last !== undefined && Date.now() - last < TYPING_REPEAT_MS) return false;
    if (!typing && last === undefined) return false;
    if (typing) this.sentAt.set(groupIdHex, Date.now());
    else this.sentAt.delete(groupIdHex);
    return true;
  }

  /** A member's indicator arrived: show it, and hide it after TYPING_TTL_MS unless repeated. */
  received(groupIdHex: string, accountId: string, active: boolean): void {
    const key = `${groupIdHex}:${accountId}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    if (active) {
      this.timers.set(
        key,
        setTimeout(() => {
          this.timers.delete(key);
          this.events.emit('typing', { groupId: groupIdHex, accountId, typing: false });
        }, TYPING_TTL_MS),
      );
    }
    this.events.emit('typing', { groupId: groupIdHex, accountId, typing: active });
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
  }
}

/** Send an indicator now, if online and allowed; never queued (a lost one is of no consequence). */
export async function sendTyping(chat: Chat, groupIdHex: string, typing: boolean): Promise<void> {
  if (chat.connection.state !== 'online' || !chat.conversations.active(groupIdHex)) return;
  if (!chat.typing.due(groupIdHex, typing)) return;
  await chat
    .serial(async () => {
      if (heldBy(chat, groupIdHex, await pendingIdentityChanges(chat.store))) return;
      const app = appMessage({ type: 'typing', active: typing });
      await sendOnce(chat, groupIdHex, app);
    })
    .catch(() => {});
}
