/** welcome.json: decrypt a Welcome, verify the GroupInfo signature and confirmation tag. */
import { decodeMlsMessage } from 'ts-mls';
import { verifyGroupInfoConfirmationTag, verifyGroupInfoSignature } from 'ts-mls/groupInfo.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { decryptGroupInfo, decryptGroupSecrets } from 'ts-mls/welcome.js';
import { check, describeSuiteVectors, hex, toHex } from './vectors.js';

interface WelcomeCase {
  cipher_suite: number;
  init_priv: string;
  signer_pub: string;
  key_package: string;
  welcome: string;
}

describeSuiteVectors<WelcomeCase>('welcome', async (v, { impl }) => {
  const welcomeMessage = decodeMlsMessage(hex(v.welcome), 0)?.[0];
  if (welcomeMessage?.wireformat !== 'mls_welcome') throw new Error('welcome: not an MLSMessage(Welcome)');
  const keyPackageMessage = decodeMlsMessage(hex(v.key_package), 0)?.[0];
  if (keyPackageMessage?.wireformat !== 'mls_key_package') {
    throw new Error('key_package: not an MLSMessage(KeyPackage)');
  }
  const welcome = welcomeMessage.welcome;

  // Identify the entry in welcome.secrets corresponding to key_package.
  const ref = await makeKeyPackageRef(keyPackageMessage.keyPackage, impl.hash);
  check(
    welcome.secrets.some((s) => toHex(s.newMember) === toHex(ref)),
    'welcome.secrets has no entry for the KeyPackageRef of key_package',
  );

  // Decrypt the group secrets with init_priv, then the GroupInfo (no PSKs: psk_secret is all zero).
  const initPriv = await impl.hpke.importPrivateKey(hex(v.init_priv));
  const groupSecrets = await decryptGroupSecrets(initPriv, ref, welcome, impl.hpke);
  if (groupSecrets === undefined) throw new Error('could not decrypt the group secrets');
  const pskSecret = new Uint8Array(impl.kdf.size);
  const groupInfo = await decryptGroupInfo(welcome, groupSecrets.joinerSecret, pskSecret, impl);
  if (groupInfo === undefined) throw new Error('could not decrypt the GroupInfo');

  check(
    await verifyGroupInfoSignature(groupInfo, hex(v.signer_pub), impl.signature),
    'GroupInfo signature does not verify under signer_pub',
  );
  check(
    await verifyGroupInfoConfirmationTag(groupInfo, groupSecrets.joinerSecret, pskSecret, impl),
    'GroupInfo confirmation_tag does not match the key schedule of joiner_secret',
  );
});
