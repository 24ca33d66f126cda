/**
 * The signature of a handshake PublicMessage (RFC 9420 §6.1): SignWithLabel(., "FramedContentTBS")
 * over the content and the group's current GroupContext, by the sender's leaf signature key — the
 * member's leaf in the tracked tree, or for a new_member_commit the leaf its UpdatePath carries
 * (§12.4.3.2). The membership tag needs the membership key, a secret: members check it.
 */
import type { Proposal, PublicMessage } from 'ts-mls';
import type { CiphersuiteImpl } from 'ts-mls/crypto/ciphersuite.js';
import { verifyFramedContentSignature } from 'ts-mls/framedContent.js';
import { bytesEqual } from '../encoding.js';
import { checkKeyPackage, checkMemberLeaf, fail } from './leaves.js';
import { type CredentialCheck, type PublicGroupState, publicLeaf } from './state.js';

/** The key that must have signed `pm`, or a refusal (`wrong_sender`) when there is none. */
function signerKey(state: PublicGroupState, pm: PublicMessage): Uint8Array {
  const sender = pm.content.sender;
  if (sender.senderType === 'member') {
    const leaf = publicLeaf(state.tree, sender.leafIndex);
    if (leaf === undefined) fail('wrong_sender', 'the sender’s leaf is blank');
    return leaf.signaturePublicKey;
  }
  if (sender.senderType === 'new_member_commit' && pm.content.contentType === 'commit') {
    const path = pm.content.commit.path;
    if (path === undefined) fail('invalid_commit', 'an external commit needs an UpdatePath');
    return path.leafNode.signaturePublicKey;
  }
  fail('wrong_sender', `${sender.senderType} senders are not accepted`);
}

/** Refuse `pm` unless it is for this group and epoch and its signature verifies. */
export async function verifyHandshakeSignature(
  state: PublicGroupState,
  pm: PublicMessage,
  cs: CiphersuiteImpl,
): Promise<void> {
  const gc = state.groupContext;
  if (!bytesEqual(pm.content.groupId, gc.groupId) || pm.content.epoch !== gc.epoch)
    fail('invalid_message', 'message is not for the group’s current epoch');
  if (pm.content.contentType === 'application') fail('invalid_message', 'application data must be encrypted');
  const key = signerKey(state, pm);
  if (!(await verifyFramedContentSignature(key, 'mls_public_message', pm.content, pm.auth, gc, cs.signature)))
    fail('invalid_message', 'handshake signature does not verify');
}

/**
 * A proposal sent on its own by a member: signed, and valid against the current tree (§12.1):
 * an Update's leaf node, a Remove's leaf occupied, an Add's key package. Other kinds are refused.
 */
export async function checkProposalMessage(
  state: PublicGroupState,
  pm: PublicMessage,
  cs: CiphersuiteImpl,
  check: CredentialCheck,
  now: number,
): Promise<Proposal> {
  await verifyHandshakeSignature(state, pm, cs);
  if (pm.content.contentType !== 'proposal' || pm.content.sender.senderType !== 'member')
    fail('invalid_message', 'not a member’s proposal');
  const sender = pm.content.sender.leafIndex;
  const p = pm.content.proposal;
  switch (p.proposalType) {
    case 'remove':
      if (publicLeaf(state.tree, p.remove.removed) === undefined)
        fail('invalid_message', 'proposal removes a blank leaf');
      break;
    case 'update': {
      const previous = publicLeaf(state.tree, sender);
      await checkMemberLeaf(
        state,
        state.tree,
        p.update.leafNode,
        sender,
        previous,
        check,
        cs,
        'invalid_message',
      );
      break;
    }
    case 'add':
      await checkKeyPackage(state, state.tree, p.add.keyPackage, check, cs, now, 'invalid_message');
      break;
    default:
      fail('unsupported', `${String(p.proposalType)} proposals are not supported`);
  }
  return p;
}
