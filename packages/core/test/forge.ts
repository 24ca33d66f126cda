/**
 * A hostile member's tools, for adversarial tests (here and in the server's): MLS messages altered
 * after their sender built them, re-signed with the keys the attacker holds where that is what the
 * attack needs. ts-mls's own client refuses to build such messages, so they are edited as values.
 */
import {
  decodeMlsMessage,
  encodeMlsMessage,
  type GroupContext,
  type KeyPackage,
  type MLSMessage,
} from 'ts-mls';
import type { Hash } from 'ts-mls/crypto/hash.js';
import type { Signature } from 'ts-mls/crypto/signature.js';
import type { FramedContent } from 'ts-mls/framedContent.js';
import { signFramedContentTBS, toTbs } from 'ts-mls/framedContent.js';
import { type GroupInfo, signGroupInfo } from 'ts-mls/groupInfo.js';
import { makeKeyPackageRef, signKeyPackage } from 'ts-mls/keyPackage.js';
import { type LeafNode, signLeafNodeKeyPackage } from 'ts-mls/leafNode.js';
import { encodeRatchetTree, type RatchetTree } from 'ts-mls/ratchetTree.js';

function decode(bytes: Uint8Array): MLSMessage {
  const decoded = decodeMlsMessage(bytes, 0);
  if (decoded === undefined) throw new Error('not an MLSMessage');
  return decoded[0];
}

/** `b` with its last bit flipped. */
export function flipped(b: Uint8Array): Uint8Array {
  const out = b.slice();
  out[out.length - 1]! ^= 0x01;
  return out;
}

/** The message with one bit of its signature flipped (a handshake PublicMessage or a GroupInfo). */
export function flipSignature(bytes: Uint8Array): Uint8Array {
  const m = decode(bytes);
  if (m.wireformat === 'mls_public_message') {
    const pm = m.publicMessage;
    return encodeMlsMessage({
      ...m,
      publicMessage: { ...pm, auth: { ...pm.auth, signature: flipped(pm.auth.signature) } },
    });
  }
  if (m.wireformat === 'mls_group_info')
    return encodeMlsMessage({
      ...m,
      groupInfo: { ...m.groupInfo, signature: flipped(m.groupInfo.signature) },
    });
  throw new Error(`cannot flip the signature of a ${m.wireformat}`);
}

/** A handshake with its content edited, signed again by `signKey` over `context` (a valid signature). */
export async function resignHandshake(
  bytes: Uint8Array,
  context: GroupContext,
  signKey: Uint8Array,
  sig: Signature,
  edit: (content: FramedContent) => FramedContent,
): Promise<Uint8Array> {
  const m = decode(bytes);
  if (m.wireformat !== 'mls_public_message') throw new Error('not a PublicMessage');
  const content = edit(m.publicMessage.content);
  const signature = await signFramedContentTBS(signKey, toTbs(content, 'mls_public_message', context), sig);
  const pm = m.publicMessage;
  return encodeMlsMessage({
    ...m,
    publicMessage: { ...pm, content, auth: { ...pm.auth, signature } } as typeof pm,
  });
}

/** A commit whose Add proposals carry `kp` instead (signed again by the committer). */
export function withAddedKeyPackage(
  commit: Uint8Array,
  context: GroupContext,
  signKey: Uint8Array,
  sig: Signature,
  kp: KeyPackage,
): Promise<Uint8Array> {
  return resignHandshake(commit, context, signKey, sig, (content) => {
    if (content.contentType !== 'commit') throw new Error('not a commit');
    const proposals = content.commit.proposals.map((p) =>
      p.proposalOrRefType === 'proposal' && p.proposal.proposalType === 'add'
        ? { ...p, proposal: { proposalType: 'add' as const, add: { keyPackage: kp } } }
        : p,
    );
    return { ...content, commit: { ...content.commit, proposals } };
  });
}

export function keyPackageIn(bytes: Uint8Array): KeyPackage {
  const m = decode(bytes);
  if (m.wireformat !== 'mls_key_package') throw new Error('not a key package');
  return m.keyPackage;
}

/** The key package with its own signature broken. */
export function badKeyPackageSignature(kp: KeyPackage): KeyPackage {
  return { ...kp, signature: flipped(kp.signature) };
}

/** The key package with its leaf node's signature broken, the package signed again by its owner. */
export async function badLeafNodeSignature(
  kp: KeyPackage,
  ownerSignKey: Uint8Array,
  sig: Signature,
): Promise<KeyPackage> {
  const leafNode = { ...kp.leafNode, signature: flipped(kp.leafNode.signature) } as LeafNode;
  const { signature: _, ...tbs } = { ...kp, leafNode };
  return signKeyPackage(tbs as Parameters<typeof signKeyPackage>[0], ownerSignKey, sig);
}

/** A GroupInfo edited and signed again by `signKey` (a member's key: the signature is valid). */
export async function resignGroupInfo(
  bytes: Uint8Array,
  signKey: Uint8Array,
  sig: Signature,
  edit: (gi: GroupInfo) => GroupInfo,
): Promise<Uint8Array> {
  const m = decode(bytes);
  if (m.wireformat !== 'mls_group_info') throw new Error('not a GroupInfo');
  const { signature: _, ...tbs } = edit(m.groupInfo);
  return encodeMlsMessage({ ...m, groupInfo: await signGroupInfo(tbs, signKey, sig) });
}

/** The ratchet tree a GroupInfo carries, replaced by `tree`. */
export function withTree(gi: GroupInfo, tree: RatchetTree): GroupInfo {
  const extensions = gi.extensions.map((e) =>
    e.extensionType === 'ratchet_tree' ? { ...e, extensionData: encodeRatchetTree(tree) } : e,
  );
  return { ...gi, extensions };
}

/** The key package with another credential (another device's certificate), re-signed throughout by its owner. */
export async function withCredential(
  kp: KeyPackage,
  credential: LeafNode['credential'],
  ownerSignKey: Uint8Array,
  sig: Signature,
): Promise<KeyPackage> {
  const { signature: _, ...leafTbs } = { ...kp.leafNode, credential };
  const leafNode = await signLeafNodeKeyPackage(
    leafTbs as Parameters<typeof signLeafNodeKeyPackage>[0],
    ownerSignKey,
    sig,
  );
  const { signature: __, ...tbs } = { ...kp, leafNode };
  return signKeyPackage(tbs as Parameters<typeof signKeyPackage>[0], ownerSignKey, sig);
}

/** The Welcome readdressed to `kp` (its KeyPackageRef), as an attacker adding `kp` would send it. */
export async function welcomeFor(welcome: Uint8Array, kp: KeyPackage, h: Hash): Promise<Uint8Array> {
  const m = decode(welcome);
  if (m.wireformat !== 'mls_welcome') throw new Error('not a Welcome');
  const newMember = await makeKeyPackageRef(kp, h);
  const secrets = m.welcome.secrets.map((s) => ({ ...s, newMember }));
  return encodeMlsMessage({ ...m, welcome: { ...m.welcome, secrets } });
}
