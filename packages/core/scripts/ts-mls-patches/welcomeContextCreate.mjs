/**
 * Performance, no change in output: createWelcome builds the Welcome's EncryptContext once and seals
 * every new member's GroupSecrets with it (see welcomeContext.mjs for why).
 */
export const file = 'createCommit.js';
export const originalSha256 = '2813d68a1457a55470bbb1f2d223e12aa61c69e18a177f920c51cbdccc4bb004';
export const summary = 'Welcome GroupSecrets sealed with one EncryptContext';

export const edits = [
  [
    `import { encryptGroupInfo, encryptGroupSecrets } from "./welcome.js";`,
    `import { encryptGroupInfo, encryptGroupSecretsWithContext, welcomeEncryptContext } from "./welcome.js";`,
  ],
  [
    `    const encryptedGroupSecrets = res.additionalResult.kind === "memberCommit"
        ? await Promise.all(res.additionalResult.addedLeafNodes.map(([leafNodeIndex, keyPackage]) => {
            return createEncryptedGroupSecrets(tree, leafNodeIndex, state, pathSecrets, cs, keyPackage, encryptedGroupInfo, epochSecrets, res);`,
    `    // Parley patch (scripts/ts-mls-patches/welcomeContextCreate.mjs): one EncryptContext per Welcome.
    const welcomeContext = welcomeEncryptContext(encryptedGroupInfo);
    const encryptedGroupSecrets = res.additionalResult.kind === "memberCommit"
        ? await Promise.all(res.additionalResult.addedLeafNodes.map(([leafNodeIndex, keyPackage]) => {
            return createEncryptedGroupSecrets(tree, leafNodeIndex, state, pathSecrets, cs, keyPackage, welcomeContext, epochSecrets, res);`,
  ],
  [
    `async function createEncryptedGroupSecrets(tree, leafNodeIndex, state, pathSecrets, cs, keyPackage, encryptedGroupInfo, epochSecrets, res) {`,
    `async function createEncryptedGroupSecrets(tree, leafNodeIndex, state, pathSecrets, cs, keyPackage, welcomeContext, epochSecrets, res) {`,
  ],
  [
    `    const egs = await encryptGroupSecrets(pk, encryptedGroupInfo, {`,
    `    const egs = await encryptGroupSecretsWithContext(pk, welcomeContext, {`,
  ],
];
