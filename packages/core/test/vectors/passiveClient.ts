/**
 * The "Passive Client Scenarios" of test-vectors.md, shared by passive-client-welcome,
 * passive-client-handling-commit and passive-client-random: join by Welcome, then follow every
 * proposal and commit of the group, checking the epoch_authenticator after each epoch.
 */
import {
  type CiphersuiteImpl,
  type ClientState,
  decodeMlsMessage,
  joinGroup,
  makePskIndex,
  type PrivateKeyPackage,
  processPrivateMessage,
  processPublicMessage,
  type RatchetTree,
} from 'ts-mls';
import { decodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { bytesToBase64 } from 'ts-mls/util/byteArray.js';
import {
  check,
  checkBytes,
  describeSuiteVectors,
  hex,
  hpkeKeysMatch,
  signatureKeysMatch,
} from './vectors.js';

export interface PassiveClientCase {
  cipher_suite: number;
  external_psks: { psk_id: string; psk: string }[];
  key_package: string;
  signature_priv: string;
  encryption_priv: string;
  init_priv: string;
  welcome: string;
  ratchet_tree: string | null;
  initial_epoch_authenticator: string;
  epochs: { proposals: string[]; commit: string; epoch_authenticator: string }[];
}

/** Applies one handshake MLSMessage (PublicMessage or PrivateMessage) to `state`. */
async function applyHandshake(
  state: ClientState,
  messageHex: string,
  what: string,
  psks: Record<string, Uint8Array>,
  impl: CiphersuiteImpl,
): Promise<ClientState> {
  const message = decodeMlsMessage(hex(messageHex), 0)?.[0];
  const pskIndex = makePskIndex(state, psks);
  switch (message?.wireformat) {
    case 'mls_public_message':
      return (await processPublicMessage(state, message.publicMessage, pskIndex, impl)).newState;
    case 'mls_private_message':
      return (await processPrivateMessage(state, message.privateMessage, pskIndex, impl)).newState;
    default:
      throw new Error(`${what}: not an MLSMessage(PublicMessage or PrivateMessage)`);
  }
}

export async function runPassiveClient(v: PassiveClientCase, impl: CiphersuiteImpl): Promise<void> {
  const keyPackageMessage = decodeMlsMessage(hex(v.key_package), 0)?.[0];
  if (keyPackageMessage?.wireformat !== 'mls_key_package') {
    throw new Error('key_package: not an MLSMessage(KeyPackage)');
  }
  const keyPackage = keyPackageMessage.keyPackage;

  // signature_priv, encryption_priv and init_priv match the public keys of the KeyPackage.
  check(
    await signatureKeysMatch(impl, keyPackage.leafNode.signaturePublicKey, hex(v.signature_priv)),
    'signature_priv does not match the KeyPackage signature key',
  );
  check(
    await hpkeKeysMatch(impl, keyPackage.leafNode.hpkePublicKey, hex(v.encryption_priv)),
    'encryption_priv does not match the KeyPackage leaf encryption key',
  );
  check(
    await hpkeKeysMatch(impl, keyPackage.initKey, hex(v.init_priv)),
    'init_priv does not match the KeyPackage init_key',
  );

  const welcomeMessage = decodeMlsMessage(hex(v.welcome), 0)?.[0];
  if (welcomeMessage?.wireformat !== 'mls_welcome') throw new Error('welcome: not an MLSMessage(Welcome)');

  let ratchetTree: RatchetTree | undefined;
  if (v.ratchet_tree !== null) {
    const decoded = decodeRatchetTree(hex(v.ratchet_tree), 0);
    if (decoded === undefined) throw new Error('ratchet_tree: could not decode');
    ratchetTree = decoded[0];
  }

  const psks: Record<string, Uint8Array> = {};
  for (const p of v.external_psks) psks[bytesToBase64(hex(p.psk_id))] = hex(p.psk);

  const privateKeys: PrivateKeyPackage = {
    initPrivateKey: hex(v.init_priv),
    hpkePrivateKey: hex(v.encryption_priv),
    signaturePrivateKey: hex(v.signature_priv),
  };
  let state = await joinGroup(
    welcomeMessage.welcome,
    keyPackage,
    privateKeys,
    makePskIndex(undefined, psks),
    impl,
    ratchetTree,
  );
  checkBytes(
    'initial_epoch_authenticator',
    state.keySchedule.epochAuthenticator,
    v.initial_epoch_authenticator,
  );

  for (const [i, epoch] of v.epochs.entries()) {
    for (const [j, proposal] of epoch.proposals.entries()) {
      state = await applyHandshake(state, proposal, `epochs[${i}].proposals[${j}]`, psks, impl);
    }
    state = await applyHandshake(state, epoch.commit, `epochs[${i}].commit`, psks, impl);
    checkBytes(
      `epochs[${i}].epoch_authenticator`,
      state.keySchedule.epochAuthenticator,
      epoch.epoch_authenticator,
    );
  }
}

export function describePassiveClientVectors(file: string): void {
  describeSuiteVectors<PassiveClientCase>(file, (v, { impl }) => runPassiveClient(v, impl));
}
