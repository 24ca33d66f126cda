/**
 * A correctness fix. When a client joins a group (Welcome or external commit), ts-mls validates the
 * ratchet tree. For every leaf L listed as unmerged at a parent node P, RFC 9420 §12.4.3.1 asks that
 * L be a non-blank leaf below P and that every non-blank node *between L and P* also list L. ts-mls
 * 1.6.4 (and 2.0.0-rc.10) instead demands that every non-blank node on L's whole direct path carry
 * *exactly the same list* as P, which refuses valid trees that ordinary use produces (remove → update
 * → add into the freed leaf → update elsewhere: the next person added cannot join at all). Its
 * descendant check also only fails when both conditions fail (`&&` where the RFC needs either).
 *
 * This replaces that loop with the RFC's rule, nothing else. Tested in
 * packages/core/test/upstream.test.ts (the valid tree is accepted; trees the RFC forbids are still
 * refused). Remove when ts-mls ships a conforming check.
 */
export const file = 'clientState.js';
export const originalSha256 = '63645bc3be6ec7f6d4f6d88af5c0b63e34f5e1fea693c62bd958d228b51b6f61';
export const summary = 'ratchet-tree unmerged-leaves check corrected (RFC 9420 §12.4.3.1)';

export const edits = [
  [
    `                if (tree[nodeIndex]?.nodeType !== "leaf" && !dp.includes(toNodeIndex(i)))
                    return new ValidationError("Unmerged leaf did not represent a non-blank descendant leaf node");
                for (const parentIdx of dp) {
                    const dpNode = tree[parentIdx];
                    if (dpNode !== undefined) {
                        if (dpNode.nodeType !== "parent")
                            return new InternalError("Expected parent node");
                        if (!arraysEqual(dpNode.parent.unmergedLeaves, n.parent.unmergedLeaves))
                            return new ValidationError("non-blank intermediate node must list leaf node in its unmerged_leaves");
                    }
                }`,
    `                // Parley patch (scripts/patch-ts-mls.mjs), RFC 9420 §12.4.3.1: L is a non-blank leaf
                // below P, and every non-blank node between L and P lists L.
                if (tree[nodeIndex]?.nodeType !== "leaf" || !dp.includes(toNodeIndex(i)))
                    return new ValidationError("Unmerged leaf did not represent a non-blank descendant leaf node");
                for (const parentIdx of dp) {
                    if (parentIdx === toNodeIndex(i))
                        break;
                    const dpNode = tree[parentIdx];
                    if (dpNode !== undefined) {
                        if (dpNode.nodeType !== "parent")
                            return new InternalError("Expected parent node");
                        if (!dpNode.parent.unmergedLeaves.includes(unmergedLeaf))
                            return new ValidationError("non-blank intermediate node must list leaf node in its unmerged_leaves");
                    }
                }`,
  ],
];
