/**
 * Performance, same result. Joining from a Welcome, ts-mls finds its own leaf by encoding, for every
 * leaf of the tree, both that leaf and its own leaf node and comparing the bytes: 2n encodings (in a
 * group of 1,000, a twentieth of a join). The patched search encodes its own leaf once and encodes a
 * tree leaf only when its signature key (a field of the encoding) is equal, so leaves that cannot
 * match are passed over without encoding; the first leaf whose encoding is equal is returned, as before.
 */
export const file = 'ratchetTree.js';
export const originalSha256 = '669956ceac1962bdd2bf74c296f9f93b37ba3397949f45c95b9c3036550cdf5c';
export const summary = 'own leaf found by comparing signature keys before encodings';

export const edits = [
  [
    `export function findLeafIndex(tree, leaf) {
    const foundIndex = tree.findIndex((node, nodeIndex) => {
        if (isLeaf(toNodeIndex(nodeIndex)) && node !== undefined) {
            if (node.nodeType === "parent")
                throw new InternalError("Found parent node in leaf node position");
            //todo is there a better (faster) comparison method?
            return constantTimeEqual(encode(leafNodeEncoder)(node.leaf), encode(leafNodeEncoder)(leaf));`,
    `export function findLeafIndex(tree, leaf) {
    // Parley patch (scripts/ts-mls-patches/findLeaf.mjs): one encoding of \`leaf\`; a tree leaf is
    // encoded only when its signature key equals leaf's (unequal keys mean unequal encodings).
    const encodedLeaf = encode(leafNodeEncoder)(leaf);
    const foundIndex = tree.findIndex((node, nodeIndex) => {
        if (isLeaf(toNodeIndex(nodeIndex)) && node !== undefined) {
            if (node.nodeType === "parent")
                throw new InternalError("Found parent node in leaf node position");
            if (!constantTimeEqual(node.leaf.signaturePublicKey, leaf.signaturePublicKey))
                return false;
            return constantTimeEqual(encode(leafNodeEncoder)(node.leaf), encodedLeaf);`,
  ],
];
