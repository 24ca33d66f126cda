/** secret-tree.json: sender-data key/nonce and the per-leaf handshake/application hash ratchets. */
import { defaultKeyRetentionConfig } from 'ts-mls';
import {
  createSecretTree,
  deriveKey,
  deriveLeafRatchets,
  deriveNonce,
  type GenerationSecret,
  ratchetUntil,
} from 'ts-mls/secretTree.js';
import { expandSenderDataKey, expandSenderDataNonce } from 'ts-mls/sender.js';
import { leafToNodeIndex, toLeafIndex } from 'ts-mls/treemath.js';
import { checkBytes, checkEqual, describeSuiteVectors, hex } from './vectors.js';

interface SecretTreeCase {
  cipher_suite: number;
  sender_data: { sender_data_secret: string; ciphertext: string; key: string; nonce: string };
  encryption_secret: string;
  leaves: {
    generation: number;
    handshake_key: string;
    handshake_nonce: string;
    application_key: string;
    application_nonce: string;
  }[][];
}

describeSuiteVectors<SecretTreeCase>('secret-tree', async (v, { impl }) => {
  // sender_data: key == sender_data_key(sender_data_secret, ciphertext), likewise the nonce.
  const sd = v.sender_data;
  const [senderDataSecret, ciphertext] = [hex(sd.sender_data_secret), hex(sd.ciphertext)];
  checkBytes('sender_data.key', await expandSenderDataKey(impl, senderDataSecret, ciphertext), sd.key);
  checkBytes('sender_data.nonce', await expandSenderDataNonce(impl, senderDataSecret, ciphertext), sd.nonce);

  // A secret tree with leaves.length leaves rooted at encryption_secret. Parley's ts-mls derives it
  // on demand (scripts/ts-mls-patches/secretTreeLazy.mjs): each leaf's ratchets are derived here in
  // the vector's order, from what the leaves derived before it left in the tree.
  let tree = await createSecretTree(v.leaves.length, hex(v.encryption_secret), impl.kdf);
  for (const [leaf, generations] of v.leaves.entries()) {
    tree = await deriveLeafRatchets(tree, leafToNodeIndex(toLeafIndex(leaf)), impl.kdf);
    const node = tree[leafToNodeIndex(toLeafIndex(leaf))];
    if (node === undefined) throw new Error(`secret tree has no node for leaf ${leaf}`);
    for (const g of generations) {
      const at = async (start: GenerationSecret, what: string) => {
        const [ratcheted] = await ratchetUntil(start, g.generation, defaultKeyRetentionConfig, impl.kdf);
        checkEqual(`leaf ${leaf} ${what} generation`, ratcheted.generation, g.generation);
        return ratcheted;
      };
      const handshake = await at(node.handshake, 'handshake');
      const where = `leaf ${leaf} generation ${g.generation}`;
      checkBytes(
        `${where} handshake_key`,
        await deriveKey(handshake.secret, g.generation, impl),
        g.handshake_key,
      );
      checkBytes(
        `${where} handshake_nonce`,
        await deriveNonce(handshake.secret, g.generation, impl),
        g.handshake_nonce,
      );
      const application = await at(node.application, 'application');
      checkBytes(
        `${where} application_key`,
        await deriveKey(application.secret, g.generation, impl),
        g.application_key,
      );
      checkBytes(
        `${where} application_nonce`,
        await deriveNonce(application.secret, g.generation, impl),
        g.application_nonce,
      );
    }
  }
});
