/**
 * A group's public state and what the Delivery Service verifies with it (RFC 9420, everything a
 * party without the group's secrets can check): handshake signatures, committed proposals, the
 * UpdatePath's public part, the next epoch's GroupContext, and GroupInfos. One concept per file:
 * state (the value and its storage encoding), leaves (leaf node and key package checks), verify
 * (signatures, proposals sent alone), advance (a commit applied), groupInfo (GroupInfo checks).
 */
export { type Advanced, advancePublicState, type CommittedProposal } from './advance.js';
export {
  checkGroupInfo,
  decodeGroupInfoMessage,
  publicStateFromGroupInfo,
  publicStateOfNewGroup,
} from './groupInfo.js';
export {
  type CredentialCheck,
  decodePublicGroupState,
  encodePublicGroupState,
  type PublicGroupState,
  publicEpoch,
  publicLeaf,
  publicLeaves,
} from './state.js';
export { checkProposalMessage, verifyHandshakeSignature } from './verify.js';
