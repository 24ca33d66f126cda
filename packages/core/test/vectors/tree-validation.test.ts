/** tree-validation.json: resolutions, tree hashes, parent hashes and leaf signatures of a tree. */
import { verifyLeafNodeSignature } from 'ts-mls/leafNode.js';
import { verifyParentHashes } from 'ts-mls/parentHash.js';
import { decodeRatchetTree, resolution } from 'ts-mls/ratchetTree.js';
import { treeHash } from 'ts-mls/treeHash.js';
import { nodeToLeafIndex, toNodeIndex } from 'ts-mls/treemath.js';
import { check, checkBytes, checkEqual, describeSuiteVectors, hex } from './vectors.js';

interface TreeValidationCase {
  cipher_suite: number;
  tree: string;
  group_id: string;
  resolutions: number[][];
  tree_hashes: string[];
}

describeSuiteVectors<TreeValidationCase>('tree-validation', async (v, { impl }) => {
  const tree = decodeRatchetTree(hex(v.tree), 0)?.[0];
  if (tree === undefined) throw new Error('tree: could not decode');

  for (const [i, want] of v.resolutions.entries()) {
    checkEqual(`resolution(${i})`, resolution(tree, toNodeIndex(i)).join(','), want.join(','));
  }
  for (const [i, want] of v.tree_hashes.entries()) {
    checkBytes(`tree_hash(${i})`, await treeHash(tree, toNodeIndex(i), impl.hash), want);
  }
  check(await verifyParentHashes(tree, impl.hash), 'parent hashes do not verify');

  const groupId = hex(v.group_id);
  for (const [i, node] of tree.entries()) {
    if (node?.nodeType !== 'leaf') continue;
    const leafIndex = nodeToLeafIndex(toNodeIndex(i));
    check(
      await verifyLeafNodeSignature(node.leaf, groupId, leafIndex, impl.signature),
      `signature of leaf ${leafIndex} does not verify`,
    );
  }
});
