/**
 * Performance, no change in output. A commit's UpdatePath encrypts each path secret to every node of
 * the copath's resolution with EncryptWithLabel(key, "UpdatePathNode", group_context, path_secret)
 * (RFC 9420 §7.6); the HPKE info, EncryptContext{"MLS 1.0 UpdatePathNode", GroupContext}, is the
 * same for every one of them. ts-mls encoded the GroupContext, and then that info, again for each:
 * after a big Add, when every parent is blank, ~1,000 times for one commit in a 1,000-member group.
 *
 * This builds the info once per UpdatePath and seals each path secret with it, as encryptWithLabel
 * does (crypto/hpke.js: hpke.seal with that info and an empty aad). One Uint8Array for every seal
 * also lets the native provider hand it to its seal worker once (packages/core/src/node/sealPool.ts).
 */
export const file = 'updatePath.js';
export const originalSha256 = '471c1bf59fde5a11ef7e7ddb3b2c3a941181c7e52c50fca2c1194799d88c434b';
export const summary = 'UpdatePathNode EncryptContext encoded once per commit';

export const edits = [
  [
    `import { contramapBufferEncoders, encode } from "./codec/tlsEncoder.js";`,
    `import { composeBufferEncoders, contramapBufferEncoders, encode } from "./codec/tlsEncoder.js";`,
  ],
  [
    `    const updatePathNodes = await Promise.all(pathSecrets.map(encryptSecretsForPath(originalTree, treeWithHashes, updatedGroupContext, cs)));`,
    `    // Parley patch (scripts/ts-mls-patches/updatePathContext.mjs): the EncryptContext once per commit.
    const encryptContext = encode(composeBufferEncoders([varLenDataEncoder, varLenDataEncoder]))([
        new TextEncoder().encode("MLS 1.0 UpdatePathNode"),
        encode(groupContextEncoder)(updatedGroupContext),
    ]);
    const updatePathNodes = await Promise.all(pathSecrets.map(encryptSecretsForPath(originalTree, treeWithHashes, encryptContext, cs)));`,
  ],
  [
    `function encryptSecretsForPath(originalTree, updatedTree, updatedGroupContext, cs) {`,
    `function encryptSecretsForPath(originalTree, updatedTree, encryptContext, cs) {`,
  ],
  [
    `                const { ct, enc } = await encryptWithLabel(await cs.hpke.importPublicKey(getHpkePublicKey(originalTree[nodeIndex])), "UpdatePathNode", encode(groupContextEncoder)(updatedGroupContext), pathSecret.secret, cs.hpke);`,
    `                const { ct, enc } = await cs.hpke.seal(await cs.hpke.importPublicKey(getHpkePublicKey(originalTree[nodeIndex])), pathSecret.secret, encryptContext, new Uint8Array());`,
  ],
];
