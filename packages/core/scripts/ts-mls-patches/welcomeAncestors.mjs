/**
 * Performance, same result. For each new member of a Welcome, ts-mls finds the first node of the
 * committer's filtered direct path above that member (whose path secret the member gets) with
 * firstCommonAncestor, which computes the whole filtered direct path, with the resolution of every
 * copath node, again each time: with the parents blank after a large Add the resolutions hold every
 * leaf, so adding 999 members computed ~10⁶ resolution entries. The patched createWelcome computes
 * that path once per Welcome and searches it for each member exactly as firstCommonAncestor does.
 */
export const file = 'createCommit.js';
export const originalSha256 = '2813d68a1457a55470bbb1f2d223e12aa61c69e18a177f920c51cbdccc4bb004';
export const summary = "committer's filtered direct path computed once per Welcome";

export const edits = [
  [
    `import { addLeafNode, ratchetTreeEncoder, getCredentialFromLeafIndex, getSignaturePublicKeyFromLeafIndex, removeLeafNode, } from "./ratchetTree.js";`,
    `import { addLeafNode, ratchetTreeEncoder, getCredentialFromLeafIndex, getSignaturePublicKeyFromLeafIndex, removeLeafNode, filteredDirectPathAndCopathResolution, } from "./ratchetTree.js";`,
  ],
  [
    `import { leafToNodeIndex, leafWidth, nodeToLeafIndex, toLeafIndex, toNodeIndex, } from "./treemath.js";`,
    `import { leafToNodeIndex, leafWidth, nodeToLeafIndex, toLeafIndex, toNodeIndex, isAncestor, } from "./treemath.js";`,
  ],
  [
    `    const welcomeContext = welcomeEncryptContext(encryptedGroupInfo);`,
    `    const welcomeContext = welcomeEncryptContext(encryptedGroupInfo);
    // Parley patch (scripts/ts-mls-patches/welcomeAncestors.mjs): the committer's filtered direct path, once.
    const senderPath = filteredDirectPathAndCopathResolution(toLeafIndex(state.privatePath.leafIndex), tree);`,
  ],
  [
    `            return createEncryptedGroupSecrets(tree, leafNodeIndex, state, pathSecrets, cs, keyPackage, welcomeContext, epochSecrets, res);`,
    `            return createEncryptedGroupSecrets(tree, leafNodeIndex, state, pathSecrets, cs, keyPackage, welcomeContext, epochSecrets, res, senderPath);`,
  ],
  [
    `async function createEncryptedGroupSecrets(tree, leafNodeIndex, state, pathSecrets, cs, keyPackage, welcomeContext, epochSecrets, res) {
    const nodeIndex = firstCommonAncestor(tree, leafNodeIndex, toLeafIndex(state.privatePath.leafIndex));`,
    `function firstCommonAncestorOnPath(senderPath, tree, leafIndex) {
    for (const { nodeIndex } of senderPath) {
        if (isAncestor(leafToNodeIndex(leafIndex), nodeIndex, tree.length)) {
            return nodeIndex;
        }
    }
    throw new ValidationError("Could not find common ancestor");
}
async function createEncryptedGroupSecrets(tree, leafNodeIndex, state, pathSecrets, cs, keyPackage, welcomeContext, epochSecrets, res, senderPath) {
    const nodeIndex = firstCommonAncestorOnPath(senderPath, tree, leafNodeIndex);`,
  ],
];
