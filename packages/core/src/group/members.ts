/** Who is in a group: member devices read from the ratchet tree, and the state's public facts. */
import type { ClientState, LeafNode } from 'ts-mls';
import { certificateFromCredential } from '../authService.js';
import { bytesEqual } from '../encoding.js';
import { GroupError } from '../errors.js';
import type { DeviceCertificate } from '../identity.js';

export type GroupState = ClientState;

export interface Member {
  leafIndex: number;
  accountId: string;
  deviceId: string;
  deviceKey: Uint8Array;
  identityKey: Uint8Array;
  certificate: DeviceCertificate;
}

export function memberOf(leafIndex: number, leaf: LeafNode): Member {
  const certificate = certificateFromCredential(leaf.credential);
  return {
    leafIndex,
    accountId: certificate.accountId,
    deviceId: certificate.deviceId,
    deviceKey: leaf.signaturePublicKey,
    identityKey: certificate.identityKey,
    certificate,
  };
}

/** All member devices, in leaf order. */
export function groupMembers(state: GroupState): Member[] {
  const out: Member[] = [];
  const tree = state.ratchetTree;
  for (let node = 0; node < tree.length; node += 2) {
    const n = tree[node];
    if (n !== undefined && n.nodeType === 'leaf') out.push(memberOf(node / 2, n.leaf));
  }
  return out;
}

export function memberAt(state: GroupState, leafIndex: number): Member | undefined {
  const n = state.ratchetTree[leafIndex * 2];
  return n !== undefined && n.nodeType === 'leaf' ? memberOf(leafIndex, n.leaf) : undefined;
}

export function ownLeafIndex(state: GroupState): number {
  return state.privatePath.leafIndex;
}

export function groupId(state: GroupState): Uint8Array {
  return state.groupContext.groupId;
}

export function groupEpoch(state: GroupState): bigint {
  return state.groupContext.epoch;
}

/** RFC 9420 §8.7: equal for every member at the same epoch; used to check that members agree. */
export function epochAuthenticator(state: GroupState): Uint8Array {
  return state.keySchedule.epochAuthenticator;
}

export function isActive(state: GroupState): boolean {
  return state.groupActiveState.kind === 'active';
}

export function pendingProposalCount(state: GroupState): number {
  return Object.keys(state.unappliedProposals).length;
}

export function hasPendingAdds(state: GroupState): boolean {
  return Object.values(state.unappliedProposals).some((p) => p.proposal.proposalType === 'add');
}

/**
 * Devices added and removed between two states. ts-mls shares unchanged tree nodes between states,
 * so only leaves whose node object changed are inspected (and only their certificates decoded).
 */
export function diffMembers(before: GroupState, after: GroupState): { added: Member[]; removed: Member[] } {
  const added: Member[] = [];
  const removed: Member[] = [];
  const a = before.ratchetTree;
  const b = after.ratchetTree;
  for (let node = 0; node < Math.max(a.length, b.length); node += 2) {
    const x = a[node];
    const y = b[node];
    if (x === y) continue;
    const oldLeaf = x?.nodeType === 'leaf' ? x.leaf : undefined;
    const newLeaf = y?.nodeType === 'leaf' ? y.leaf : undefined;
    if (oldLeaf && newLeaf && bytesEqual(oldLeaf.signaturePublicKey, newLeaf.signaturePublicKey)) continue;
    if (oldLeaf) removed.push(memberOf(node / 2, oldLeaf));
    if (newLeaf) added.push(memberOf(node / 2, newLeaf));
  }
  return { added, removed };
}

/** Refuse a message addressed to another group. */
export function checkGroup(state: GroupState, id: Uint8Array): void {
  if (!bytesEqual(id, state.groupContext.groupId))
    throw new GroupError('wrong_group', 'message is for another group');
}
