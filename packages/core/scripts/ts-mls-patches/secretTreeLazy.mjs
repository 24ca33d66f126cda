/**
 * Performance; the keys and nonces are the same. RFC 9420 §9 derives the secret tree from the
 * epoch's encryption_secret: each node's two children from its secret, each leaf's handshake and
 * application ratchets from the leaf's; §9.2 has a node's secret deleted once its children are
 * derived. ts-mls 1.6.4 derived the whole tree at every new epoch, and both ratchets at every node,
 * parents too: in a group of 1,000, about 6,100 ExpandWithLabel calls in each commit created or
 * processed and each join (45 % of a warm commit's time), although a leaf's ratchets are needed only
 * when a message is sent from it, and a parent's are never read.
 *
 * The patched tree is derived on demand, as §9.2 describes: at a new epoch only the root holds a
 * secret. The first time a leaf's ratchets are needed (`consumeRatchet` to send, `ratchetToGeneration`
 * to read; the only two places that read the tree's nodes), the path from the nearest node holding a
 * secret down to that leaf is derived: each node's secret is replaced by its children's, the leaf
 * gets its two ratchets. The result is a new tree (the old one is not changed), like every other
 * change to the tree in ts-mls.
 *
 * The stored form keeps ts-mls's encoding (a node is two GenerationSecrets): a node not derived yet
 * holds two empty secrets; a node holding a tree secret holds an empty handshake secret and the
 * tree secret as its application secret, at generation 0. A leaf whose ratchets exist always has a
 * non-empty handshake secret, so a group state stored before this patch (every node derived) is read
 * as before: its leaves are taken as they are.
 */
export const file = 'secretTree.js';
export const originalSha256 = '00faf2bf2892a70591f99cb520f54c1f1c257ad4bc09f9b72009883573854bc8';
export const summary = 'secret tree derived on demand (RFC 9420 §9.2)';

export const edits = [
  // The eager derivation, called by nothing any more, is left out.
  [
    `function scaffoldSecretTree(leafWidth, encryptionSecret, kdf) {
    const tree = new Array(nodeWidth(leafWidth));
    const rootIndex = root(leafWidth);
    tree[rootIndex] = encryptionSecret;
    return deriveChildren(tree, rootIndex, kdf);
}
`,
    `// Parley patch (scripts/ts-mls-patches/secretTreeLazy.mjs): scaffoldSecretTree, the eager derivation, removed.
`,
  ],
  [
    `async function deriveChildren(tree, nodeIndex, kdf) {
    if (isLeaf(nodeIndex))
        return tree;
    const l = left(nodeIndex);
    const r = right(nodeIndex);
    const parentSecret = tree[nodeIndex];
    if (parentSecret === undefined)
        throw new InternalError("Bad node index for secret tree");
    const leftSecret = await expandWithLabel(parentSecret, "tree", new TextEncoder().encode("left"), kdf.size, kdf);
    const rightSecret = await expandWithLabel(parentSecret, "tree", new TextEncoder().encode("right"), kdf.size, kdf);
    tree[l] = leftSecret;
    tree[r] = rightSecret;
    return deriveChildren(await deriveChildren(tree, l, kdf), r, kdf);
}
`,
    `// Parley patch (scripts/ts-mls-patches/secretTreeLazy.mjs): deriveChildren, the eager derivation, removed.
`,
  ],
  [
    `export async function createSecretTree(leafWidth, encryptionSecret, kdf) {
    const tree = await scaffoldSecretTree(leafWidth, encryptionSecret, kdf);
    return await Promise.all(tree.map(async (secret) => {
        const application = await createRatchetRoot(secret, "application", kdf);
        const handshake = await createRatchetRoot(secret, "handshake", kdf);
        return { handshake, application };
    }));
}`,
    `// Parley patch (scripts/ts-mls-patches/secretTreeLazy.mjs): the tree derived on demand.
const NO_SECRET = Object.freeze({ secret: new Uint8Array(0), generation: 0, unusedGenerations: Object.freeze({}) });
const UNDERIVED = Object.freeze({ handshake: NO_SECRET, application: NO_SECRET });
const LEFT = new TextEncoder().encode("left");
const RIGHT = new TextEncoder().encode("right");
function holdingTreeSecret(secret) {
    return { handshake: NO_SECRET, application: { secret, generation: 0, unusedGenerations: {} } };
}
function treeSecretOf(node) {
    return node !== undefined && node.handshake.secret.length === 0 && node.application.secret.length > 0
        ? node.application.secret
        : undefined;
}
export async function createSecretTree(leafWidth, encryptionSecret, kdf) {
    const tree = new Array(nodeWidth(leafWidth)).fill(UNDERIVED);
    tree[root(leafWidth)] = holdingTreeSecret(encryptionSecret);
    return tree;
}
/** The tree with the ratchets of the leaf at node \`nodeIndex\` derived (the same tree if they were). */
export async function deriveLeafRatchets(tree, nodeIndex, kdf) {
    const node = tree[nodeIndex];
    if (node === undefined || !isLeaf(nodeIndex))
        throw new InternalError("Bad node index for secret tree");
    if (node.handshake.secret.length > 0)
        return tree;
    let at = root((tree.length + 1) / 2);
    while (treeSecretOf(tree[at]) === undefined) {
        if (at === nodeIndex)
            throw new InternalError("No secret left in the secret tree for this leaf");
        at = nodeIndex < at ? left(at) : right(at);
    }
    const out = tree.slice();
    let secret = treeSecretOf(out[at]);
    out[at] = UNDERIVED;
    while (at !== nodeIndex) {
        const leftSecret = await expandWithLabel(secret, "tree", LEFT, kdf.size, kdf);
        const rightSecret = await expandWithLabel(secret, "tree", RIGHT, kdf.size, kdf);
        if (nodeIndex < at) {
            out[right(at)] = holdingTreeSecret(rightSecret);
            at = left(at);
            secret = leftSecret;
        }
        else {
            out[left(at)] = holdingTreeSecret(leftSecret);
            at = right(at);
            secret = rightSecret;
        }
    }
    out[at] = {
        handshake: await createRatchetRoot(secret, "handshake", kdf),
        application: await createRatchetRoot(secret, "application", kdf),
    };
    return out;
}`,
  ],
  [
    `export async function ratchetToGeneration(tree, senderData, contentType, config, cs) {
    const index = leafToNodeIndex(toLeafIndex(senderData.leafIndex));
    const node = tree[index];`,
    `export async function ratchetToGeneration(tree, senderData, contentType, config, cs) {
    const index = leafToNodeIndex(toLeafIndex(senderData.leafIndex));
    tree = await deriveLeafRatchets(tree, index, cs.kdf);
    const node = tree[index];`,
  ],
  [
    `export async function consumeRatchet(tree, index, contentType, cs) {
    const node = tree[index];`,
    `export async function consumeRatchet(tree, index, contentType, cs) {
    tree = await deriveLeafRatchets(tree, index, cs.kdf);
    const node = tree[index];`,
  ],
];
