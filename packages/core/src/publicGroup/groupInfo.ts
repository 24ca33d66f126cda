/**
 * GroupInfo against public state (RFC 9420 §12.4.3): a GroupInfo the server keeps for joiners must
 * carry exactly the GroupContext the server tracks, be signed by a leaf of the tracked tree, carry
 * the confirmation tag the tracked interim transcript hash was made with (§8.2), an external_pub,
 * and a ratchet_tree (when present) with the tracked tree hash. A group's first public state is
 * read from its creator's epoch-0 GroupInfo (and a group that predates public state bootstraps
 * from a stored one): then the whole tree is validated as a joiner validates it (§12.4.3.1).
 */
import type { GroupContext, GroupInfo } from 'ts-mls';
import { validateRatchetTree } from 'ts-mls/clientState.js';
import type { CiphersuiteImpl } from 'ts-mls/crypto/ciphersuite.js';
import { encodeGroupContext } from 'ts-mls/groupContext.js';
import { ratchetTreeFromExtension, verifyGroupInfoSignature } from 'ts-mls/groupInfo.js';
import type { RatchetTree } from 'ts-mls/ratchetTree.js';
import { createInterimHash } from 'ts-mls/transcriptHash.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { bytesEqual } from '../encoding.js';
import { decodeMessage } from '../group/wire.js';
import { authServiceOf, fail } from './leaves.js';
import { type CredentialCheck, encodedTree, type PublicGroupState, publicLeaf } from './state.js';

/** The GroupInfo inside an MLSMessage; refused (invalid_message) when it is anything else. */
export function decodeGroupInfoMessage(bytes: Uint8Array): GroupInfo {
  let message: ReturnType<typeof decodeMessage>;
  try {
    message = decodeMessage(bytes);
  } catch {
    fail('invalid_message', 'not a GroupInfo');
  }
  if (message.wireformat !== 'mls_group_info') fail('invalid_message', 'not a GroupInfo');
  return message.groupInfo;
}

function treeOf(gi: GroupInfo): RatchetTree | undefined {
  try {
    return ratchetTreeFromExtension(gi);
  } catch {
    fail('invalid_message', 'GroupInfo ratchet_tree does not decode');
  }
}

async function checkSigned(gi: GroupInfo, tree: RatchetTree, cs: CiphersuiteImpl): Promise<void> {
  if (!gi.extensions.some((e) => e.extensionType === 'external_pub'))
    fail('invalid_message', 'GroupInfo has no external_pub');
  const signer = publicLeaf(tree, gi.signer);
  if (signer === undefined) fail('invalid_message', 'GroupInfo signer is not a member');
  if (!(await verifyGroupInfoSignature(gi, signer.signaturePublicKey, cs.signature)))
    fail('invalid_message', 'GroupInfo signature does not verify');
}

/** Refuse a GroupInfo that is not one for exactly this public state. */
export async function checkGroupInfo(
  state: PublicGroupState,
  bytes: Uint8Array,
  cs: CiphersuiteImpl,
): Promise<void> {
  const gi = decodeGroupInfoMessage(bytes);
  if (!bytesEqual(encodeGroupContext(gi.groupContext), encodeGroupContext(state.groupContext)))
    fail('invalid_message', 'GroupInfo is not for the group’s current context');
  const interim = await createInterimHash(
    gi.groupContext.confirmedTranscriptHash,
    gi.confirmationTag,
    cs.hash,
  );
  if (!bytesEqual(interim, state.interimTranscriptHash))
    fail('invalid_message', 'GroupInfo confirmation tag is not the epoch’s');
  await checkSigned(gi, state.tree, cs);
  // The tree as the server encodes it is the common case; otherwise its hash must be the tracked one.
  const extension = gi.extensions.find((e) => e.extensionType === 'ratchet_tree');
  if (extension === undefined || bytesEqual(extension.extensionData, encodedTree(state.tree))) return;
  const tree = treeOf(gi);
  if (tree === undefined || !bytesEqual(await treeHashRoot(tree, cs.hash), state.groupContext.treeHash))
    fail('invalid_message', 'GroupInfo ratchet tree is not the group’s');
}

/**
 * The public state a GroupInfo with its ratchet_tree describes, after validating it as a joiner
 * does (§12.4.3.1: every leaf's signature and credential, parent hashes, the tree hash, the
 * signer). `expect` refuses a context that is not the one the caller knows of (group id, epoch).
 */
export async function publicStateFromGroupInfo(
  bytes: Uint8Array,
  cs: CiphersuiteImpl,
  check: CredentialCheck,
  expect: { groupId: Uint8Array; epoch: number; cipherSuite: string },
): Promise<PublicGroupState> {
  const gi = decodeGroupInfoMessage(bytes);
  const gc: GroupContext = gi.groupContext;
  if (
    !bytesEqual(gc.groupId, expect.groupId) ||
    gc.epoch !== BigInt(expect.epoch) ||
    gc.cipherSuite !== expect.cipherSuite
  )
    fail('invalid_message', 'GroupInfo is not for this group, epoch and ciphersuite');
  const tree = treeOf(gi);
  if (tree === undefined) fail('invalid_message', 'GroupInfo has no ratchet_tree');
  const lifetime = { maximumTotalLifetime: 2n ** 62n, validateLifetimeOnReceive: false };
  const invalid = await validateRatchetTree(tree, gc, lifetime, authServiceOf(check), gc.treeHash, cs);
  if (invalid !== undefined) fail('invalid_message', `GroupInfo ratchet tree: ${invalid.message}`);
  await checkSigned(gi, tree, cs);
  const interimTranscriptHash = await createInterimHash(
    gc.confirmedTranscriptHash,
    gi.confirmationTag,
    cs.hash,
  );
  return { groupContext: gc, tree, interimTranscriptHash };
}

/**
 * A new group's first public state, from its creator's epoch-0 GroupInfo (§11): one leaf (leaf 0)
 * holding the creator's device key, an empty confirmed transcript hash, the rest as above.
 */
export async function publicStateOfNewGroup(
  bytes: Uint8Array,
  cs: CiphersuiteImpl,
  check: CredentialCheck,
  expect: { groupId: Uint8Array; cipherSuite: string; creatorKey: Uint8Array },
): Promise<PublicGroupState> {
  const state = await publicStateFromGroupInfo(bytes, cs, check, { ...expect, epoch: 0 });
  const creator = publicLeaf(state.tree, 0);
  if (
    state.tree.length !== 1 ||
    creator === undefined ||
    !bytesEqual(creator.signaturePublicKey, expect.creatorKey)
  )
    fail('invalid_message', 'a new group’s GroupInfo must hold exactly the creating device');
  if (state.groupContext.confirmedTranscriptHash.length !== 0)
    fail('invalid_message', 'a new group has an empty confirmed transcript hash');
  return state;
}
