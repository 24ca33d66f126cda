/** Processing what arrives for a group, in server order: application data, proposals and commits. */
import { emptyPskIndex, type PublicMessage, processPublicMessage } from 'ts-mls';
import { verifyFramedContentSignature } from 'ts-mls/framedContent.js';
import type { MlsDevice } from '../device.js';
import { bytesEqual } from '../encoding.js';
import { GroupError } from '../errors.js';
import { type ApplicationReceived, processApplication } from './application.js';
import { type IncomingOptions, tolerant } from './identityTolerance.js';
import {
  checkGroup,
  diffMembers,
  type GroupState,
  isActive,
  type Member,
  memberAt,
  memberOf,
  ownLeafIndex,
} from './members.js';
import { decodeMessage, guard } from './wire.js';

export type IncomingResult =
  | ApplicationReceived
  | {
      kind: 'commit';
      newState: GroupState;
      committer: Member | null;
      epoch: bigint;
      added: Member[];
      removed: Member[];
      /** This device was removed by the commit: the conversation is over for it. */
      removedSelf: boolean;
    }
  | {
      kind: 'proposal';
      newState: GroupState;
      sender: Member | null;
      proposalType: string;
    };

async function processHandshake(
  device: MlsDevice,
  state: GroupState,
  pm: PublicMessage,
): Promise<IncomingResult> {
  checkGroup(state, pm.content.groupId);
  const current = state.groupContext.epoch;
  if (pm.content.epoch !== current) {
    throw new GroupError(
      'wrong_epoch',
      pm.content.epoch < current ? 'handshake from a past epoch' : 'handshake from a future epoch',
    );
  }
  const sender =
    pm.content.sender.senderType === 'member' ? (memberAt(state, pm.content.sender.leafIndex) ?? null) : null;
  const result = await guard(
    () => processPublicMessage(state, pm, emptyPskIndex, device.cs),
    pm.content.contentType === 'commit' ? 'invalid_commit' : 'invalid_message',
  );
  if (pm.content.contentType === 'proposal') {
    return {
      kind: 'proposal',
      newState: result.newState,
      sender,
      proposalType: String(pm.content.proposal.proposalType),
    };
  }
  if (pm.content.contentType !== 'commit')
    throw new GroupError('invalid_message', 'application data must be encrypted');
  const removedSelf = result.newState.groupActiveState.kind === 'removedFromGroup';
  const { added, removed } = removedSelf
    ? { added: [], removed: [memberAt(state, ownLeafIndex(state))!] }
    : diffMembers(state, result.newState);
  return {
    kind: 'commit',
    newState: result.newState,
    committer: sender,
    epoch: result.newState.groupContext.epoch,
    added,
    removed,
    removedSelf,
  };
}

/**
 * Process one message received for this group, in server order. Errors are ParleyErrors with a
 * code the caller can act on: `wrong_epoch` (missing commits: catch up or rejoin), `decrypt_failed`,
 * `bad_signature`, `replayed_message`, `identity_key_mismatch` (warn the user), ...
 */
export async function processIncoming(
  device: MlsDevice,
  state: GroupState,
  bytes: Uint8Array,
  options: IncomingOptions = {},
): Promise<IncomingResult> {
  const message = decodeMessage(bytes);
  if (!isActive(state))
    throw new GroupError('not_a_member', 'this device is no longer a member of the group');
  switch (message.wireformat) {
    case 'mls_private_message':
      return processApplication(device, state, message.privateMessage);
    case 'mls_public_message': {
      const { onIdentityChange } = options;
      if (onIdentityChange === undefined) return processHandshake(device, state, message.publicMessage);
      // Read with an AuthenticationService that lets a changed identity key in (every other check
      // stands), then hand back the state with the device's own, strict one.
      const reading = {
        ...state,
        clientConfig: { ...state.clientConfig, authService: tolerant(device, onIdentityChange) },
      };
      const result = await processHandshake(device, reading, message.publicMessage);
      return { ...result, newState: { ...result.newState, clientConfig: state.clientConfig } };
    }
    default:
      throw new GroupError('invalid_message', `unexpected ${message.wireformat} in a group's stream`);
  }
}

/**
 * A commit of this state's group and epoch, read without processing it: the device that signed it
 * (the member at its sender leaf, or, for an external commit, the device in its UpdatePath leaf),
 * when its signature verifies under that device's key (RFC 9420 §6.1); null when it does not or
 * that credential cannot be read. Undefined for anything else. Used to name the device whose
 * commit a member could not process (what needs the epoch's secrets: membership tag, path
 * secrets, confirmation tag), which the server cannot check. The membership and confirmation tags
 * are outside the signature: whoever relays a commit can spoil them, so the signer is a suspect,
 * not a proven culprit.
 */
export async function commitAuthor(
  device: MlsDevice,
  state: GroupState,
  bytes: Uint8Array,
): Promise<{ author: Member | null } | undefined> {
  let message: ReturnType<typeof decodeMessage>;
  try {
    message = decodeMessage(bytes);
  } catch {
    return undefined;
  }
  if (message.wireformat !== 'mls_public_message') return undefined;
  const { content, auth } = message.publicMessage;
  if (content.contentType !== 'commit' || content.epoch !== state.groupContext.epoch) return undefined;
  if (!bytesEqual(content.groupId, state.groupContext.groupId)) return undefined;
  let author: Member | undefined;
  try {
    if (content.sender.senderType === 'member') author = memberAt(state, content.sender.leafIndex);
    else if (content.sender.senderType === 'new_member_commit' && content.commit.path !== undefined)
      author = memberOf(-1, content.commit.path.leafNode);
    const signed =
      author !== undefined &&
      (await verifyFramedContentSignature(
        author.deviceKey,
        'mls_public_message',
        content,
        auth,
        state.groupContext,
        device.cs.signature,
      ));
    return { author: signed ? author! : null };
  } catch {
    return { author: null };
  }
}
