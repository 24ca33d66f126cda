/**
 * Reaction clocks: for each message, the latest reaction change (added or removed) of each account
 * and emoji, by the sender's clock and then the change's id. A change older than the one recorded
 * is ignored, so every device ends with the same reactions whatever order its own changes and its
 * other devices' changes were applied in.
 */
import type { Records } from './batch.js';

/** [sentAt, message id] of a reaction change. */
export type ReactionClock = [number, string];

const clocks = (groupIdHex: string) => `reaction-clocks:${groupIdHex}`;
const slot = (emoji: string, accountId: string) => `${accountId}\n${emoji}`;

/** Whether a change stamped `clock` is the latest one for this account and emoji; recorded if so. */
export async function newerReaction(
  r: Records,
  groupIdHex: string,
  messageId: string,
  emoji: string,
  accountId: string,
  clock: ReactionClock,
): Promise<boolean> {
  const all = (await r.getJson<Record<string, ReactionClock>>(clocks(groupIdHex), messageId)) ?? {};
  const seen = all[slot(emoji, accountId)];
  if (seen !== undefined && (clock[0] < seen[0] || (clock[0] === seen[0] && clock[1] <= seen[1])))
    return false;
  await r.putJson(clocks(groupIdHex), messageId, { ...all, [slot(emoji, accountId)]: clock });
  return true;
}

/** A deleted message keeps no reactions. */
export async function dropReactionClocks(r: Records, groupIdHex: string, messageId: string): Promise<void> {
  await r.delete(clocks(groupIdHex), messageId);
}
