/**
 * A conversation's system lines in the person's language (the SDK's systemText says them in
 * English, for the terminal): timer changes, renames, people joining and leaving, repairs, deleted accounts and moves
 * to a new group, from `me`'s point of view.
 */
import type { ChatMessage, SystemEvent } from '@parley/client';
import { t } from './i18n/t.js';
import { formatDuration } from './time.js';

type By = { accountId: string; deviceId: string } | null;

/** Who sent the change that broke the group: "bob’s device 3f2a91c0…". */
function device(by: By, me: string): string {
  if (by === null) return t('system.byUnknown');
  const id = `${by.deviceId.slice(0, 8)}${by.deviceId.length > 8 ? '…' : ''}`;
  return by.accountId === me
    ? t('system.byMine', { device: id })
    : t('system.byOther', { account: by.accountId, device: id });
}

function members(s: Extract<SystemEvent, { event: 'members' }>, me: string): string {
  const name = (a: string) => (a === me ? t('system.you') : a);
  const parts: string[] = [];
  if (s.joined.length > 0)
    parts.push(t('system.joined', { names: s.joined.map(name).join(', '), count: s.joined.length }));
  const others = s.left.filter((a) => a !== me);
  if (others.length > 0) parts.push(t('system.left', { names: others.join(', '), count: others.length }));
  if (s.left.includes(me))
    parts.push(s.by !== null && s.by !== me ? t('system.removedBy', { by: s.by }) : t('system.youLeft'));
  return parts.join('; ');
}

/** A system line in words ("you set disappearing messages to 1 hour"). */
export function systemLine(m: Pick<ChatMessage, 'system'>, me: string): string {
  const s = m.system;
  if (s === undefined) return '';
  switch (s.event) {
    case 'timer': {
      const mine = s.by === me ? 'yes' : 'no';
      return s.seconds === 0
        ? t('system.timerOff', { mine, who: s.by })
        : t('system.timerSet', { mine, who: s.by, duration: formatDuration(s.seconds) });
    }
    case 'repaired':
      return t('system.repaired', { by: device(s.by, me), missed: s.missed });
    case 'broken':
      return t('system.broken', { by: device(s.by, me) });
    case 'renamed':
      return t('system.renamed', { name: s.name });
    case 'account_deleted':
      return t('system.accountDeleted', { account: s.accountId });
    case 'members':
      return members(s, me);
    case 'reset':
      if (s.by === null) return t('system.resetUnknown');
      return t('system.reset', {
        by: device(s.by, me),
        mine: s.by.accountId === me ? 'yes' : 'no',
        account: s.by.accountId,
      });
  }
}
