/**
 * MLS policy of the Delivery Service: what a message sent to a group may do (who may send it, the
 * adds and removes a commit declares, proposals by reference, the Welcome, external commits), as
 * functions of their inputs and of a small reader, so they run without a database.
 */
import type { KeyPackage, PrivateHeader, Proposal, PublicGroupState, PublicMessage } from '@parley/core';
import {
  bytesEqual,
  type ClientFrame,
  type CommittedProposal,
  certificateFromCredential,
  DecodeError,
  decodeMessage,
  makeKeyPackageReference,
  makeProposalReference,
  type ServerFrame,
  toHex,
} from '@parley/core';
import { suite } from '../crypto.js';
import type { GroupMembersTable } from '../db.js';
import { FrameError } from '../hub.js';

/** The kinds of stored messages (the `kind` column of the log). */
export const KIND = { application: 0, proposal: 1, commit: 2 } as const;

export type SendFrame = Extract<ClientFrame, { type: 'send' }>;

/** A member device of a group, with its MLS leaf and its place in the log. */
export type Member = Omit<GroupMembersTable, 'group_id'>;

/** The device a message comes from. */
export interface Sender {
  accountId: string;
  deviceId: string;
}

/** A device a commit adds, and the KeyPackageRef its Welcome must be addressed to. */
export interface Added {
  username: string;
  deviceId: string;
  ref: Uint8Array;
  /** The leaf it takes in the group's public tree, when the server tracks it (publicState.ts). */
  leaf?: number;
}

/** What a message does, worked out before the transaction that stores it. */
export interface Plan {
  kind: number;
  epoch: number;
  /** For commits: leaves removed, devices added (in proposal order), and the Welcome. */
  removedLeaves: number[];
  added: Added[];
  welcome: Uint8Array | null;
  /** For proposals: their ProposalRef, so a later commit can name them. */
  proposalRef: Uint8Array | null;
  /** For external commits: the device joining (it takes a leaf after the removes). */
  joiner: Sender | null;
  /** The joiner's leaf in the group's public tree, when the server tracks it. */
  joinerLeaf?: number;
  /** For commits checked against the group's public state: the state of the epoch they start. */
  next?: PublicGroupState;
  /** For commits: the GroupInfo of the epoch they start, kept for devices joining. */
  groupInfo?: Uint8Array;
}

/** The group a handshake message is sent to, as the log has it. */
export interface GroupHead {
  group_id: Uint8Array;
  epoch: number;
  cipher_suite: string;
}

/** A message already stored under the id a `send` carries. */
export interface Existing {
  seq: number;
  sender_username: string;
  sender_device: string;
  epoch: number;
  kind: number;
}

/** What the policy reads besides the message itself. */
export interface PolicyReader {
  /** A registered device's signature key and whether it is revoked; undefined if unknown. */
  device(accountId: string, deviceId: string): Promise<{ key: Uint8Array; revoked: boolean } | undefined>;
  /** The proposal (an MLSMessage) sent to the group in `epoch` under `ref`, if the server has it. */
  proposal(groupId: Uint8Array, epoch: number, ref: Uint8Array): Promise<Uint8Array | undefined>;
  /** Whether the account has a current member device in the group. */
  accountInGroup(groupId: Uint8Array, accountId: string): Promise<boolean>;
}

/** The plan of an application message encrypted in `epoch`. */
export function applicationPlan(epoch: number): Plan {
  return {
    kind: KIND.application,
    epoch,
    removedLeaves: [],
    added: [],
    welcome: null,
    proposalRef: null,
    joiner: null,
  };
}

/**
 * A retry of a message already stored gets the same answer, and nothing is stored twice; another
 * device's message id is refused.
 */
export function answerAgain(existing: Existing, sender: Sender, f: SendFrame): ServerFrame {
  if (existing.sender_username !== sender.accountId || existing.sender_device !== sender.deviceId) {
    throw new FrameError('duplicate_message_id', 'message id already used');
  }
  return {
    type: 'sent',
    requestId: f.requestId,
    seq: existing.seq,
    epoch: existing.epoch + (existing.kind === KIND.commit ? 1 : 0),
  };
}

