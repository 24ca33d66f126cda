/**
 * System lines kept in a conversation's history: a disappearing-messages timer changed, the group
 * was repaired, or could not be. One kind of history entry (a ChatMessage with a typed `system`
 * event and no text), sealed in the history like the messages, at the log position of what caused
 * it, so that every app shows it in order among the messages, after a restart too. The disappearing
 * timer never removes one (it has no expiry).
 */
import type { Batch } from '../storage/batch.js';
import { storeSystemEntry } from '../storage/messages.js';
import type { Chat } from './context.js';
import { brokenNotice, repairNotice } from './repair.js';
import { timerNotice } from './timerText.js';
import type { ChatMessage, SystemEvent } from './types.js';

/** Where a system line stands: the log position and, when a message caused it, that message. */
export interface SystemAt {
  seq: number;
  id?: string;
  sentAt: number;
  from?: { accountId: string; deviceId: string } | null;
}

/** The history entry of a system line (its id: the message's that caused it, else one of its position). */
export function systemEntry(groupId: string, at: SystemAt, system: SystemEvent): ChatMessage {
  return {
    groupId,
    seq: at.seq,
    id: at.id ?? `system-${at.seq}-${system.event}`,
    from: at.from ?? { accountId: '', deviceId: '' },
    sentAt: at.sentAt,
    text: '',
    status: at.seq === 0 ? 'sending' : 'received',
    system,
  };
}

/** Store a system line in the batch; the `system` event follows once it is stored. */
export async function storeSystemLine(chat: Chat, w: Batch, entry: ChatMessage): Promise<void> {
  await storeSystemEntry(w, entry);
  w.after(() => chat.events.emit('system', entry));
}

/** A system line in words, from `me`'s point of view ("you set disappearing messages to 1 hour"). */
export function systemText(m: Pick<ChatMessage, 'groupId' | 'seq' | 'system'>, me: string): string {
  const s = m.system;
  if (s === undefined) return '';
  switch (s.event) {
    case 'timer':
      return timerNotice(s, me);
    case 'repaired':
      return repairNotice(
        { groupId: m.groupId, seq: m.seq, by: s.by, reason: s.reason, missed: s.missed },
        me,
      );
    case 'broken':
      return brokenNotice({ groupId: m.groupId, seq: m.seq, by: s.by, reason: s.reason }, me);
  }
}
