/**
 * Conversations as MLS groups (RFC 9420), one leaf per device.
 *
 * Operations follow ts-mls's style: they take a state and return `{ newState, ... }`, never
 * mutating their input, so a caller can hold on to the previous state until the server has
 * accepted a commit (and drop the new one if another commit won the epoch).
 *
 * Wire decisions (see docs/protocol.md): commits and proposals travel as signed PublicMessages so
 * the server can check the membership changes it enforces; application data is always a
 * PrivateMessage; a Welcome carries the ratchet tree (ratchet_tree extension).
 *
 * One concept per file under ./group/: members (who is in the group), wire (framing, limits, error
 * mapping), commit (changing the group), join (Welcome and external commit), application
 * (encrypt/decrypt), receive (processing what arrives, in server order).
 */
export { type ApplicationReceived, encryptApplication } from './group/application.js';
export {
  addAccount,
  addKeyPackages,
  type CommitResult,
  commitPendingProposals,
  createGroup,
  exportGroupInfo,
  GROUP_ID_BYTES,
  proposeLeave,
  removeMembers,
  selfUpdate,
} from './group/commit.js';
export type { IncomingOptions } from './group/identityTolerance.js';
export {
  joinByExternalCommit,
  joinCiphersuite,
  joinFromWelcome,
  type KeyPackageLookup,
} from './group/join.js';
export {
  epochAuthenticator,
  type GroupState,
  groupEpoch,
  groupId,
  groupMembers,
  isActive,
  type Member,
  memberAt,
  ownLeafIndex,
  pendingProposalCount,
} from './group/members.js';
export { type PrivateHeader, privateHeader } from './group/privateHeader.js';
export { commitAuthor, type IncomingResult, processIncoming } from './group/receive.js';
export { type CommitCorruption, unsafeTestingCorruptCommit } from './group/unsafeTesting.js';
export { decodeMessage, keyPackageOf, MAX_MLS_MESSAGE_BYTES, messageEpoch } from './group/wire.js';
