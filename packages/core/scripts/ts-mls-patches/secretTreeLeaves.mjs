/**
 * Performance; the keys and nonces are the same. RFC 9420 §9 gives each *leaf* of the secret tree a
 * handshake and an application ratchet; a parent node's secret only derives its children's.
 * ts-mls derived both ratchets for every node, parents too: in a group of 1,000, 2,046 of the
 * ~6,100 ExpandWithLabel calls it makes at each new epoch went to ratchets that nothing reads (a
 * node's ratchets are read only at a sender's leaf, `leafToNodeIndex`, in messageProtection.js).
 *
 * The patched `createSecretTree` derives ratchets at the leaves only. A parent node holds one shared,
 * frozen placeholder (an empty secret at generation 0), so the secret tree keeps its shape and its
 * encoding in a stored group state: a state stored before this patch (with parents' ratchets) still
 * decodes and works, since those entries are never read.
 */
export const file = 'secretTree.js';
export const originalSha256 = '00faf2bf2892a70591f99cb520f54c1f1c257ad4bc09f9b72009883573854bc8';
export const summary = 'secret tree: ratchets derived at the leaves only';

export const edits = [
  [
    `export async function createSecretTree(leafWidth, encryptionSecret, kdf) {
    const tree = await scaffoldSecretTree(leafWidth, encryptionSecret, kdf);
    return await Promise.all(tree.map(async (secret) => {
        const application`,
    `// Parley patch (scripts/ts-mls-patches/secretTreeLeaves.mjs): a parent node has no ratchets.
const NO_RATCHET = Object.freeze({ secret: new Uint8Array(0), generation: 0, unusedGenerations: Object.freeze({}) });
const PARENT_NODE = Object.freeze({ handshake: NO_RATCHET, application: NO_RATCHET });
export async function createSecretTree(leafWidth, encryptionSecret, kdf) {
    const tree = await scaffoldSecretTree(leafWidth, encryptionSecret, kdf);
    return await Promise.all(tree.map(async (secret, nodeIndex) => {
        if (!isLeaf(nodeIndex))
            return PARENT_NODE;
        const application`,
  ],
];
