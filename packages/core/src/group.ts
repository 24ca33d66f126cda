/**
 * Conversations as MLS groups (RFC 9420), one leaf per device.
 *
 * Operations follow ts-mls's style: they take a state and return `{ newState, ... }`, never
 * mutating their input, so a caller can hold on to the previous state until the server has
 * accepted a commit (and drop the new one if another commit won the epoch).
 *
 * Wire decisions (see docs/protocol.md): commits and proposals travel as signed PublicMessages so
 * the server can check the membership changes it enforces; application data is always a
 * PrivateMessage; a Welcome carries the ratchet tree (ratchet_tree extension).
 */
import {
  type ClientState,
  createApplicationMessage,
  createCommit,
  createGroupInfoWithExternalPubAndRatchetTree,
  createProposal,
  decodeMlsMessage,
  emptyPskIndex,
  encodeMlsMessage,
  joinGroup,
  joinGroupExternal,
  type KeyPackage,
  type LeafNode,
  type MLSMessage,
  createGroup as mlsCreateGroup,
  type PrivateMessage,
  type Proposal,
  type PublicMessage,
  processPublicMessage,
  type Welcome,
} from 'ts-mls';
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { addToMap } from 'ts-mls/util/addToMap.js';
import { certificateFromCredential } from './authService.js';
import type { MlsDevice } from './device.js';
import { bytesEqual, randomBytes } from './encoding.js';
import { DecodeError, fromMlsError, GroupError, UsageError } from './errors.js';
import type { DeviceCertificate } from './identity.js';
import {
  decodeKeyPackage,
  type GeneratedKeyPackage,
  generateKeyPackage,
  inspectKeyPackage,
} from './keyPackages.js';

/** Largest MLS message Parley accepts (a Welcome to a 1,000-member group carries its whole tree). */
export const MAX_MLS_MESSAGE_BYTES = 8 * 1024 * 1024;
export const GROUP_ID_BYTES = 16;

export type GroupState = ClientState;

export interface Member {
  leafIndex: number;
  accountId: string;
  deviceId: string;
  deviceKey: Uint8Array;
  identityKey: Uint8Array;
  certificate: DeviceCertificate;
}

function memberOf(leafIndex: number, leaf: LeafNode): Member {
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

function framed(message: MLSMessage): Uint8Array {
  return encodeMlsMessage(message);
}

/** Decode an MLSMessage with a size limit; throws DecodeError. */
export function decodeMessage(bytes: Uint8Array): MLSMessage {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('MLS message: expected bytes');
  if (bytes.length > MAX_MLS_MESSAGE_BYTES) throw new DecodeError('MLS message too large', 'too_large');
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (decoded === undefined || decoded[1] !== bytes.length) throw new DecodeError('not a valid MLS message');
  return decoded[0];
}

/** The epoch a group message (application or handshake) was sent in; undefined for other kinds. */
export function messageEpoch(bytes: Uint8Array): bigint | undefined {
  const m = decodeMessage(bytes);
  if (m.wireformat === 'mls_private_message') return m.privateMessage.epoch;
  if (m.wireformat === 'mls_public_message') return m.publicMessage.content.epoch;
  return undefined;
}

async function guard<T>(
  f: () => Promise<T>,
  fallback: Parameters<typeof fromMlsError>[1] = 'invalid_message',
): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw fromMlsError(e, fallback);
  }
}

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
  /** The epoch this commit moves the group to. */
  epoch: bigint;
  added: Member[];
  removed: Member[];
}

/**
 * Devices added and removed between two states. ts-mls shares unchanged tree nodes between states,
 * so only leaves whose node object changed are inspected (and only their certificates decoded).
 */
