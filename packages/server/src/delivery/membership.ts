/**
 * How a commit changes a group's member list, as MLS does (RFC 9420 §12.3): removes blank their
 * leaves, then each added device takes the leftmost free leaf, then an external joiner does.
 */
import { FrameError } from '../hub.js';
import type { Member, Plan } from './policy.js';

/** A device taking a leaf; `welcomed` when it joins by the commit's Welcome. */
export interface Joining {
  username: string;
  deviceId: string;
  leaf: number;
  welcomed: boolean;
}

export interface MembershipChange {
  removed: Member[];
  joining: Joining[];
}

/** The change a commit's plan makes to the members it was committed over (`before`). */
export function membershipChange(before: Member[], plan: Plan): MembershipChange {
  const occupied = new Set(before.map((m) => m.leaf_index));
  const removed: Member[] = [];
  for (const leaf of plan.removedLeaves) {
    const member = before.find((m) => m.leaf_index === leaf);
    if (member === undefined) throw new FrameError('invalid_commit', 'commit removes an empty leaf');
    removed.push(member);
    occupied.delete(leaf);
  }
  // `tree`: the leaf the group's public tree gave the device (publicState.ts), when tracked; the
  // member table must agree with it.
  const freeLeaf = (tree: number | undefined) => {
    let leaf = 0;
    while (occupied.has(leaf)) leaf++;
    occupied.add(leaf);
    if (tree !== undefined && tree !== leaf)
      throw new FrameError('internal', 'the member table and the ratchet tree disagree');
    return leaf;
  };
  const joining: Joining[] = [];
  for (const a of plan.added) {
    const stays = before.some(
      (m) =>
        m.username === a.username && m.device_id === a.deviceId && !plan.removedLeaves.includes(m.leaf_index),
    );
    if (stays) throw new FrameError('invalid_commit', 'device is already a member');
    joining.push({ username: a.username, deviceId: a.deviceId, leaf: freeLeaf(a.leaf), welcomed: true });
  }
  if (plan.joiner !== null) {
    const { accountId, deviceId } = plan.joiner;
    joining.push({ username: accountId, deviceId, leaf: freeLeaf(plan.joinerLeaf), welcomed: false });
  }
  return { removed, joining };
}
