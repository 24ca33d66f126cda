/**
 * Performance, same verdicts. Joining a group, ts-mls validates the ratchet tree leaf by leaf: the
 * leaf's signature, then its credential (Parley: the device certificate's signature), one awaited
 * after the other (~2,000 Ed25519 verifications at 1,000 members). node:crypto runs an asynchronous
 * verification on libuv's thread pool, so independent verifications can use every core.
 *
 * This patch starts the signature verifications of every leaf of the tree at once, before the loop,
 * and the loop then awaits each result at the place where it used to verify: every signature is
 * still verified, over the same bytes with the same key, and the checks are answered in the same
 * order, so the first failure is still the one reported (a rejection of a result the loop never
 * reaches is caught and dropped, as the loop stops there).
 * Before the loop, when the AuthenticationService has a `prepareCredentials(pairs)` method (Parley's
 * does: it verifies the certificates' signatures concurrently and remembers the successes), it is
 * given every (credential, signature key) pair the loop will validate; it must not throw and decides
 * nothing: `validateCredential` is still called for every leaf, in order, and gives the verdict.
 *
 * A commit's Adds (created or processed) the same way: both signatures of every KeyPackage (its
 * leaf node's and its own) start at once, and the credentials are prepared. ts-mls's loop over the
 * Adds (a `reduce` with an async callback) validated each KeyPackage before awaiting the previous
 * one's: all at once, by accident, and a bad KeyPackage among good ones left a rejected promise
 * that nothing awaited until later (Node reports it as an unhandled rejection, which ends a process
 * by default), the error reported being the last bad KeyPackage's. The callback now awaits the
 * previous one first: the KeyPackages are validated in order (so is the AuthenticationService asked,
 * which pins identities) and the first bad one is refused.
 */
export const file = 'clientState.js';
export const originalSha256 = '63645bc3be6ec7f6d4f6d88af5c0b63e34f5e1fea693c62bd958d228b51b6f61';
export const summary =
  'signatures of a joined tree’s leaves and of added KeyPackages verified concurrently, verdicts in order';

export const edits = [
  [
    `export async function validateRatchetTree(tree, groupContext, config, authService, treeHash, cs) {
    const hpkeKeys = new Set();`,
    `// Parley patch (scripts/ts-mls-patches/concurrentVerify.mjs): a promise whose rejection, if nobody
// awaits it, is not reported as unhandled; awaiting it still throws.
function started(promise) {
    promise.catch(() => undefined);
    return promise;
}
async function prepareCredentials(authService, pairs) {
    if (typeof authService.prepareCredentials === "function" && pairs.length > 0)
        await authService.prepareCredentials(pairs);
}
export async function validateRatchetTree(tree, groupContext, config, authService, treeHash, cs) {
    // Parley patch (scripts/ts-mls-patches/concurrentVerify.mjs): every leaf's signature verification
    // starts now; the loop below awaits each in its place.
    const leafSignatures = tree.map((n, i) => n?.nodeType === "leaf" && isLeaf(toNodeIndex(i))
        ? started(n.leaf.leafNodeSource === "key_package"
            ? verifyLeafNodeSignatureKeyPackage(n.leaf, cs.signature)
            : verifyLeafNodeSignature(n.leaf, groupContext.groupId, nodeToLeafIndex(toNodeIndex(i)), cs.signature))
        : undefined);
    await prepareCredentials(authService, tree.flatMap((n) => n?.nodeType === "leaf" ? [[n.leaf.credential, n.leaf.signaturePublicKey]] : []));
    const hpkeKeys = new Set();`,
  ],
  [
    `                ? await validateLeafNodeKeyPackage(n.leaf, groupContext, false, config, authService, cs.signature)
                : await validateLeafNodeUpdateOrCommit(n.leaf, nodeToLeafIndex(nodeIndex), groupContext, authService, cs.signature);`,
    `                ? await validateLeafNodeKeyPackage(n.leaf, groupContext, false, config, authService, cs.signature, leafSignatures[i])
                : await validateLeafNodeUpdateOrCommit(n.leaf, nodeToLeafIndex(nodeIndex), groupContext, authService, cs.signature, leafSignatures[i]);`,
  ],
  [
    `export async function validateLeafNodeUpdateOrCommit(leafNode, leafIndex, groupContext, authService, s) {
    const signatureValid = await verifyLeafNodeSignature(leafNode, groupContext.groupId, leafIndex, s);`,
    `export async function validateLeafNodeUpdateOrCommit(leafNode, leafIndex, groupContext, authService, s, verified) {
    // Parley patch (concurrentVerify.mjs): \`verified\`, when given, is this very verification, started earlier.
    const signatureValid = await (verified ?? verifyLeafNodeSignature(leafNode, groupContext.groupId, leafIndex, s));`,
  ],
  [
    `async function validateLeafNodeKeyPackage(leafNode, groupContext, sentByClient, config, authService, s) {
    const signatureValid = await verifyLeafNodeSignatureKeyPackage(leafNode, s);`,
    `async function validateLeafNodeKeyPackage(leafNode, groupContext, sentByClient, config, authService, s, verified) {
    // Parley patch (concurrentVerify.mjs): \`verified\`, when given, is this very verification, started earlier.
    const signatureValid = await (verified ?? verifyLeafNodeSignatureKeyPackage(leafNode, s));`,
  ],
  [
    `async function validateKeyPackage(kp, groupContext, tree, sentByClient, config, authService, s) {`,
    `async function validateKeyPackage(kp, groupContext, tree, sentByClient, config, authService, s, verified) {`,
  ],
  [
    `    const leafNodeError = await validateLeafNodeKeyPackage(kp.leafNode, groupContext, sentByClient, config, authService, s);
    if (leafNodeError !== undefined)
        return leafNodeError;
    const signatureValid = await verifyKeyPackage(kp, s);`,
    `    // Parley patch (concurrentVerify.mjs): \`verified\`, when given, holds these two very
    // verifications (leaf node, KeyPackage), started earlier.
    const leafNodeError = await validateLeafNodeKeyPackage(kp.leafNode, groupContext, sentByClient, config, authService, s, verified?.[0]);
    if (leafNodeError !== undefined)
        return leafNodeError;
    const signatureValid = await (verified?.[1] ?? verifyKeyPackage(kp, s));`,
  ],
  [
    `    const [treeAfterAdd, addedLeafNodes] = await grouped.add.reduce(async (acc, { proposal }) => {
        throwIfDefined(await validateKeyPackage(proposal.add.keyPackage, gc, ratchetTree, sentByClient, lifetimeConfig, authService, s));
        const [tree, ws] = await acc;`,
    `    // Parley patch (scripts/ts-mls-patches/concurrentVerify.mjs): every added KeyPackage's two
    // signature verifications start now; the KeyPackages are then validated in order, each awaiting
    // its own verifications in their place.
    const addSignatures = grouped.add.map(({ proposal }) => [
        started(verifyLeafNodeSignatureKeyPackage(proposal.add.keyPackage.leafNode, s)),
        started(verifyKeyPackage(proposal.add.keyPackage, s)),
    ]);
    await prepareCredentials(authService, grouped.add.map(({ proposal }) => [proposal.add.keyPackage.leafNode.credential, proposal.add.keyPackage.leafNode.signaturePublicKey]));
    const [treeAfterAdd, addedLeafNodes] = await grouped.add.reduce(async (acc, { proposal }, addIndex) => {
        const [tree, ws] = await acc;
        throwIfDefined(await validateKeyPackage(proposal.add.keyPackage, gc, ratchetTree, sentByClient, lifetimeConfig, authService, s, addSignatures[addIndex]));`,
  ],
];