function diffMembers(before: GroupState, after: GroupState): { added: Member[]; removed: Member[] } {
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

/**
 * The signed GroupInfo of the current epoch, with the ratchet tree and external_pub: what a device
 * needs to join (or rejoin after losing its state) by external commit. Encoding the whole tree is
 * the costly part in a large group, so it is not done for every commit: callers export it once the
 * server has accepted their commit, off the path of sending it.
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
    epoch: result.newState.groupContext.epoch,
    added,
    removed,
  };
}

/**
 * Add every device of one account, from the key packages the server handed out for it. Each
 * package is checked (signature, lifetime, certificate, pinned identity) and must belong to
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
  for (const bytes of keyPackages) {
    const { keyPackage, certificate } = await inspectKeyPackage(device, bytes, expectedAccountId);
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

export function pendingProposalCount(state: GroupState): number {
  return Object.keys(state.unappliedProposals).length;
}

function hasPendingAdds(state: GroupState): boolean {
  return Object.values(state.unappliedProposals).some((p) => p.proposal.proposalType === 'add');
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

/** Key packages this device published and still holds the private keys for. */
export interface KeyPackageLookup {
  find(ref: Uint8Array): Promise<GeneratedKeyPackage | undefined>;
}

/** Join from a Welcome addressed to one of our key packages. Returns the ref that was used. */
export async function joinFromWelcome(
  device: MlsDevice,
  welcomeBytes: Uint8Array,
  keyPackages: KeyPackageLookup,
): Promise<{ state: GroupState; keyPackageRef: Uint8Array }> {
  const message = decodeMessage(welcomeBytes);
  if (message.wireformat !== 'mls_welcome') throw new DecodeError('not a Welcome');
  const welcome: Welcome = message.welcome;
  if (welcome.cipherSuite !== device.cs.name)
    throw new GroupError('unsupported', 'Welcome is for another ciphersuite');
  for (const secret of welcome.secrets) {
    const kp = await keyPackages.find(secret.newMember);
    if (kp === undefined) continue;
    const state = await guard(
      () =>
        joinGroup(
          welcome,
          kp.keyPackage,
          kp.privateKeys,
          emptyPskIndex,
          device.cs,
          undefined,
          undefined,
          device.config,
        ),
      'invalid_message',
    );
    return { state, keyPackageRef: kp.ref };
  }
  throw new GroupError('not_a_member', 'this Welcome is not addressed to any of our key packages');
}

/**
 * Join (or rejoin after lost state) from a published GroupInfo by external commit (RFC 9420
 * §12.4.3.2). With `resync`, our old leaf (same device key) is removed in the same commit.
 */
export async function joinByExternalCommit(
  device: MlsDevice,
  groupInfoBytes: Uint8Array,
  options: { resync?: boolean } = {},
): Promise<{ newState: GroupState; commit: Uint8Array; epoch: bigint }> {
  const message = decodeMessage(groupInfoBytes);
  if (message.wireformat !== 'mls_group_info') throw new DecodeError('not a GroupInfo');
  const own = await generateKeyPackage(device);
  const result = await guard(
    () =>
      joinGroupExternal(
        message.groupInfo,
        own.keyPackage,
        own.privateKeys,
        options.resync ?? false,
        device.cs,
        undefined,
        device.config,
      ),
    'invalid_commit',
  );
  return {
    newState: result.newState,
    commit: framed({
      version: 'mls10',
      wireformat: 'mls_public_message',
      publicMessage: result.publicMessage,
    }),
    epoch: result.newState.groupContext.epoch,
  };
}

/** Encrypt application data for the group (the caller encodes it with appMessage.ts first). */
export async function encryptApplication(
  device: MlsDevice,
  state: GroupState,
  plaintext: Uint8Array,
): Promise<{ newState: GroupState; message: Uint8Array }> {
  const result = await guard(() => createApplicationMessage(state, plaintext, device.cs), 'usage');
  return {
    newState: result.newState,
    message: framed({
      version: 'mls10',
      wireformat: 'mls_private_message',
      privateMessage: result.privateMessage,
    }),
  };
}

export type IncomingResult =
  | {
      kind: 'application';
      newState: GroupState;
      sender: Member;
      plaintext: Uint8Array;
      epoch: bigint;
    }
  | {
      kind: 'commit';
      newState: GroupState;
      committer: Member | null;
      epoch: bigint;
      added: Member[];
      removed: Member[];
      /** This device was removed by the commit: the conversation is over for it. */
      removedSelf: boolean;
    }
  | {
      kind: 'proposal';
      newState: GroupState;
      sender: Member | null;
      proposalType: string;
    };

function checkGroup(state: GroupState, id: Uint8Array): void {
  if (!bytesEqual(id, state.groupContext.groupId))
    throw new GroupError('wrong_group', 'message is for another group');
}

async function processApplication(
  device: MlsDevice,
  state: GroupState,
  pm: PrivateMessage,
): Promise<IncomingResult> {
  checkGroup(state, pm.groupId);
  if (pm.contentType !== 'application') {
    // Parley sends handshake messages only as PublicMessage, so the server can check them.
    throw new GroupError('invalid_message', 'encrypted handshake messages are not accepted');
  }
  const current = state.groupContext.epoch;
  if (pm.epoch > current) throw new GroupError('wrong_epoch', 'message from a future epoch');
  const past = pm.epoch < current;
  const receiver = past
    ? state.historicalReceiverData.get(pm.epoch)
    : {
        senderDataSecret: state.keySchedule.senderDataSecret,
        secretTree: state.secretTree,
        ratchetTree: state.ratchetTree,
        groupContext: state.groupContext,
        resumptionPsk: state.keySchedule.resumptionPsk,
      };
  if (receiver === undefined)
    throw new GroupError('wrong_epoch', 'message from an epoch whose keys are gone');
  const result = await guard(() =>
    unprotectPrivateMessage(
      receiver.senderDataSecret,
      pm,
      receiver.secretTree,
      receiver.ratchetTree,
      receiver.groupContext,
      state.clientConfig.keyRetentionConfig,
      device.cs,
    ),
  );
  const content = result.content.content;
  if (content.contentType !== 'application' || content.sender.senderType !== 'member') {
    throw new GroupError('invalid_message', 'unexpected content in an application message');
  }
  const leaf = receiver.ratchetTree[content.sender.leafIndex * 2];
  if (leaf === undefined || leaf.nodeType !== 'leaf')
    throw new GroupError('not_a_member', 'sender is not a member');
  const newState: GroupState = past
    ? {
        ...state,
        historicalReceiverData: addToMap(state.historicalReceiverData, pm.epoch, {
          ...receiver,
          secretTree: result.tree,
        }),
      }
    : { ...state, secretTree: result.tree };
  return {
    kind: 'application',
    newState,
    sender: memberOf(content.sender.leafIndex, leaf.leaf),
    plaintext: content.applicationData,
    epoch: pm.epoch,
  };
}

async function processHandshake(
  device: MlsDevice,
  state: GroupState,
  pm: PublicMessage,
): Promise<IncomingResult> {
  checkGroup(state, pm.content.groupId);
  const current = state.groupContext.epoch;
  if (pm.content.epoch !== current) {
    throw new GroupError(
      'wrong_epoch',
      pm.content.epoch < current ? 'handshake from a past epoch' : 'handshake from a future epoch',
    );
  }
  const sender =
    pm.content.sender.senderType === 'member' ? (memberAt(state, pm.content.sender.leafIndex) ?? null) : null;
  const result = await guard(
    () => processPublicMessage(state, pm, emptyPskIndex, device.cs),
    pm.content.contentType === 'commit' ? 'invalid_commit' : 'invalid_message',
  );
  if (pm.content.contentType === 'proposal') {
    return {
      kind: 'proposal',
      newState: result.newState,
      sender,
      proposalType: String(pm.content.proposal.proposalType),
    };
  }
  if (pm.content.contentType !== 'commit')
    throw new GroupError('invalid_message', 'application data must be encrypted');
  const removedSelf = result.newState.groupActiveState.kind === 'removedFromGroup';
  const { added, removed } = removedSelf
    ? { added: [], removed: [memberAt(state, ownLeafIndex(state))!] }
    : diffMembers(state, result.newState);
  return {
    kind: 'commit',
    newState: result.newState,
    committer: sender,
    epoch: result.newState.groupContext.epoch,
    added,
    removed,
    removedSelf,
  };
}

/**
 * Process one message received for this group, in server order. Errors are ParleyErrors with a
 * code the caller can act on: `wrong_epoch` (missing commits: catch up or rejoin), `decrypt_failed`,
 * `bad_signature`, `replayed_message`, `identity_key_mismatch` (warn the user), ...
 */
export async function processIncoming(
  device: MlsDevice,
  state: GroupState,
  bytes: Uint8Array,
): Promise<IncomingResult> {
  const message = decodeMessage(bytes);
  if (!isActive(state))
    throw new GroupError('not_a_member', 'this device is no longer a member of the group');
  switch (message.wireformat) {
    case 'mls_private_message':
      return processApplication(device, state, message.privateMessage);
    case 'mls_public_message':
      return processHandshake(device, state, message.publicMessage);
    default:
      throw new GroupError('invalid_message', `unexpected ${message.wireformat} in a group's stream`);
  }
}

/** For tests and tools: the KeyPackage inside an MLSMessage. */
export function keyPackageOf(bytes: Uint8Array): KeyPackage {
  return decodeKeyPackage(bytes);
}
