/** key-schedule.json: a chain of epochs through the key schedule, external_pub and the exporter. */
import { mlsExporter } from 'ts-mls';
import { encodeGroupContext, type GroupContext } from 'ts-mls/groupContext.js';
import { initializeEpoch } from 'ts-mls/keySchedule.js';
import { checkBytes, describeSuiteVectors, hex } from './vectors.js';

interface KeyScheduleEpoch {
  tree_hash: string;
  commit_secret: string;
  psk_secret: string;
  confirmed_transcript_hash: string;
  group_context: string;
  joiner_secret: string;
  welcome_secret: string;
  init_secret: string;
  sender_data_secret: string;
  encryption_secret: string;
  exporter_secret: string;
  epoch_authenticator: string;
  external_secret: string;
  confirmation_key: string;
  membership_key: string;
  resumption_psk: string;
  external_pub: string;
  exporter: { label: string; context: string; length: number; secret: string };
}

interface KeyScheduleCase {
  cipher_suite: number;
  group_id: string;
  initial_init_secret: string;
  epochs: KeyScheduleEpoch[];
}

describeSuiteVectors<KeyScheduleCase>('key-schedule', async (v, { impl, suite }) => {
  let initSecret = hex(v.initial_init_secret);
  for (const [i, e] of v.epochs.entries()) {
    const at = `epoch ${i}`;
    const groupContext: GroupContext = {
      version: 'mls10',
      cipherSuite: suite,
      groupId: hex(v.group_id),
      epoch: BigInt(i),
      treeHash: hex(e.tree_hash),
      confirmedTranscriptHash: hex(e.confirmed_transcript_hash),
      extensions: [],
    };
    checkBytes(`${at} group_context`, encodeGroupContext(groupContext), e.group_context);

    const { keySchedule, joinerSecret, welcomeSecret, encryptionSecret } = await initializeEpoch(
      initSecret,
      hex(e.commit_secret),
      groupContext,
      hex(e.psk_secret),
      impl.kdf,
    );
    checkBytes(`${at} joiner_secret`, joinerSecret, e.joiner_secret);
    checkBytes(`${at} welcome_secret`, welcomeSecret, e.welcome_secret);
    checkBytes(`${at} init_secret`, keySchedule.initSecret, e.init_secret);
    checkBytes(`${at} sender_data_secret`, keySchedule.senderDataSecret, e.sender_data_secret);
    checkBytes(`${at} encryption_secret`, encryptionSecret, e.encryption_secret);
    checkBytes(`${at} exporter_secret`, keySchedule.exporterSecret, e.exporter_secret);
    checkBytes(`${at} epoch_authenticator`, keySchedule.epochAuthenticator, e.epoch_authenticator);
    checkBytes(`${at} external_secret`, keySchedule.externalSecret, e.external_secret);
    checkBytes(`${at} confirmation_key`, keySchedule.confirmationKey, e.confirmation_key);
    checkBytes(`${at} membership_key`, keySchedule.membershipKey, e.membership_key);
    checkBytes(`${at} resumption_psk`, keySchedule.resumptionPsk, e.resumption_psk);

    // external_pub is the public key of KEM.DeriveKeyPair(external_secret).
    const { publicKey } = await impl.hpke.deriveKeyPair(keySchedule.externalSecret);
    checkBytes(`${at} external_pub`, await impl.hpke.exportPublicKey(publicKey), e.external_pub);

    // exporter.secret == MLS-Exporter(exporter.label, exporter.context, exporter.length)
    const x = e.exporter;
    checkBytes(
      `${at} exporter.secret`,
      await mlsExporter(keySchedule.exporterSecret, x.label, hex(x.context), x.length, impl),
      x.secret,
    );
    initSecret = keySchedule.initSecret;
  }
});
