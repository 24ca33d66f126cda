/**
 * System lines kept in a conversation's history: a disappearing-messages timer changed, the group
 * was renamed, people joined or left, someone's account was deleted, the group was repaired, or could not be and the conversation moved to a new one. One kind of history entry (a ChatMessage with a typed `system`
 * event and no text), sealed in the history like the messages, at the log position of what caused
 * it, so that every app shows it in order among the messages, after a restart too. The disappearing
 * timer never removes one (it has no expiry).
 */
import { type GroupState, groupMembers } from '@parley/core';
import type { Batch } from '../storage/batch.js';
import { storeSystemEntry } from '../storage/messages.js';
import type { Chat } from './context.js';
import { brokenNotice, repairNotice, resetNotice } from './repair.js';
import { timerNotice } from './timerText.js';
import type { ChatMessage, SystemEvent } from './types.js';

/** Where a system line stands: the log position and, when a message caused it, that message. */
export interface SystemAt {
  seq: number;
  id?: string;
  sentAt: number;
  from?: { accountId: string; deviceId: string } | null;
  /** An own change still in the outbox (status `sending`). */
  pending?: boolean;
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
    status: at.pending === true ? 'sending' : 'received',
    system,
  };
}

/** Store a system line in the batch; the `system` event follows once it is stored. */
export async function storeSystemLine(chat: Chat, w: Batch, entry: ChatMessage): Promise<void> {
  await storeSystemEntry(w, entry);
  w.after(() => chat.events.emit('system', entry));
}

/**
 * The line of a commit at `seq` that changes who is in the conversation (accounts, not devices),
 * staged before the batch applies `after` (the conversation's members are still the ones before).
 * A conversation's own starting adds (and a reset's) have none: nobody joined anything that was
 * going on. The device that makes them says so (membership.ts `quiet`); the others see them come
 * before anything was said in the group (no name, message or timer yet). This device leaving is
 * said as its own doing.
 */
export async function membershipLine(
  chat: Chat,
  w: Batch,
  groupIdHex: string,
  seq: number,
  after: GroupState,
  by: string | null,
): Promise<void> {
  const meta = chat.conversations.meta(groupIdHex);
  if (meta.name === null && meta.last === undefined && meta.timer === undefined) return;
  const before = chat.conversations.members(groupIdHex);
  const now = [...new Set(groupMembers(after).map((m) => m.accountId))].sort();
  const joined = now.filter((a) => !before.includes(a));
  const left = before.filter((a) => !now.includes(a));
  if (joined.length === 0 && left.length === 0) return;
  const me = chat.identity.accountId;
  if (left.includes(me) && meta.leaving) by = me; // our leave, committed
  const at = { seq, sentAt: Date.now(), from: by === null ? null : { accountId: by, deviceId: '' } };
  await storeSystemLine(chat, w, systemEntry(groupIdHex, at, { event: 'members', joined, left, by }));
}

/** "bob joined", "carol is no longer in the conversation", "you were removed by alice". */
function membersText(s: Extract<SystemEvent, { event: 'members' }>, me: string): string {
  const name = (a: string) => (a === me ? 'you' : a);
  const parts: string[] = [];
  if (s.joined.length > 0) parts.push(`${s.joined.map(name).join(', ')} joined`);
  const others = s.left.filter((a) => a !== me);
  if (others.length > 0)
    parts.push(`${others.join(', ')} ${others.length > 1 ? 'are' : 'is'} no longer in the conversation`);
  if (s.left.includes(me))
    parts.push(
      s.by !== null && s.by !== me ? `you were removed by ${s.by}` : 'you are no longer in the conversation',
    );
  return parts.join('; ');
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
    case 'renamed':
      return `the group was renamed “${s.name}”`;
    case 'members':
      return membersText(s, me);
    case 'reset':
      return resetNotice({ from: s.from, to: m.groupId, by: s.by }, me);
    case 'account_deleted':
      return `${s.accountId}’s account was deleted`;
  }
}
