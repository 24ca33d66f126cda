/** Application messages: encrypting for the group and decrypting PrivateMessages (RFC 9420 §6.3). */
import { createApplicationMessage, type PrivateMessage } from 'ts-mls';
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { addToMap } from 'ts-mls/util/addToMap.js';
import type { MlsDevice } from '../device.js';
import { GroupError } from '../errors.js';
import { checkGroup, type GroupState, type Member, memberOf } from './members.js';
import { framed, guard } from './wire.js';

/** Encrypt application data for the group (the caller encodes it with appMessage.ts first). */
export async function encryptApplication(
  device: MlsDevice,
  state: GroupState,
  plaintext: Uint8Array,
): Promise<{ newState: GroupState; message: Uint8Array }> {
  const result = await guard(() => createApplicationMessage(state, plaintext, device.cs), 'usage');
  return {
    newState: result.newState,
    message: framed({
      version: 'mls10',
      wireformat: 'mls_private_message',
      privateMessage: result.privateMessage,
    }),
  };
}

/** A decrypted application message. */
export interface ApplicationReceived {
  kind: 'application';
  newState: GroupState;
  sender: Member;
  plaintext: Uint8Array;
  epoch: bigint;
}

/** Decrypt an application PrivateMessage, from the current epoch or a retained past one. */
export async function processApplication(
  device: MlsDevice,
  state: GroupState,
  pm: PrivateMessage,
): Promise<ApplicationReceived> {
  checkGroup(state, pm.groupId);
  if (pm.contentType !== 'application') {
    // Parley sends handshake messages only as PublicMessage, so the server can check them.
    throw new GroupError('invalid_message', 'encrypted handshake messages are not accepted');
  }
  const current = state.groupContext.epoch;
  if (pm.epoch > current) throw new GroupError('wrong_epoch', 'message from a future epoch');
  const past = pm.epoch < current;
  const receiver = past
    ? state.historicalReceiverData.get(pm.epoch)
    : {
        senderDataSecret: state.keySchedule.senderDataSecret,
        secretTree: state.secretTree,
        ratchetTree: state.ratchetTree,
        groupContext: state.groupContext,
        resumptionPsk: state.keySchedule.resumptionPsk,
      };
  if (receiver === undefined)
    throw new GroupError('wrong_epoch', 'message from an epoch whose keys are gone');
  const result = await guard(() =>
    unprotectPrivateMessage(
      receiver.senderDataSecret,
      pm,
      receiver.secretTree,
      receiver.ratchetTree,
      receiver.groupContext,
      state.clientConfig.keyRetentionConfig,
      device.cs,
    ),
  );
  const content = result.content.content;
  if (content.contentType !== 'application' || content.sender.senderType !== 'member') {
    throw new GroupError('invalid_message', 'unexpected content in an application message');
  }
  const leaf = receiver.ratchetTree[content.sender.leafIndex * 2];
  if (leaf === undefined || leaf.nodeType !== 'leaf')
    throw new GroupError('not_a_member', 'sender is not a member');
  const newState: GroupState = past
    ? {
        ...state,
        historicalReceiverData: addToMap(state.historicalReceiverData, pm.epoch, {
          ...receiver,
          secretTree: result.tree,
        }),
      }
    : { ...state, secretTree: result.tree };
  return {
    kind: 'application',
    newState,
    sender: memberOf(content.sender.leafIndex, leaf.leaf),
    plaintext: content.applicationData,
    epoch: pm.epoch,
  };
}
