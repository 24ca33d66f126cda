/**
 * A commit applied to a group's public state (RFC 9420 §12.4.2, the public part of what a member
 * does): its signature, the proposals it commits (§12.2 list validation, then updates, removes and
 * adds in that order, §12.3), its UpdatePath's leaf node (§7.3) and parent hash (§7.9.2) applied
 * to the tree (§7.5), then the next epoch's tree hash (§7.8) and GroupContext with its confirmed
 * and interim transcript hashes (§8.2). Mirrors ts-mls's applyProposals / processCommit, minus
 * every step that needs a secret (membership tag, path secrets, confirmation tag).
 */
import type { KeyPackage, Proposal, PublicMessage } from 'ts-mls';
import type { CiphersuiteImpl } from 'ts-mls/crypto/ciphersuite.js';
import type { FramedContentCommit } from 'ts-mls/framedContent.js';
import { addLeafNode, type RatchetTree, removeLeafNode, updateLeafNode } from 'ts-mls/ratchetTree.js';
import { createConfirmedHash, createInterimHash } from 'ts-mls/transcriptHash.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { nodeToLeafIndex, toLeafIndex } from 'ts-mls/treemath.js';
import { applyUpdatePath } from 'ts-mls/updatePath.js';
import { bytesEqual } from '../encoding.js';
import { fromMlsError } from '../errors.js';
import { checkKeyPackage, checkMemberLeaf, fail } from './leaves.js';
import { type CredentialCheck, type PublicGroupState, publicLeaf } from './state.js';
import { verifyHandshakeSignature } from './verify.js';

/** A proposal a commit applies, with the leaf that sent it (the committer's for inline ones). */
export interface CommittedProposal {
  proposal: Proposal;
  senderLeafIndex: number | undefined;
}

export interface Advanced {
  state: PublicGroupState;
  /** The leaves the commit blanked, in proposal order. */
  removed: number[];
  /** Each added key package and the leaf it took, in proposal order. */
  added: { leafIndex: number; keyPackage: KeyPackage }[];
  /** The committer's leaf in the new tree (for an external commit, the joiner's new leaf). */
  committer: number;
}

type Grouped = Record<'add' | 'update' | 'remove' | 'external_init', CommittedProposal[]>;

function grouped(proposals: CommittedProposal[]): Grouped {
  const g: Grouped = { add: [], update: [], remove: [], external_init: [] };
  for (const p of proposals) {
    const type = p.proposal.proposalType;
    if (type === 'add' || type === 'update' || type === 'remove' || type === 'external_init') g[type].push(p);
    else fail('unsupported', `${String(type)} proposals are not supported`);
  }
  return g;
}

/** §12.2: the committer neither updates nor removes itself, no leaf twice, no device added twice. */
function validateList(g: Grouped, committer: number | undefined, tree: RatchetTree): void {
  const touched = [
    ...g.update.map((u) => u.senderLeafIndex),
    ...g.remove.map((r) => (r.proposal as Extract<Proposal, { proposalType: 'remove' }>).remove.removed),
  ];
  if (committer !== undefined && touched.includes(committer))
    fail('invalid_commit', 'a commit cannot update or remove its committer');
  if (new Set(touched).size !== touched.length) fail('invalid_commit', 'a leaf is updated or removed twice');
  const removed = new Set(touched.slice(g.update.length));
  const keys = g.add.map((a) => (a.proposal as Extract<Proposal, { proposalType: 'add' }>).add.keyPackage);
  for (const [i, kp] of keys.entries()) {
    const key = kp.leafNode.signaturePublicKey;
    if (keys.some((other, j) => j !== i && bytesEqual(other.leafNode.signaturePublicKey, key)))
      fail('invalid_commit', 'a device is added twice');
    for (let n = 0; n < tree.length; n += 2) {
      const node = tree[n];
      if (node?.nodeType === 'leaf' && bytesEqual(node.leaf.signaturePublicKey, key) && !removed.has(n / 2))
        fail('invalid_commit', 'device is already a member');
    }
  }
}

/** Updates, then removes, then adds (§12.3), each checked against the tree before the commit. */
async function applyMemberProposals(
  state: PublicGroupState,
  g: Grouped,
  check: CredentialCheck,
  cs: CiphersuiteImpl,
  now: number,
): Promise<{ tree: RatchetTree; added: Advanced['added'] }> {
  const before = state.tree;
  let tree = before;
  for (const u of g.update) {
    const leafIndex = u.senderLeafIndex!;
    const leaf = (u.proposal as Extract<Proposal, { proposalType: 'update' }>).update.leafNode;
    await checkMemberLeaf(
      state,
      before,
      leaf,
      leafIndex,
      publicLeaf(before, leafIndex),
      check,
      cs,
      'invalid_commit',
    );
    tree = updateLeafNode(tree, leaf, toLeafIndex(leafIndex));
  }
  for (const r of g.remove) {
    const removed = (r.proposal as Extract<Proposal, { proposalType: 'remove' }>).remove.removed;
    if (publicLeaf(before, removed) === undefined) fail('invalid_commit', 'commit removes an empty leaf');
    tree = removeLeafNode(tree, toLeafIndex(removed));
  }
  const added: Advanced['added'] = [];
  for (const a of g.add) {
    const keyPackage = (a.proposal as Extract<Proposal, { proposalType: 'add' }>).add.keyPackage;
    await checkKeyPackage(state, before, keyPackage, check, cs, now);
    const [next, nodeIndex] = addLeafNode(tree, keyPackage.leafNode);
    tree = next;
    added.push({ leafIndex: nodeToLeafIndex(nodeIndex), keyPackage });
  }
  return { tree, added };
}

