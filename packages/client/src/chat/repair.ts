/**
 * Repairing a conversation after a commit this device cannot process. The server accepts a commit
 * once it verified what public data lets it (signature, sender, proposals), but the membership tag,
 * the confirmation tag and the encrypted path secrets (RFC 9420 §6.2, §8.1, §7.6) need the epoch's
 * secrets: a hostile member can send a commit that passes the server and that nobody else can
 * apply. Staying at the old epoch would leave this device unable ever to commit again (every
 * commit of its would get `stale_epoch`), so it rejoins at once by external commit from the latest
 * GroupInfo, replacing its old leaf (RFC 9420 §12.4.3.2), and names the device whose commit broke
 * the group (`group_repaired`), so that the people can remove it.
 */
import {
  commitAuthor,
  type GroupState,
  IdentityKeyMismatchError,
  isActive,
  type Member,
  ParleyError,
} from '@parley/core';
import { inBatch } from '../storage/batch.js';
import { TransportError } from '../transport.js';
import type { Chat } from './context.js';
import { rejoin } from './join.js';
import { markBroken } from './reset.js';
import { StateBehind } from './stateBehind.js';
import { deviceFor } from './suites.js';
import { storeSystemLine, systemEntry } from './systemLines.js';
import type { ConversationReset, GroupBroken, GroupRepaired } from './types.js';

/** The signal, from inbound processing, that a commit of our epoch could not be applied. */
export class BrokenCommit extends StateBehind {
  constructor(
    /** The commit's position in the log. */
    readonly seq: number,
    /** Who signed it, as the group knew them; null when that cannot be read. */
    readonly author: Member | null,
    /** Why processing it failed (a ParleyError code). */
    readonly reason: string,
  ) {
    super(0);
  }
}

/**
 * The BrokenCommit to raise for a message that failed with `code`, when it is a commit of the
 * epoch this device is in (anything else is not a broken group: a late or replayed message, a
 * message of an epoch we rejoined past).
 */
export async function brokenCommit(
  chat: Chat,
  state: GroupState,
  seq: number,
  payload: Uint8Array,
  code: string,
): Promise<BrokenCommit | undefined> {
  if (!isActive(state)) return undefined;
  const commit = await commitAuthor(deviceFor(chat, state), state, payload);
  return commit === undefined ? undefined : new BrokenCommit(seq, commit.author, code);
}

/**
 * Bring a state found behind (a commit of a later epoch arrived) or broken (a commit of our epoch
 * cannot be applied) back into the group by external commit. Returns false when that is not
 * possible — no GroupInfo of the current epoch, or one we cannot join from — after reporting it
 * (`group_broken` for a broken commit, `undecryptable` otherwise); the conversation is then marked
 * broken and not tried again until the next sync, so a stream of such messages costs one attempt.
 */
export async function recover(chat: Chat, groupIdHex: string, e: StateBehind): Promise<boolean> {
  if (!chat.broken.has(groupIdHex)) {
    try {
      if (
        await (e instanceof BrokenCommit ? repair(chat, groupIdHex, e) : rejoin(chat, groupIdHex, e.missed))
      )
        return true;
    } catch (failure) {
      // Offline or timed out: processing stops here and resumes at the next sync, from this message.
      if (!(failure instanceof ParleyError) || failure instanceof IdentityKeyMismatchError) throw failure;
      if (failure instanceof TransportError) throw failure;
      if (!(e instanceof BrokenCommit))
        chat.events.emit('undecryptable', { groupId: groupIdHex, seq: 0, code: failure.code });
    }
    chat.broken.add(groupIdHex);
    if (e instanceof BrokenCommit) {
      const info = describe(groupIdHex, e);
      const line = { event: 'broken' as const, by: info.by, reason: info.reason };
      await inBatch(chat.store, (w) =>
        storeSystemLine(
          chat,
          w,
          systemEntry(groupIdHex, { seq: info.seq, sentAt: Date.now(), from: info.by }, line),
        ),
      );
      chat.events.emit('group_broken', info);
      // Nobody can commit in it any more: its members move to a new group (reset.ts).
      await markBroken(chat, info);
    }
  } else if (!(e instanceof BrokenCommit)) {
    chat.events.emit('undecryptable', { groupId: groupIdHex, seq: 0, code: 'wrong_epoch' });
  }
  return false;
}

/** Rejoin after a broken commit and say who broke the group; false when there was no GroupInfo. */
async function repair(chat: Chat, groupIdHex: string, broken: BrokenCommit): Promise<boolean> {
  const { author } = broken;
  const ours = author?.accountId === chat.identity.accountId && author.deviceId === chat.identity.deviceId;
  // Our own external commit whose answer we lost cannot be applied by us either: rejoining is the
  // remedy there too, but nobody is to blame.
  if (ours) return rejoin(chat, groupIdHex, 0);
  let rejoinedAt: number | undefined;
  if (!(await rejoin(chat, groupIdHex, 0, true, (seq) => (rejoinedAt = seq)))) return false;
  const info = { ...describe(groupIdHex, broken), missed: Math.max(0, rejoinedAt! - broken.seq - 1) };
  const line = { event: 'repaired' as const, by: info.by, reason: info.reason, missed: info.missed };
  // Kept in the history at the broken commit's position (systemLines.ts), then announced.
  await inBatch(chat.store, (w) =>
    storeSystemLine(
      chat,
      w,
      systemEntry(groupIdHex, { seq: info.seq, sentAt: Date.now(), from: info.by }, line),
    ),
  );
  chat.events.emit('group_repaired', info);
  return true;
}

function describe(groupId: string, broken: BrokenCommit): GroupBroken {
  const { author } = broken;
  return {
    groupId,
    seq: broken.seq,
    by: author === null ? null : { accountId: author.accountId, deviceId: author.deviceId },
    reason: broken.reason,
  };
}

/** Who sent a change, as a person reads it: "bob's device 3f2a91c0… sent", "A device that could not be verified sent". */
function sentBy(by: GroupBroken['by'], me: string): string {
  if (by === null) return 'A device whose signature could not be verified sent';
  const device = `${by.deviceId.slice(0, 8)}${by.deviceId.length > 8 ? '…' : ''}`;
  return `${by.accountId === me ? 'Your device' : `${by.accountId}'s device`} ${device} sent`;
}

/**
 * The line both clients show for a repair, from `me`'s point of view: which device broke the
 * conversation (its id shortened), and that it was repaired.
 */
export function repairNotice(info: GroupRepaired, me: string): string {
  const { missed } = info;
  const lost =
    missed === 0
      ? ''
      : ` ${missed} ${missed === 1 ? 'message or change' : 'messages or changes'} sent meanwhile could not be read.`;
  return `${sentBy(info.by, me)} a change that could not be applied; this conversation was repaired.${lost}`;
}

/** The line both clients show when a conversation could not be repaired (see `group_broken`). */
export function brokenNotice(info: GroupBroken, me: string): string {
  return `${sentBy(info.by, me)} a change that could not be applied, and this conversation could not be repaired: its members can still write, but nobody can be added or removed until it moves to a new group without that device.`;
}

/** The line both clients show when a conversation moved to a new group (see `conversation_reset`). */
export function resetNotice(info: ConversationReset, me: string): string {
  if (info.by === null) return 'This conversation could not be repaired and was moved to a new group.';
  const without = info.by.accountId === me ? 'your account' : info.by.accountId;
  return `${sentBy(info.by, me)} a change that could not be applied; this conversation was moved to a new group without ${without}.`;
}
