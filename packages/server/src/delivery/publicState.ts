/**
 * Each group's public MLS state (core's publicGroup) on the server: loaded, cached per (group,
 * epoch), bootstrapped for groups from before it, and the checks a handshake and a GroupInfo pass
 * against it before they are accepted (RFC 9420: signatures, committed proposals, the UpdatePath's
 * public part; the next epoch's GroupContext computed here and the commit's GroupInfo held to it).
 */
import {
  type Advanced,
  advancePublicState,
  bytesEqual,
  type CredentialCheck,
  certificateFromCredential,
  checkGroupInfo,
  checkProposalMessage,
  decodePublicGroupState,
  encodePublicGroupState,
  FRAME_ERROR_CODES,
  type FrameErrorCode,
  ParleyError,
  type PublicGroupState,
  type PublicMessage,
  publicEpoch,
  publicLeaves,
  publicStateFromGroupInfo,
  publicStateOfNewGroup,
  toHex,
} from '@parley/core';
import { suite } from '../crypto.js';
import type { GroupsTable } from '../db.js';
import { FrameError } from '../hub.js';
import { activeMembers, groupInfoOf, type Queryable } from './log.js';
import { committedProposals, type Member, type Plan, type PolicyReader, type Sender } from './policy.js';

/** Decoded states kept in memory (each holds a whole tree: bounded). */
const CACHE_LIMIT = 256;

/** Core's refusals as frame errors (their codes are frame codes; anything else is a bad message). */
export async function refusing<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof FrameError || !(e instanceof ParleyError)) throw e;
    const code = (FRAME_ERROR_CODES as readonly string[]).includes(e.code) ? e.code : 'invalid_message';
    throw new FrameError(code as FrameErrorCode, e.message);
  }
}

/** A credential the directory vouches for: its certificate's device registered, unrevoked, with that key. */
export function directoryCheck(reader: PolicyReader): CredentialCheck {
  return async (credential, key) => {
    let cert: ReturnType<typeof certificateFromCredential>;
    try {
      cert = certificateFromCredential(credential);
    } catch {
      return false;
    }
    const device = await reader.device(cert.accountId, cert.deviceId);
    return (
      device !== undefined &&
      !device.revoked &&
      bytesEqual(device.key, key) &&
      bytesEqual(cert.deviceKey, key)
    );
  };
}

/** For leaves already in a tree: a certificate for exactly that key (a member revoked since stays until removed). */
const certificateCheck: CredentialCheck = async (credential, key) => {
  try {
    return bytesEqual(certificateFromCredential(credential).deviceKey, key);
  } catch {
    return false;
  }
};

/** Whether the tree's occupied leaves are exactly the member table's active devices, leaf for leaf. */
export function treeAgrees(state: PublicGroupState, members: Member[]): boolean {
  const leaves = publicLeaves(state);
  if (leaves.length !== members.length) return false;
  return members.every((m) => {
    const at = leaves.find((l) => l.leafIndex === m.leaf_index);
    if (at === undefined) return false;
    try {
      const cert = certificateFromCredential(at.leaf.credential);
      return cert.accountId === m.username && cert.deviceId === m.device_id;
    } catch {
      return false;
    }
  });
}

type GroupRow = Pick<GroupsTable, 'group_id' | 'epoch' | 'cipher_suite'>;

export interface PublicStates {
  /** The group's public state at its current epoch; undefined for a group from before (not bootstrapped). */
  current(db: Queryable, group: GroupRow): Promise<PublicGroupState | undefined>;
  /** Keep a state the log now holds (after its write is durable). */
  remember(groupId: Uint8Array, state: PublicGroupState): void;
  /** The state a (legacy) group gets from a GroupInfo for its current epoch, if it is valid and agrees. */
  bootstrap(db: Queryable, group: GroupRow, groupInfo: Uint8Array): Promise<PublicGroupState>;
}

export function publicStates(): PublicStates {
  const cache = new Map<string, PublicGroupState>();
  const remember = (groupId: Uint8Array, state: PublicGroupState) => {
    const key = toHex(groupId);
    cache.delete(key);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, state);
  };

  async function bootstrap(db: Queryable, group: GroupRow, groupInfo: Uint8Array): Promise<PublicGroupState> {
    const cs = await suite(group.cipher_suite);
    const state = await refusing(() =>
      publicStateFromGroupInfo(groupInfo, cs, certificateCheck, {
        groupId: group.group_id,
        epoch: group.epoch,
        cipherSuite: group.cipher_suite,
      }),
    );
    if (!treeAgrees(state, await activeMembers(db, group.group_id)))
      throw new FrameError('invalid_message', 'GroupInfo tree does not match the group’s members');
    await saveState(db, group.group_id, state);
    remember(group.group_id, state);
    return state;
  }

  return {
    remember,
    bootstrap,
    async current(db, group) {
      const key = toHex(group.group_id);
      const cached = cache.get(key);
      // Another node may have moved the group on: the epoch read with the group row decides.
      if (cached !== undefined && publicEpoch(cached) === group.epoch) return cached;
      const row = await db
        .selectFrom('group_public_state')
        .select(['epoch', 'state'])
        .where('group_id', '=', group.group_id)
        .executeTakeFirst();
      if (row !== undefined && row.epoch === group.epoch) {
        const state = decodePublicGroupState(row.state);
        remember(group.group_id, state);
        return state;
      }
      // A group from before public state: from its stored GroupInfo when that is for this epoch.
      const kept = await groupInfoOf(db, group.group_id);
      if (kept === undefined || kept.epoch !== group.epoch) return undefined;
      try {
        return await bootstrap(db, group, kept.data);
      } catch {
        return undefined;
      }
    },
  };
}