/**
 * The public state after `pm` (a commit for `state`'s epoch) with its proposals resolved (those
 * committed by reference, with their senders). Throws GroupError when anything public is wrong.
 */
export async function advancePublicState(
  state: PublicGroupState,
  pm: PublicMessage,
  proposals: CommittedProposal[],
  cs: CiphersuiteImpl,
  check: CredentialCheck,
  now: number = Date.now(),
): Promise<Advanced> {
  await verifyHandshakeSignature(state, pm, cs);
  const content = pm.content;
  if (content.contentType !== 'commit' || pm.auth.contentType !== 'commit')
    fail('invalid_message', 'not a commit');
  const path = content.commit.path;
  const g = grouped(proposals);
  const external = content.sender.senderType === 'new_member_commit';
  let tree: RatchetTree;
  let added: Advanced['added'] = [];
  let committer: number;
  if (external) {
    // §12.4.3.2: one ExternalInit, at most one Remove (the joiner's old leaf), nothing else.
    if (g.external_init.length !== 1 || g.remove.length > 1 || g.add.length + g.update.length > 0)
      fail('invalid_commit', 'an external commit carries one ExternalInit and at most one Remove');
    if (path === undefined) fail('invalid_commit', 'an external commit needs an UpdatePath');
    tree = state.tree;
    for (const r of g.remove) {
      const removed = (r.proposal as Extract<Proposal, { proposalType: 'remove' }>).remove.removed;
      if (publicLeaf(tree, removed) === undefined) fail('invalid_commit', 'commit removes an empty leaf');
      tree = removeLeafNode(tree, toLeafIndex(removed));
    }
    const [withLeaf, nodeIndex] = addLeafNode(tree, path.leafNode);
    committer = nodeToLeafIndex(nodeIndex);
    await checkMemberLeaf(state, tree, path.leafNode, committer, undefined, check, cs, 'invalid_commit');
    tree = withLeaf;
  } else {
    if (content.sender.senderType !== 'member') fail('wrong_sender', 'not a member’s commit');
    if (g.external_init.length > 0) fail('invalid_commit', 'ExternalInit in a member’s commit');
    committer = content.sender.leafIndex;
    validateList(g, committer, state.tree);
    ({ tree, added } = await applyMemberProposals(state, g, check, cs, now));
    const needsPath = proposals.length === 0 || g.update.length > 0 || g.remove.length > 0;
    if (needsPath && path === undefined) fail('invalid_commit', 'this commit needs an UpdatePath');
    if (path !== undefined) {
      const previous = publicLeaf(state.tree, committer);
      await checkMemberLeaf(state, tree, path.leafNode, committer, previous, check, cs, 'invalid_commit');
    }
  }
  if (path !== undefined) {
    try {
      tree = await applyUpdatePath(tree, toLeafIndex(committer), path, cs.hash, external);
    } catch (e) {
      throw fromMlsError(e, 'invalid_commit');
    }
  }
  const next = await nextState(state, content as FramedContentCommit, pm.auth, tree, cs);
  const removed = g.remove.map(
    (r) => (r.proposal as Extract<Proposal, { proposalType: 'remove' }>).remove.removed,
  );
  return { state: next, removed, added, committer };
}

/** §8.2: confirmed = H(interim || commit content, signature); next interim = H(confirmed || tag). */
async function nextState(
  state: PublicGroupState,
  content: FramedContentCommit,
  auth: Extract<PublicMessage['auth'], { contentType: 'commit' }>,
  tree: RatchetTree,
  cs: CiphersuiteImpl,
): Promise<PublicGroupState> {
  const confirmed = await createConfirmedHash(
    state.interimTranscriptHash,
    { wireformat: 'mls_public_message', content, signature: auth.signature },
    cs.hash,
  );
  const groupContext = {
    ...state.groupContext,
    epoch: state.groupContext.epoch + 1n,
    treeHash: await treeHashRoot(tree, cs.hash),
    confirmedTranscriptHash: confirmed,
  };
  const interimTranscriptHash = await createInterimHash(confirmed, auth.confirmationTag, cs.hash);
  return { groupContext, tree, interimTranscriptHash };
}
