/** tree-math.json: node counts, root, left/right children, parent and sibling (no cryptography). */
import { InternalError } from 'ts-mls/mlsError.js';
import { left, nodeWidth, parent, right, root, sibling, toNodeIndex } from 'ts-mls/treemath.js';
import { checkEqual, describePlainVectors } from './vectors.js';

interface TreeMathCase {
  n_leaves: number;
  n_nodes: number;
  root: number;
  left: (number | null)[];
  right: (number | null)[];
  parent: (number | null)[];
  sibling: (number | null)[];
}

/** `expected === null` means the relation does not exist, which ts-mls signals with InternalError. */
function checkRelation(what: string, expected: number | null, compute: () => number): void {
  if (expected !== null) {
    checkEqual(what, compute(), expected);
    return;
  }
  try {
    const got = compute();
    throw new Error(`${what}: got ${got}, want none`);
  } catch (e) {
    if (!(e instanceof InternalError)) throw e;
  }
}

describePlainVectors<TreeMathCase>('tree-math', (v) => {
  checkEqual('n_nodes', nodeWidth(v.n_leaves), v.n_nodes);
  checkEqual('root', root(v.n_leaves), v.root);
  const n = v.n_leaves;
  for (const [i, want] of v.left.entries()) checkRelation(`left[${i}]`, want, () => left(toNodeIndex(i)));
  for (const [i, want] of v.right.entries()) checkRelation(`right[${i}]`, want, () => right(toNodeIndex(i)));
  for (const [i, want] of v.parent.entries())
    checkRelation(`parent[${i}]`, want, () => parent(toNodeIndex(i), n));
  for (const [i, want] of v.sibling.entries()) {
    checkRelation(`sibling[${i}]`, want, () => sibling(toNodeIndex(i), n));
  }
});