/** Store a group's public state (one row per group, its current epoch). */
export async function saveState(db: Queryable, groupId: Uint8Array, state: PublicGroupState): Promise<void> {
  const row = { epoch: publicEpoch(state), state: encodePublicGroupState(state) };
  await db
    .insertInto('group_public_state')
    .values({ group_id: groupId, ...row })
    // Never back: a bootstrap racing a commit must not overwrite the state the commit stored.
    .onConflict((oc) =>
      oc.column('group_id').doUpdateSet(row).where('group_public_state.epoch', '<', row.epoch),
    )
    .execute();
}

/**
 * A new group's first public state, from the epoch-0 GroupInfo its creating device sends with
 * `group_create` (required): one leaf, that device's registered key and certificate.
 */
export async function newGroupState(
  reader: PolicyReader,
  creator: Sender,
  f: { groupId: Uint8Array; cipherSuite: string; groupInfo?: Uint8Array | null },
): Promise<{ groupInfo: Uint8Array; state: PublicGroupState }> {
  const groupInfo = f.groupInfo;
  if (groupInfo == null) throw new FrameError('invalid_message', 'a new group needs its epoch-0 GroupInfo');
  const device = await reader.device(creator.accountId, creator.deviceId);
  if (device === undefined) throw new FrameError('not_found', 'unknown device');
  const cs = await suite(f.cipherSuite);
  const expect = { groupId: f.groupId, cipherSuite: f.cipherSuite, creatorKey: device.key };
  const state = await refusing(() => publicStateOfNewGroup(groupInfo, cs, directoryCheck(reader), expect));
  return { groupInfo, state };
}

/**
 * A handshake's plan checked against the group's public state (`state`, or undefined for a group
 * from before it): a proposal's signature and content; a commit applied, its GroupInfo held to the
 * state it makes, and the plan given that state and the leaves the tree assigns.
 */
export async function checkPublic(
  reader: PolicyReader,
  input: {
    group: GroupRow;
    state: PublicGroupState | undefined;
    pm: PublicMessage;
    plan: Plan;
    groupInfo: Uint8Array | null;
  },
): Promise<Plan> {
  const { group, state, pm, plan, groupInfo } = input;
  const cs = await suite(group.cipher_suite);
  const check = directoryCheck(reader);
  if (pm.content.contentType === 'proposal') {
    if (groupInfo !== null) throw new FrameError('invalid_message', 'a GroupInfo goes with a commit');
    if (state !== undefined) await refusing(() => checkProposalMessage(state, pm, cs, check, Date.now()));
    return plan;
  }
  if (groupInfo === null)
    throw new FrameError('invalid_commit', 'a commit needs the GroupInfo of its new epoch');
  if (state === undefined) {
    // A group from before public state: the GroupInfo must stand on its own; the state is
    // bootstrapped from it at the next handshake, once the member table has this commit.
    await refusing(() =>
      publicStateFromGroupInfo(groupInfo, cs, certificateCheck, {
        groupId: group.group_id,
        epoch: group.epoch + 1,
        cipherSuite: group.cipher_suite,
      }),
    );
    return { ...plan, groupInfo };
  }
  const proposals = await committedProposals(reader, group, pm);
  const advanced: Advanced = await refusing(() => advancePublicState(state, pm, proposals, cs, check));
  await refusing(() => checkGroupInfo(advanced.state, groupInfo, cs));
  return withLeaves({ ...plan, next: advanced.state, groupInfo }, advanced);
}

/** The leaves the tree gave added devices (in proposal order) and an external joiner. */
function withLeaves(plan: Plan, advanced: Advanced): Plan {
  if (plan.added.length !== advanced.added.length)
    throw new FrameError('internal', 'the plan and the tree disagree on the added devices');
  const added = plan.added.map((a, i) => ({ ...a, leaf: advanced.added[i]!.leafIndex }));
  return plan.joiner === null ? { ...plan, added } : { ...plan, added, joinerLeaf: advanced.committer };
}