/** What the log says about an application message before storing it (one query, see log.ts). */
export interface ApplicationCheck {
  /** The group's epoch. */
  epoch: number;
  /** The sender's membership: null when it is not (and never was) a member. */
  leaf_index: number | null;
  removed_seq: number | null;
  /** A message stored under the same id: all null when there is none. */
  seq: number | null;
  sender_username: string | null;
  sender_device: string | null;
  stored_epoch: number | null;
  kind: number | null;
}

/** Whether an application message is for the frame's group and alone (checks that read nothing). */
export function applicationValid(pm: PrivateHeader, f: SendFrame): boolean {
  return (
    bytesEqual(pm.groupId, f.groupId) &&
    pm.contentType === 'application' &&
    f.welcome === null &&
    f.groupInfo == null
  );
}

/**
 * The answer to an application message its checks refuse or find already stored (`row`
 * undefined: no such group). Throws the refusal; undefined when the message may be stored.
 */
export function applicationRefusal(
  row: ApplicationCheck | undefined,
  sender: Sender,
  f: SendFrame,
  pm: PrivateHeader,
): ServerFrame | undefined {
  if (row === undefined) throw new FrameError('not_found', 'no such group');
  if (row.seq !== null) {
    const existing = {
      seq: row.seq,
      sender_username: row.sender_username!,
      sender_device: row.sender_device!,
      epoch: row.stored_epoch!,
      kind: row.kind!,
    };
    return answerAgain(existing, sender, f);
  }
  if (row.leaf_index === null || row.removed_seq !== null)
    throw new FrameError('not_a_member', 'not a member of this group');
  if (!bytesEqual(pm.groupId, f.groupId))
    throw new FrameError('invalid_message', 'message is for another group');
  if (pm.contentType !== 'application')
    throw new FrameError('invalid_message', 'handshake messages must be PublicMessages');
  if (pm.epoch > BigInt(row.epoch)) throw new FrameError('invalid_message', 'message from a future epoch');
  if (f.welcome !== null) throw new FrameError('invalid_message', 'a Welcome goes with a commit');
  if (f.groupInfo != null) throw new FrameError('invalid_message', 'a GroupInfo goes with a commit');
  return undefined;
}

/** A `send`'s payload decoded, or why it does not decode. */
export type Decoded =
  | { message: ReturnType<typeof decodeMessage>; error?: undefined }
  | { message?: undefined; error: unknown };

export function decodePayload(payload: Uint8Array): Decoded {
  try {
    return { message: decodeMessage(payload) };
  } catch (error) {
    return { error };
  }
}

/**
 * The plan of a message other than an application message (a proposal or commit, from a member or
 * by external commit), or the group's epoch when the message is for another one (stale).
 */
export async function planSend(
  reader: PolicyReader,
  input: { group: GroupHead; me: Member | undefined; sender: Sender; f: SendFrame; decoded: Decoded },
): Promise<Plan | { stale: number }> {
  const { group, me, sender, f, decoded } = input;
  const isMember = me !== undefined && me.removed_seq === null;
  if (decoded.message === undefined) {
    // A non-member learns nothing about what the server would have made of its bytes.
    if (!isMember) throw new FrameError('not_a_member', 'not a member of this group');
    throw new FrameError(
      'invalid_message',
      decoded.error instanceof DecodeError ? decoded.error.message : 'not an MLS message',
    );
  }
  const message = decoded.message;
  const external =
    message.wireformat === 'mls_public_message' &&
    message.publicMessage.content.sender.senderType === 'new_member_commit';
  if (!isMember && !external) throw new FrameError('not_a_member', 'not a member of this group');
  if (external && !(await reader.accountInGroup(f.groupId, sender.accountId))) {
    throw new FrameError('not_a_member', 'only devices of member accounts may join by external commit');
  }
  if (message.wireformat !== 'mls_public_message')
    throw new FrameError('invalid_message', `a ${message.wireformat} is not sent to a group`);
  const pm = message.publicMessage;
  if (!bytesEqual(pm.content.groupId, f.groupId))
    throw new FrameError('invalid_message', 'message is for another group');
  if (pm.content.epoch !== BigInt(group.epoch)) return { stale: group.epoch };
  if (!external) return planHandshake(reader, group, me!, pm, f.welcome);
  if (f.welcome !== null) throw new FrameError('invalid_commit', 'a Welcome goes with adds');
  return planExternalCommit(reader, group, sender, me, pm);
}

