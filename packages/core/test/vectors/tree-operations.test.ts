/** tree-operations.json: applying an Add, Update or Remove proposal to a ratchet tree. */
import type { Proposal, RatchetTree } from 'ts-mls';
import { decodeProposal } from 'ts-mls/proposal.js';
import {
  addLeafNode,
  decodeRatchetTree,
  encodeRatchetTree,
  removeLeafNode,
  updateLeafNode,
} from 'ts-mls/ratchetTree.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { toLeafIndex } from 'ts-mls/treemath.js';
import { checkBytes, describeSuiteVectors, hex } from './vectors.js';

interface TreeOperationsCase {
  cipher_suite: number;
  tree_before: string;
  proposal: string;
  proposal_sender: number;
  tree_hash_before: string;
  tree_after: string;
  tree_hash_after: string;
}

function apply(tree: RatchetTree, proposal: Proposal, sender: number): RatchetTree {
  switch (proposal.proposalType) {
    case 'add':
      return addLeafNode(tree, proposal.add.keyPackage.leafNode)[0];
    case 'update':
      return updateLeafNode(tree, proposal.update.leafNode, toLeafIndex(sender));
    case 'remove':
      return removeLeafNode(tree, toLeafIndex(proposal.remove.removed));
    default:
      throw new Error(`unexpected proposal type ${String(proposal.proposalType)}`);
  }
}

describeSuiteVectors<TreeOperationsCase>('tree-operations', async (v, { impl }) => {
  const before = decodeRatchetTree(hex(v.tree_before), 0)?.[0];
  if (before === undefined) throw new Error('tree_before: could not decode');
  checkBytes('tree_hash_before', await treeHashRoot(before, impl.hash), v.tree_hash_before);

  const proposal = decodeProposal(hex(v.proposal), 0)?.[0];
  if (proposal === undefined) throw new Error('proposal: could not decode');
  const after = apply(before, proposal, v.proposal_sender);
  checkBytes('tree_after', encodeRatchetTree(after), v.tree_after);
  checkBytes('tree_hash_after', await treeHashRoot(after, impl.hash), v.tree_hash_after);
});
