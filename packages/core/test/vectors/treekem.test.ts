/**
 * treekem.json: private TreeKEM state, processing UpdatePaths (path secrets, commit secret, tree hash)
 * and creating a fresh UpdatePath that every other member can process.
 */
import type { CiphersuiteImpl, GroupContext, PrivateKeyPath, RatchetTree } from 'ts-mls';
import { applyUpdatePathSecret } from 'ts-mls/createCommit.js';
import { deriveSecret } from 'ts-mls/crypto/kdf.js';
import { getCommitSecret } from 'ts-mls/pathSecrets.js';
import { decodeRatchetTree, getHpkePublicKey } from 'ts-mls/ratchetTree.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { leafToNodeIndex, toLeafIndex } from 'ts-mls/treemath.js';
import { applyUpdatePath, createUpdatePath, decodeUpdatePath, type UpdatePath } from 'ts-mls/updatePath.js';
import { check, checkBytes, describeSuiteVectors, hex, hpkeKeysMatch } from './vectors.js';

interface TreeKemCase {
  cipher_suite: number;
  group_id: string;
  epoch: number;
  confirmed_transcript_hash: string;
  ratchet_tree: string;
  leaves_private: {
    index: number;
    encryption_priv: string;
    signature_priv: string;
    path_secrets: { node: number; path_secret: string }[];
  }[];
  update_paths: {
    sender: number;
    update_path: string;
    path_secrets: (string | null)[];
    commit_secret: string;
    tree_hash_after: string;
  }[];
}

type LeafPrivate = TreeKemCase['leaves_private'][number];

/** leaf_private[index]: the leaf's encryption key plus the keys derived from its path secrets. */
async function privateState(
  leaf: LeafPrivate,
  tree: RatchetTree,
  impl: CiphersuiteImpl,
): Promise<PrivateKeyPath> {
  const leafNode = tree[leafToNodeIndex(toLeafIndex(leaf.index))];
  if (leafNode?.nodeType !== 'leaf') throw new Error(`leaf ${leaf.index} is blank in ratchet_tree`);
  check(
    await hpkeKeysMatch(impl, leafNode.leaf.hpkePublicKey, hex(leaf.encryption_priv)),
    `leaf ${leaf.index}: encryption_priv does not match the leaf's encryption key`,
  );
  const privateKeys: Record<number, Uint8Array> = {
    [leafToNodeIndex(toLeafIndex(leaf.index))]: hex(leaf.encryption_priv),
  };
  for (const { node, path_secret } of leaf.path_secrets) {
    // The private state is consistent with the tree: the node exists and holds the matching key.
    const treeNode = tree[node];
    if (treeNode === undefined) throw new Error(`leaf ${leaf.index}: node ${node} is blank in ratchet_tree`);
    const nodeSecret = await deriveSecret(hex(path_secret), 'node', impl.kdf);
    const { publicKey, privateKey } = await impl.hpke.deriveKeyPair(nodeSecret);
    checkBytes(
      `leaf ${leaf.index}: public key of node ${node}`,
      await impl.hpke.exportPublicKey(publicKey),
      getHpkePublicKey(treeNode),
    );
    privateKeys[node] = await impl.hpke.exportPrivateKey(privateKey);
  }
  return { leafIndex: leaf.index, privateKeys };
}

/** Processes `updatePath` as member `receiver`: the decrypted path secret and the commit secret. */
async function receive(
  receiver: PrivateKeyPath,
  sender: number,
  treeBefore: RatchetTree,
  treeAfter: RatchetTree,
  context: GroupContext,
  updatePath: UpdatePath,
  impl: CiphersuiteImpl,
): Promise<{ pathSecret: Uint8Array; commitSecret: Uint8Array }> {
  const { nodeIndex, pathSecret } = await applyUpdatePathSecret(
    treeBefore,
    receiver,
    toLeafIndex(sender),
    context,
    updatePath,
    [],
    impl,
  );
  return { pathSecret, commitSecret: await getCommitSecret(treeAfter, nodeIndex, pathSecret, impl.kdf) };
}

describeSuiteVectors<TreeKemCase>('treekem', async (v, { impl, suite }) => {
  const tree = decodeRatchetTree(hex(v.ratchet_tree), 0)?.[0];
  if (tree === undefined) throw new Error('ratchet_tree: could not decode');
  const groupContext: GroupContext = {
    version: 'mls10',
    cipherSuite: suite,
    groupId: hex(v.group_id),
    epoch: BigInt(v.epoch),
    treeHash: await treeHashRoot(tree, impl.hash),
    confirmedTranscriptHash: hex(v.confirmed_transcript_hash),
    extensions: [],
  };
  const members = new Map<number, PrivateKeyPath>();
  for (const leaf of v.leaves_private) members.set(leaf.index, await privateState(leaf, tree, impl));

  for (const [u, up] of v.update_paths.entries()) {
    const at = `update_paths[${u}] (sender ${up.sender})`;
    const updatePath = decodeUpdatePath(hex(up.update_path), 0)?.[0];
    if (updatePath === undefined) throw new Error(`${at}: could not decode update_path`);

    // Merging checks parent-hash validity against ratchet_tree; the result has tree_hash_after.
    const merged = await applyUpdatePath(tree, toLeafIndex(up.sender), updatePath, impl.hash);
    const mergedHash = await treeHashRoot(merged, impl.hash);
    checkBytes(`${at}: tree_hash_after`, mergedHash, up.tree_hash_after);

    const context = { ...groupContext, treeHash: mergedHash };
    for (const [j, member] of members) {
      if (j === up.sender) continue;
      const want = up.path_secrets[j];
      if (want === null || want === undefined) throw new Error(`${at}: no path secret given for leaf ${j}`);
      const got = await receive(member, up.sender, tree, merged, context, updatePath, impl);
      checkBytes(`${at}: path_secrets[${j}]`, got.pathSecret, want);
      checkBytes(`${at}: commit_secret at leaf ${j}`, got.commitSecret, up.commit_secret);
    }

    // A fresh UpdatePath from the same sender is processed to the same commit secret by everyone.
    const senderKeys = v.leaves_private.find((l) => l.index === up.sender);
    if (senderKeys === undefined) throw new Error(`${at}: sender has no private state`);
    const [newTree, newPath, newSecrets] = await createUpdatePath(
      tree,
      toLeafIndex(up.sender),
      groupContext,
      hex(senderKeys.signature_priv),
      impl,
    );
    const rootSecret = newSecrets.at(-1);
    if (rootSecret === undefined) throw new Error(`${at}: the new UpdatePath has no path secrets`);
    const newCommitSecret = await deriveSecret(rootSecret.secret, 'path', impl.kdf);
    // ts-mls's createUpdatePath encrypts under the next epoch's context (epoch + 1, new tree hash).
    const newContext = {
      ...groupContext,
      epoch: groupContext.epoch + 1n,
      treeHash: await treeHashRoot(newTree, impl.hash),
    };
    for (const [j, member] of members) {
      if (j === up.sender) continue;
      const got = await receive(member, up.sender, tree, newTree, newContext, newPath, impl);
      checkBytes(`${at}: commit secret of a new UpdatePath at leaf ${j}`, got.commitSecret, newCommitSecret);
    }
  }
});