/** The device a key package being added belongs to, checked against the directory. */
export async function addedDevice(reader: PolicyReader, kp: KeyPackage, cipherSuite: string): Promise<Added> {
  if (kp.cipherSuite !== cipherSuite)
    throw new FrameError('invalid_commit', 'added key package is for another ciphersuite');
  let cert: ReturnType<typeof certificateFromCredential>;
  try {
    cert = certificateFromCredential(kp.leafNode.credential);
  } catch {
    throw new FrameError('invalid_commit', 'added key package has no valid certificate');
  }
  const device = await reader.device(cert.accountId, cert.deviceId);
  if (device === undefined || device.revoked || !bytesEqual(device.key, kp.leafNode.signaturePublicKey)) {
    throw new FrameError('invalid_commit', 'added device is not a registered, unrevoked device');
  }
  return {
    username: cert.accountId,
    deviceId: cert.deviceId,
    ref: await makeKeyPackageReference(kp, await suite(cipherSuite)),
  };
}

/**
 * An external commit (RFC 9420 §12.4.3.2): a device joins from the group's GroupInfo without a
 * member's help — a member device that lost its state (it must remove its own old leaf), or a new
 * device of an account that has a device in the group. Nobody else may join this way.
 */
export async function planExternalCommit(
  reader: PolicyReader,
  group: GroupHead,
  sender: Sender,
  me: Member | undefined,
  pm: PublicMessage,
): Promise<Plan> {
  if (pm.content.contentType !== 'commit')
    throw new FrameError('invalid_message', 'only commits come from new members');
  const leaf = pm.content.commit.path?.leafNode;
  const device = await reader.device(sender.accountId, sender.deviceId);
  if (leaf === undefined || device === undefined || !bytesEqual(leaf.signaturePublicKey, device.key)) {
    throw new FrameError('wrong_sender', 'an external commit must carry the sending device’s own leaf');
  }
  const removedLeaves: number[] = [];
  let externalInit = 0;
  for (const p of pm.content.commit.proposals) {
    if (p.proposalOrRefType !== 'proposal')
      throw new FrameError('invalid_commit', 'external commits carry proposals by value');
    if (p.proposal.proposalType === 'external_init') externalInit++;
    else if (p.proposal.proposalType === 'remove') {
      removedLeaves.push((p.proposal as Extract<Proposal, { proposalType: 'remove' }>).remove.removed);
    } else if (p.proposal.proposalType !== 'psk') {
      throw new FrameError(
        'invalid_commit',
        `${p.proposal.proposalType} is not allowed in an external commit`,
      );
    }
  }
  if (externalInit !== 1)
    throw new FrameError('invalid_commit', 'an external commit needs exactly one ExternalInit');
  const ownOldLeaf = me !== undefined && me.removed_seq === null ? me.leaf_index : undefined;
  const expected = ownOldLeaf === undefined ? [] : [ownOldLeaf];
  if (removedLeaves.length !== expected.length || removedLeaves.some((l, i) => l !== expected[i])) {
    throw new FrameError(
      'invalid_commit',
      'an external commit may only remove (and a member device must remove) its own old leaf',
    );
  }
  return {
    kind: KIND.commit,
    epoch: group.epoch,
    removedLeaves,
    added: [],
    welcome: null,
    proposalRef: null,
    joiner: { accountId: sender.accountId, deviceId: sender.deviceId },
  };
}

