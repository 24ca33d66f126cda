/**
 * message-protection.json: PublicMessage and PrivateMessage protection of a proposal, a commit and
 * application data, sent by leaf 1 of a two-member group.
 */
import {
  type CiphersuiteImpl,
  decodeMlsMessage,
  defaultCapabilities,
  defaultKeyRetentionConfig,
  defaultPaddingConfig,
  type GroupContext,
  type PrivateMessage,
  type PublicMessage,
  type RatchetTree,
} from 'ts-mls';
import type { AuthenticatedContent } from 'ts-mls/authenticatedContent.js';
import { decodeCommit, encodeCommit } from 'ts-mls/commit.js';
import { createContentCommitSignature } from 'ts-mls/framedContent.js';
import {
  protect,
  protectApplicationData,
  protectProposal,
  unprotectPrivateMessage,
} from 'ts-mls/messageProtection.js';
import {
  protectProposalPublic,
  protectPublicMessage,
  unprotectPublicMessage,
} from 'ts-mls/messageProtectionPublic.js';
import { UsageError } from 'ts-mls/mlsError.js';
import { decodeProposal, encodeProposal } from 'ts-mls/proposal.js';
import { createSecretTree } from 'ts-mls/secretTree.js';
import { checkBytes, checkEqual, checkRejects, describeSuiteVectors, hex, tamper } from './vectors.js';

interface MessageProtectionCase {
  cipher_suite: number;
  group_id: string;
  epoch: number;
  tree_hash: string;
  confirmed_transcript_hash: string;
  signature_priv: string;
  signature_pub: string;
  encryption_secret: string;
  sender_data_secret: string;
  membership_key: string;
  proposal: string;
  proposal_pub: string;
  proposal_priv: string;
  commit: string;
  commit_pub: string;
  commit_priv: string;
  application: string;
  application_priv: string;
}

/** Everything a receiver needs, derived from one vector. */
interface Setup {
  v: MessageProtectionCase;
  impl: CiphersuiteImpl;
  groupContext: GroupContext;
  /** Two leaves; leaf 1 (the sender) carries signature_pub, so ts-mls looks the key up itself. */
  ratchetTree: RatchetTree;
  signKey: Uint8Array;
  membershipKey: Uint8Array;
  senderDataSecret: Uint8Array;
}

const SENDER = 1;

function twoMemberTree(signaturePublicKey: Uint8Array): RatchetTree {
  return [
    undefined,
    undefined,
    {
      nodeType: 'leaf',
      leaf: {
        leafNodeSource: 'commit',
        hpkePublicKey: new Uint8Array(),
        signaturePublicKey,
        capabilities: defaultCapabilities(),
        parentHash: new Uint8Array(),
        extensions: [],
        signature: new Uint8Array(),
        credential: { credentialType: 'basic', identity: new Uint8Array() },
      },
    },
  ];
}

/** A fresh secret tree for 2 members rooted at encryption_secret (one per check, as the spec says). */
function secretTree(s: Setup) {
  return createSecretTree(2, hex(s.v.encryption_secret), s.impl.kdf);
}

function decodePublic(messageHex: string, what: string): PublicMessage {
  const m = decodeMlsMessage(hex(messageHex), 0)?.[0];
  if (m?.wireformat !== 'mls_public_message') throw new Error(`${what}: not an MLSMessage(PublicMessage)`);
  return m.publicMessage;
}

function decodePrivate(messageHex: string, what: string): PrivateMessage {
  const m = decodeMlsMessage(hex(messageHex), 0)?.[0];
  if (m?.wireformat !== 'mls_private_message') throw new Error(`${what}: not an MLSMessage(PrivateMessage)`);
  return m.privateMessage;
}

async function unprotectPublic(s: Setup, msg: PublicMessage): Promise<AuthenticatedContent> {
  return unprotectPublicMessage(s.membershipKey, s.groupContext, s.ratchetTree, msg, s.impl);
}

async function unprotectPrivate(s: Setup, msg: PrivateMessage): Promise<AuthenticatedContent> {
  const tree = await secretTree(s);
  const { content } = await unprotectPrivateMessage(
    s.senderDataSecret,
    msg,
    tree,
    s.ratchetTree,
    s.groupContext,
    defaultKeyRetentionConfig,
    s.impl,
  );
  const { sender } = content.content;
  checkEqual('sender type', sender.senderType, 'member');
  checkEqual('sender leaf index', sender.senderType === 'member' ? sender.leafIndex : undefined, SENDER);
  return content;
}

function proposalBytes(what: string, c: AuthenticatedContent): Uint8Array {
  if (c.content.contentType !== 'proposal') throw new Error(`${what}: content is ${c.content.contentType}`);
  return encodeProposal(c.content.proposal);
}

function commitBytes(what: string, c: AuthenticatedContent): Uint8Array {
  if (c.content.contentType !== 'commit') throw new Error(`${what}: content is ${c.content.contentType}`);
  return encodeCommit(c.content.commit);
}

function applicationBytes(what: string, c: AuthenticatedContent): Uint8Array {
  if (c.content.contentType !== 'application') {
    throw new Error(`${what}: content is ${c.content.contentType}`);
  }
  return c.content.applicationData;
}

