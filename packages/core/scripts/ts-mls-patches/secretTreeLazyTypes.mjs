/** The declaration of secretTreeLazy.mjs's `deriveLeafRatchets`, for Parley's tests of the vectors. */
export const file = 'secretTree.d.ts';
export const originalSha256 = '9b363944e33e67a00affbe118efb668a443c93953705bbd2bef87188f9ecda4c';
export const summary = 'deriveLeafRatchets declared';

export const edits = [
  [
    `export declare function createSecretTree(leafWidth: number, encryptionSecret: Uint8Array, kdf: Kdf): Promise<SecretTree>;`,
    `export declare function createSecretTree(leafWidth: number, encryptionSecret: Uint8Array, kdf: Kdf): Promise<SecretTree>;
/** Parley patch (scripts/ts-mls-patches/secretTreeLazy.mjs): the tree with the ratchets of the leaf at node \`nodeIndex\` derived. */
export declare function deriveLeafRatchets(tree: SecretTree, nodeIndex: number, kdf: Kdf): Promise<SecretTree>;`,
  ],
];