/** A proposal or commit from a member device: its own leaf, and what the commit changes. */
export async function planHandshake(
  reader: PolicyReader,
  group: GroupHead,
  me: Member,
  pm: PublicMessage,
  welcome: Uint8Array | null,
): Promise<Plan> {
  if (pm.content.sender.senderType !== 'member' || pm.content.sender.leafIndex !== me.leaf_index) {
    throw new FrameError('wrong_sender', 'a handshake message must come from the sending device’s own leaf');
  }
  const plan: Plan = { ...applicationPlan(group.epoch), kind: KIND.commit };
  if (pm.content.contentType === 'proposal') {
    const proposalRef = await makeProposalReference(pm, await suite(group.cipher_suite));
    return { ...plan, kind: KIND.proposal, proposalRef };
  }
  if (pm.content.contentType !== 'commit')
    throw new FrameError('invalid_message', 'application data must be encrypted');
  for (const { proposal: p } of await committedProposals(reader, group, pm)) {
    if (p.proposalType === 'remove')
      plan.removedLeaves.push((p as Extract<Proposal, { proposalType: 'remove' }>).remove.removed);
    else if (p.proposalType === 'add') {
      const kp = (p as Extract<Proposal, { proposalType: 'add' }>).add.keyPackage;
      plan.added.push(await addedDevice(reader, kp, group.cipher_suite));
    } else if (p.proposalType === 'external_init' || p.proposalType === 'reinit') {
      throw new FrameError('unsupported', `${p.proposalType} proposals are not supported`);
    }
  }
  checkWelcome(plan.added, welcome);
  return { ...plan, welcome };
}

type ProposalOrRef = Extract<
  PublicMessage['content'],
  { contentType: 'commit' }
>['commit']['proposals'][number];

/**
 * The proposals a commit applies, with the leaf that sent each: inline (the committer's; none for
 * an external commit), or by reference to proposals sent in this epoch.
 */
export async function committedProposals(
  reader: PolicyReader,
  group: GroupHead,
  commit: PublicMessage,
): Promise<CommittedProposal[]> {
  if (commit.content.contentType !== 'commit') return [];
  const sender = commit.content.sender;
  const committer = sender.senderType === 'member' ? sender.leafIndex : undefined;
  const out: CommittedProposal[] = [];
  for (const p of commit.content.commit.proposals as ProposalOrRef[]) {
    if (p.proposalOrRefType === 'proposal') {
      out.push({ proposal: p.proposal, senderLeafIndex: committer });
      continue;
    }
    const stored = await reader.proposal(group.group_id, group.epoch, p.reference);
    if (stored === undefined)
      throw new FrameError('invalid_commit', 'commit refers to a proposal the server has not seen');
    const message = decodeMessage(stored);
    if (
      message.wireformat !== 'mls_public_message' ||
      message.publicMessage.content.contentType !== 'proposal'
    ) {
      throw new FrameError('internal', 'stored proposal is not a proposal');
    }
    const by = message.publicMessage.content.sender;
    out.push({
      proposal: message.publicMessage.content.proposal,
      senderLeafIndex: by.senderType === 'member' ? by.leafIndex : undefined,
    });
  }
  return out;
}

/** A commit that adds devices carries one Welcome addressed to each of them; any other carries none. */
export function checkWelcome(added: Added[], welcome: Uint8Array | null): void {
  if (added.length === 0) {
    if (welcome !== null) throw new FrameError('invalid_commit', 'a Welcome without added devices');
    return;
  }
  if (welcome === null)
    throw new FrameError('invalid_commit', 'a commit that adds devices needs their Welcome');
  let w: ReturnType<typeof decodeMessage>;
  try {
    w = decodeMessage(welcome);
  } catch {
    throw new FrameError('invalid_commit', 'Welcome does not decode');
  }
  if (w.wireformat !== 'mls_welcome') throw new FrameError('invalid_commit', 'not a Welcome');
  const refs = new Set(w.welcome.secrets.map((s) => toHex(s.newMember)));
  if (!added.every((a) => refs.has(toHex(a.ref)))) {
    throw new FrameError('invalid_commit', 'the Welcome is not addressed to every added device');
  }
}