async function checkProposal(s: Setup): Promise<void> {
  const { v, impl } = s;
  // proposal_pub verifies with membership_key and signature_pub and yields the raw proposal.
  const pub = decodePublic(v.proposal_pub, 'proposal_pub');
  checkBytes('proposal_pub', proposalBytes('proposal_pub', await unprotectPublic(s, pub)), v.proposal);
  // Negative check (not in the spec): a wrong membership tag must be rejected.
  if (pub.senderType === 'member') {
    await checkRejects(
      'proposal_pub with a tampered membership_tag',
      unprotectPublic(s, { ...pub, membershipTag: tamper(pub.membershipTag) }),
    );
  }

  const proposal = decodeProposal(hex(v.proposal), 0)?.[0];
  if (proposal === undefined) throw new Error('proposal: could not decode');
  // Protecting it as a PublicMessage produces one that verifies.
  const { publicMessage } = await protectProposalPublic(
    s.signKey,
    s.membershipKey,
    s.groupContext,
    new Uint8Array(),
    proposal,
    SENDER,
    impl,
  );
  checkBytes(
    'proposal re-protected as PublicMessage',
    proposalBytes('', await unprotectPublic(s, publicMessage)),
    v.proposal,
  );

  // proposal_priv unprotects with the secret tree and signature_pub.
  const priv = decodePrivate(v.proposal_priv, 'proposal_priv');
  checkBytes('proposal_priv', proposalBytes('proposal_priv', await unprotectPrivate(s, priv)), v.proposal);
  await checkRejects(
    'proposal_priv with a tampered ciphertext',
    unprotectPrivate(s, { ...priv, ciphertext: tamper(priv.ciphertext) }),
  );

  // Protecting it as a PrivateMessage produces one that unprotects.
  const { privateMessage } = await protectProposal(
    s.signKey,
    s.senderDataSecret,
    proposal,
    new Uint8Array(),
    s.groupContext,
    await secretTree(s),
    SENDER,
    defaultPaddingConfig,
    impl,
  );
  checkBytes(
    'proposal re-protected as PrivateMessage',
    proposalBytes('', await unprotectPrivate(s, privateMessage)),
    v.proposal,
  );
}

async function checkCommit(s: Setup): Promise<void> {
  const { v, impl } = s;
  checkBytes(
    'commit_pub',
    commitBytes('commit_pub', await unprotectPublic(s, decodePublic(v.commit_pub, 'commit_pub'))),
    v.commit,
  );

  const commit = decodeCommit(hex(v.commit), 0)?.[0];
  if (commit === undefined) throw new Error('commit: could not decode');
  // A commit carries a confirmation tag; its value is irrelevant to message protection.
  const confirmationTag = impl.rng.randomBytes(impl.kdf.size);
  const sender = { senderType: 'member', leafIndex: SENDER } as const;

  const signedPublic = await createContentCommitSignature(
    s.groupContext,
    'mls_public_message',
    commit,
    sender,
    new Uint8Array(),
    s.signKey,
    impl.signature,
  );
  const publicMessage = await protectPublicMessage(
    s.membershipKey,
    s.groupContext,
    {
      wireformat: 'mls_public_message',
      content: signedPublic.framedContent,
      auth: { contentType: 'commit', signature: signedPublic.signature, confirmationTag },
    },
    impl,
  );
  checkBytes(
    'commit re-protected as PublicMessage',
    commitBytes('', await unprotectPublic(s, publicMessage)),
    v.commit,
  );

  checkBytes(
    'commit_priv',
    commitBytes('commit_priv', await unprotectPrivate(s, decodePrivate(v.commit_priv, 'commit_priv'))),
    v.commit,
  );

  const signedPrivate = await createContentCommitSignature(
    s.groupContext,
    'mls_private_message',
    commit,
    sender,
    new Uint8Array(),
    s.signKey,
    impl.signature,
  );
  const { privateMessage } = await protect(
    s.senderDataSecret,
    new Uint8Array(),
    s.groupContext,
    await secretTree(s),
    {
      ...signedPrivate.framedContent,
      auth: { contentType: 'commit', signature: signedPrivate.signature, confirmationTag },
    },
    SENDER,
    defaultPaddingConfig,
    impl,
  );
  checkBytes(
    'commit re-protected as PrivateMessage',
    commitBytes('', await unprotectPrivate(s, privateMessage)),
    v.commit,
  );
}

async function checkApplication(s: Setup): Promise<void> {
  const { v, impl } = s;
  const received = await unprotectPrivate(s, decodePrivate(v.application_priv, 'application_priv'));
  checkBytes('application_priv', applicationBytes('application_priv', received), v.application);

  // Protecting application data as a PublicMessage must fail.
  await checkRejects(
    'application data protected as a PublicMessage',
    protectPublicMessage(
      s.membershipKey,
      s.groupContext,
      { ...received, wireformat: 'mls_public_message' },
      impl,
    ),
    UsageError,
  );

  const { privateMessage } = await protectApplicationData(
    s.signKey,
    s.senderDataSecret,
    hex(v.application),
    new Uint8Array(),
    s.groupContext,
    await secretTree(s),
    SENDER,
    defaultPaddingConfig,
    impl,
  );
  checkBytes(
    'application re-protected as PrivateMessage',
    applicationBytes('', await unprotectPrivate(s, privateMessage)),
    v.application,
  );
}

describeSuiteVectors<MessageProtectionCase>('message-protection', async (v, { impl, suite }) => {
  const setup: Setup = {
    v,
    impl,
    groupContext: {
      version: 'mls10',
      cipherSuite: suite,
      groupId: hex(v.group_id),
      epoch: BigInt(v.epoch),
      treeHash: hex(v.tree_hash),
      confirmedTranscriptHash: hex(v.confirmed_transcript_hash),
      extensions: [],
    },
    ratchetTree: twoMemberTree(hex(v.signature_pub)),
    signKey: hex(v.signature_priv),
    membershipKey: hex(v.membership_key),
    senderDataSecret: hex(v.sender_data_secret),
  };
  await checkProposal(setup);
  await checkCommit(setup);
  await checkApplication(setup);
});
