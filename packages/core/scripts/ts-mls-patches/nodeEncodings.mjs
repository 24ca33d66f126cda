/**
 * Performance, same bytes. The ratchet tree is encoded whole (RFC 9420 §12.4.3.3) into every
 * GroupInfo Parley exports (one per commit, for the server and external joins) and every Welcome:
 * in a group of 1,000, 2,047 nodes, about 0.4 MB, built field by field each time, while a commit
 * changes only the nodes on a path or a few.
 *
 * ts-mls never modifies a tree node in place (a change makes a new node object and new trees share
 * the unchanged ones; the tree-hash patch, treeHashCache.mjs, rests on the same fact), so a node's
 * encoding is fixed once its object exists. The patched `nodeEncoder` keeps each node's encoding,
 * held weakly by the node's leaf or parent object (it goes with the trees), and copies it into the
 * output. A node not seen before is encoded exactly as before.
 */
export const file = 'ratchetTree.js';
export const originalSha256 = '669956ceac1962bdd2bf74c296f9f93b37ba3397949f45c95b9c3036550cdf5c';
export const summary = 'tree nodes encoded once per node object';

export const edits = [
  [
    `export const nodeEncoder = (node) => {
    switch (node.nodeType) {
        case "parent":
            return contramapBufferEncoders([nodeTypeEncoder, parentNodeEncoder], (n) => [n.nodeType, n.parent])(node);
        case "leaf":
            return contramapBufferEncoders([nodeTypeEncoder, leafNodeEncoder], (n) => [n.nodeType, n.leaf])(node);
    }
};`,
    `const encodeNodeFields = (node) => {
    switch (node.nodeType) {
        case "parent":
            return contramapBufferEncoders([nodeTypeEncoder, parentNodeEncoder], (n) => [n.nodeType, n.parent])(node);
        case "leaf":
            return contramapBufferEncoders([nodeTypeEncoder, leafNodeEncoder], (n) => [n.nodeType, n.leaf])(node);
    }
};
// Parley patch (scripts/ts-mls-patches/nodeEncodings.mjs): each node object's encoding, kept (one
// map per node type, keyed by the node's leaf or parent object).
const nodeEncodings = { leaf: new WeakMap(), parent: new WeakMap() };
function encodedNode(node) {
    const kept = nodeEncodings[node.nodeType];
    const inner = node.nodeType === "parent" ? node.parent : node.leaf;
    let bytes = kept.get(inner);
    if (bytes === undefined) {
        bytes = encode(encodeNodeFields)(node);
        kept.set(inner, bytes);
    }
    return bytes;
}
export const nodeEncoder = (node) => {
    const bytes = encodedNode(node);
    return [bytes.length, (offset, buffer) => new Uint8Array(buffer).set(bytes, offset)];
};`,
  ],
];
