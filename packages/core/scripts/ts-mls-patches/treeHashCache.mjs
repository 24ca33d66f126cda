/**
 * Performance, no change in output. ts-mls computes the tree hash (RFC 9420 §7.8) from scratch for
 * every commit it creates or processes, every GroupInfo and every join: 2n − 1 encodings and hashes
 * (in a group of 1,000, ~4,000 leaf and parent encodings and digests, a fifth of a commit's cost),
 * while a commit changes only the nodes on one or a few paths.
 *
 * ts-mls never modifies a tree node in place (every change makes a new node object, and new trees
 * share the unchanged node objects), so a node object's hash input is fixed once it exists. The
 * patched treeHash therefore remembers:
 *   - for a leaf node object: its leaf index and TreeHashInput hash (used only for that index),
 *   - for a parent node object: its left and right subtree hashes and the resulting hash (used only
 *     when both children hash the same again),
 *   - for a blank parent: the hash for a given pair of child hashes (a bounded map).
 * An entry records the Hash implementation (a suite's hash function) it was made with and is used
 * only with that one; entries are held weakly by the node objects, so they go with the trees. Inputs and outputs are bytes-for-bytes what the unpatched function
 * computes; a cache miss computes exactly as before.
 */
export const file = 'treeHash.js';
export const originalSha256 = '722662a03c9fa03fb3038457a5a876c3c42249672a49dda78ea40d4c17df6f21';
export const summary = 'tree hashes of unchanged nodes reused';

export const edits = [
  [
    `export async function treeHash(tree, subtreeIndex, h) {
    if (isLeaf(subtreeIndex)) {
        const leafNode = tree[subtreeIndex];
        if (leafNode?.nodeType === "parent")
            throw new InternalError("Somehow found parent node in leaf position");
        const input = encode(leafNodeHashInputEncoder)({
            nodeType: "leaf",
            leafIndex: nodeToLeafIndex(subtreeIndex),
            leafNode: leafNode?.leaf,
        });
        return await h.digest(input);
    }`,
    `// Parley patch (scripts/ts-mls-patches/treeHashCache.mjs): hashes of node objects already hashed,
// one entry per node object (for the Hash implementation it was computed with).
const nodeHashes = new WeakMap();
const blankParentHashes = new WeakMap();
const BLANK_PARENT_LIMIT = 8192;
function sameBytes(a, b) {
    if (a.length !== b.length)
        return false;
    for (let i = 0; i < a.length; i++)
        if (a[i] !== b[i])
            return false;
    return true;
}
function blankParentsOf(h) {
    let map = blankParentHashes.get(h);
    if (map === undefined) {
        map = new Map();
        blankParentHashes.set(h, map);
    }
    return map;
}
export async function treeHash(tree, subtreeIndex, h) {
    if (isLeaf(subtreeIndex)) {
        const leafNode = tree[subtreeIndex];
        if (leafNode?.nodeType === "parent")
            throw new InternalError("Somehow found parent node in leaf position");
        const leafIndex = nodeToLeafIndex(subtreeIndex);
        const known = leafNode === undefined ? undefined : nodeHashes.get(leafNode.leaf);
        if (known !== undefined && known.h === h && known.leafIndex === leafIndex)
            return known.hash;
        const input = encode(leafNodeHashInputEncoder)({
            nodeType: "leaf",
            leafIndex,
            leafNode: leafNode?.leaf,
        });
        const hash = await h.digest(input);
        if (leafNode !== undefined)
            nodeHashes.set(leafNode.leaf, { h, leafIndex, hash });
        return hash;
    }`,
  ],
  [
    `        const leftHash = await treeHash(tree, left(subtreeIndex), h);
        const rightHash = await treeHash(tree, right(subtreeIndex), h);
        const input = {
            nodeType: "parent",
            parentNode: parentNode?.parent,
            leftHash: leftHash,
            rightHash: rightHash,
        };
        return await h.digest(encode(parentNodeHashInputEncoder)(input));
    }`,
    `        const leftHash = await treeHash(tree, left(subtreeIndex), h);
        const rightHash = await treeHash(tree, right(subtreeIndex), h);
        const known = parentNode === undefined ? undefined : nodeHashes.get(parentNode.parent);
        if (known !== undefined &&
            known.h === h &&
            sameBytes(known.leftHash, leftHash) &&
            sameBytes(known.rightHash, rightHash))
            return known.hash;
        const blanks = parentNode === undefined ? blankParentsOf(h) : undefined;
        const blankKey = blanks === undefined ? "" : bytesToBase64(leftHash) + bytesToBase64(rightHash);
        const blankHash = blanks?.get(blankKey);
        if (blankHash !== undefined)
            return blankHash;
        const input = {
            nodeType: "parent",
            parentNode: parentNode?.parent,
            leftHash: leftHash,
            rightHash: rightHash,
        };
        const hash = await h.digest(encode(parentNodeHashInputEncoder)(input));
        if (parentNode !== undefined)
            nodeHashes.set(parentNode.parent, { h, leftHash, rightHash, hash });
        if (blanks !== undefined) {
            if (blanks.size >= BLANK_PARENT_LIMIT)
                blanks.clear();
            blanks.set(blankKey, hash);
        }
        return hash;
    }`,
  ],
  [
    `import { rootFromNodeWidth, isLeaf, nodeToLeafIndex, left, right } from "./treemath.js";`,
    `import { rootFromNodeWidth, isLeaf, nodeToLeafIndex, left, right } from "./treemath.js";
import { bytesToBase64 } from "./util/byteArray.js";`,
  ],
];
