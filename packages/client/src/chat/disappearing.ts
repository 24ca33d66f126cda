/**
 * Disappearing messages. A conversation's timer is an encrypted application message (`timer`,
 * seconds, 0 = off) that any member may send; every device applies the timers in log order, so the
 * last one in the log wins (own ones are applied when queued, as a rename is). A text sent while a
 * timer is on carries its expiry (sent at + timer, the sender's clock) inside the encrypted message
 * and tells the server in the `send` frame, which deletes its copy then. Each device removes an
 * expired message from its store altogether (its record, its id index and its reactions; no
 * tombstone), by a sweep when the client opens and a timer for the next expiry; one that arrives
 * already expired is never stored. Whoever adds people states the timer again for the newcomers;
 * a timer equal to the current one changes nothing (and shows nothing).
 */
import { type AppBody, MAX_TIMER_SECONDS, ParleyError } from '@parley/core';
import { type Batch, inBatch } from '../storage/batch.js';
import { expiringMessages } from '../storage/expiring.js';
import { removeMessage, storedPage } from '../storage/messages.js';
import { dropReactionClocks } from '../storage/reactionClocks.js';
import { isContent } from './content.js';
import type { Chat } from './context.js';
import { enqueue, pendingLine } from './outbox.js';

/** The shortest timer people can choose: five minutes (tests may ask for shorter ones). */
export const MIN_TIMER_SECONDS = 5 * 60;
export { MAX_TIMER_SECONDS };

/** A timer people may set: 0 (off), or 5 minutes to 4 weeks (any whole seconds in tests). */
export function checkTimer(chat: Chat, seconds: number): number {
  const least = chat.expiry.shortTimers ? 1 : MIN_TIMER_SECONDS;
  if (!Number.isSafeInteger(seconds) || (seconds !== 0 && (seconds < least || seconds > MAX_TIMER_SECONDS)))
    throw new ParleyError('usage', 'disappearing messages go after 5 minutes to 4 weeks, or never (off)');
  return seconds;
}

/**
 * Apply a timer (received, or set by this device): recorded and announced unless it is the current
 * one. Whether it changed anything (then it is a system line in the history, see systemLines.ts).
 */
export async function applyTimer(
  chat: Chat,
  w: Batch,
  groupIdHex: string,
  by: string,
  seconds: number,
): Promise<boolean> {
  if ((chat.conversations.meta(groupIdHex).timer?.seconds ?? 0) === seconds) return false;
  await chat.conversations.updateMeta(w, groupIdHex, { timer: { seconds, by } });
  w.after(() => {
    chat.events.emit('timer', { groupId: groupIdHex, seconds, by });
    chat.events.emit('conversation', groupIdHex);
  });
  return true;
}

/** A text or file queued now carries its expiry while the conversation's timer is on. */
export function withExpiry<B extends AppBody>(chat: Chat, groupIdHex: string, body: B, now: number): B {
  const seconds = chat.conversations.meta(groupIdHex).timer?.seconds ?? 0;
  if (!isContent(body) || seconds === 0) return body;
  return { ...body, expiresAt: now + seconds * 1000 };
}

/** Set a conversation's timer here and tell everyone in it (in the caller's serial section). */
export async function setTimer(chat: Chat, groupIdHex: string, seconds: number): Promise<void> {
  checkTimer(chat, seconds);
  await inBatch(chat.store, async (w) => {
    const changed = await applyTimer(chat, w, groupIdHex, chat.identity.accountId, seconds);
    // A change enters the history as a system line once the server stored it (outbox.ts sent).
    const app = await enqueue(chat, w, groupIdHex, { type: 'timer', seconds }, { announce: changed });
    if (changed) w.after(() => chat.events.emit('system', pendingLine(chat, groupIdHex, app)));
  });
}

/** Whether a message's time is up. */
export function expired(expiresAt: number | undefined, now = Date.now()): boolean {
  return expiresAt !== undefined && expiresAt <= now;
}

/** Remove every stored message whose time is up, then wait for the next one (run in the serial queue). */
export async function sweep(chat: Chat): Promise<void> {
  const now = Date.now();
  const all = await expiringMessages(chat.store);
  for (const m of all.filter((e) => e.expiresAt <= now))
    await inBatch(chat.store, async (w) => {
      await removeMessage(w, m);
      await dropReactionClocks(w, m.groupId, m.id);
      const meta = chat.conversations.meta(m.groupId);
      if (meta.unread.includes(m.id))
        await chat.conversations.updateMeta(w, m.groupId, { unread: meta.unread.filter((i) => i !== m.id) });
      if (meta.last?.id === m.id) {
        // The message before it (system lines in between are not a conversation's last message).
        const before = await storedPage(chat.store, m.groupId, undefined, 20);
        const last = before.messages.filter((x) => x.id !== m.id && x.system === undefined).at(-1);
        await chat.conversations.updateMeta(w, m.groupId, { last });
      }
      w.after(() => {
        chat.events.emit('message_expired', { groupId: m.groupId, id: m.id });
        chat.events.emit('conversation', m.groupId);
      });
    });
  const next = all.find((e) => e.expiresAt > now);
  chat.expiry.next = 0;
  if (next !== undefined) sweepAt(chat, next.expiresAt);
}

/** Sweep at `expiresAt` (or sooner, if another sweep is due first). */
export function sweepAt(chat: Chat, expiresAt: number): void {
  if (chat.closed || (chat.expiry.next !== 0 && chat.expiry.next <= expiresAt)) return;
  clearTimeout(chat.expiry.timer);
  chat.expiry.next = expiresAt;
  // setTimeout holds at most about 24.8 days: a later expiry is reached by sweeping on the way.
  const delay = Math.min(Math.max(expiresAt - Date.now(), 0), 2 ** 31 - 1);
  chat.expiry.timer = setTimeout(() => {
    chat.expiry.next = 0;
    void chat.serial(() => sweep(chat)).catch(() => {});
  }, delay);
}
