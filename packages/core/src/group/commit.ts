/**
 * Changing a group by commit: create, add, remove, self-update, commit pending proposals, and the
 * leave proposal. Commits travel as signed PublicMessages so the server can check them.
 */
import {
  createCommit,
  createGroupInfoWithExternalPubAndRatchetTree,
  createProposal,
  createGroup as mlsCreateGroup,
  type Proposal,
} from 'ts-mls';
import type { MlsDevice } from '../device.js';
import { randomBytes } from '../encoding.js';
import { GroupError, UsageError } from '../errors.js';
import { generateKeyPackage, inspectKeyPackagesToCommit } from '../keyPackages.js';
import {
  diffMembers,
  type GroupState,
  groupMembers,
  hasPendingAdds,
  type Member,
  ownLeafIndex,
} from './members.js';
import { framed, guard } from './wire.js';

export const GROUP_ID_BYTES = 16;

/** Start a new conversation with this device as its only member. */
export async function createGroup(
  device: MlsDevice,
  options: { groupId?: Uint8Array } = {},
): Promise<GroupState> {
  const own = await generateKeyPackage(device);
  const id = options.groupId ?? randomBytes(GROUP_ID_BYTES);
  return guard(
    () => mlsCreateGroup(id, own.keyPackage, own.privateKeys, [], device.cs, device.config),
    'usage',
  );
}

export interface CommitResult {
  newState: GroupState;
  /** The commit as an MLSMessage (PublicMessage) to send to the group. */
  commit: Uint8Array;
  /** For added devices, the Welcome to route to them; null when nobody was added. */
  welcome: Uint8Array | null;
  /**
   * The signed GroupInfo of the epoch the commit starts (with ratchet tree and external_pub): the
   * server takes a commit only with it, so the group can always be joined by external commit.
   */
  groupInfo: Uint8Array;
  /** The epoch this commit moves the group to. */
  epoch: bigint;
  added: Member[];
  removed: Member[];
}

/**
 * The signed GroupInfo of the current epoch, with the ratchet tree and external_pub: what a device
 * needs to join (or rejoin after losing its state) by external commit. Every commit carries one
 * for its new epoch (the server checks it against the public state it computed), and a new group's
 * creator sends the epoch-0 one with `group_create`.
 */
export async function exportGroupInfo(device: MlsDevice, state: GroupState): Promise<Uint8Array> {
  const gi = await guard(() => createGroupInfoWithExternalPubAndRatchetTree(state, [], device.cs), 'usage');
  return framed({ version: 'mls10', wireformat: 'mls_group_info', groupInfo: gi });
}

async function commit(
  device: MlsDevice,
  state: GroupState,
  extraProposals: Proposal[],
): Promise<CommitResult> {
  // The tree goes into the Welcome only when someone is added: ts-mls builds the Welcome's GroupInfo
  // (and encodes the tree into it) even when there is nobody to welcome.
  const adds = extraProposals.some((p) => p.proposalType === 'add') || hasPendingAdds(state);
  const result = await guard(
    () =>
      createCommit(
        { state, cipherSuite: device.cs },
        { extraProposals, wireAsPublicMessage: true, ratchetTreeExtension: adds },
      ),
    'invalid_commit',
  );
  const { added, removed } = diffMembers(state, result.newState);
  return {
    newState: result.newState,
    commit: framed(result.commit),
    welcome:
      result.welcome === undefined
        ? null
        : framed({ version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome }),
    groupInfo: await exportGroupInfo(device, result.newState),
    epoch: result.newState.groupContext.epoch,
    added,
    removed,
  };
}

/**
 * Add every device of one account, from the key packages the server handed out for it. Each
 * package is checked (signature, lifetime, certificate, pinned identity: the signatures of the
 * package and its leaf node by ts-mls as it creates the commit) and must belong to
 * `accountId`; devices already in the group are refused.
 */
export async function addAccount(
  device: MlsDevice,
  state: GroupState,
  accountId: string,
  keyPackages: Uint8Array[],
): Promise<CommitResult> {
  if (keyPackages.length === 0) throw new UsageError('no key packages to add');
  return addKeyPackages(device, state, keyPackages, accountId);
}

/** Add devices by key package (possibly of several accounts). */
export async function addKeyPackages(
  device: MlsDevice,
  state: GroupState,
  keyPackages: Uint8Array[],
  expectedAccountId?: string,
): Promise<CommitResult> {
  const members = groupMembers(state);
  const proposals: Proposal[] = [];
  for (const { keyPackage, certificate } of await inspectKeyPackagesToCommit(
    device,
    keyPackages,
    expectedAccountId,
  )) {
    if (members.some((m) => m.accountId === certificate.accountId && m.deviceId === certificate.deviceId)) {
      throw new GroupError('invalid_commit', 'device is already a member of this group');
    }
    proposals.push({ proposalType: 'add', add: { keyPackage } });
  }
  return commit(device, state, proposals);
}

/** Remove every device of an account (or only one of its devices). */
export async function removeMembers(
  device: MlsDevice,
  state: GroupState,
  target: { accountId: string; deviceId?: string },
): Promise<CommitResult> {
  const own = ownLeafIndex(state);
  const leaves = groupMembers(state).filter(
    (m) =>
      m.accountId === target.accountId && (target.deviceId === undefined || m.deviceId === target.deviceId),
  );
  if (leaves.length === 0) throw new GroupError('not_a_member', 'no such member in this group');
  if (leaves.some((m) => m.leafIndex === own)) {
    throw new UsageError('a device cannot remove itself by commit; use proposeLeave');
  }
  return commit(
    device,
    state,
    leaves.map((m) => ({ proposalType: 'remove', remove: { removed: m.leafIndex } })),
  );
}

/** Fresh leaf and path keys for this device: post-compromise security (RFC 9420 §16.6). */
export async function selfUpdate(device: MlsDevice, state: GroupState): Promise<CommitResult> {
  return commit(device, state, []);
}

/** Commit every proposal received and not yet committed (a leave, for instance). */
export async function commitPendingProposals(device: MlsDevice, state: GroupState): Promise<CommitResult> {
  return commit(device, state, []);
}

/**
 * Leave a group: MLS does not let a member commit its own removal, so the device proposes it and
 * any other member commits the proposal. The returned state is what the leaving device keeps until
 * the commit that removes it arrives.
 */
export async function proposeLeave(
  device: MlsDevice,
  state: GroupState,
): Promise<{ newState: GroupState; proposal: Uint8Array }> {
  const result = await guard(
    () =>
      createProposal(
        state,
        true,
        { proposalType: 'remove', remove: { removed: ownLeafIndex(state) } },
        device.cs,
      ),
    'usage',
  );
  return { newState: result.newState, proposal: framed(result.message) };
}
