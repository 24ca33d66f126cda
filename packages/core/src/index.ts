/**
 * @parley/core — isomorphic (Node and browsers). Identities and device certificates, Parley's MLS
 * AuthenticationService, key packages, conversations as MLS groups, the application message codec,
 * state serialisation and encryption at rest, safety numbers.
 *
 * Node callers should pass `nativeCryptoProvider` from '@parley/core/node' to createMlsDevice.
 */

export * from './accountLimits.js';
export * from './appMessage.js';
export * from './atRest.js';
export * from './attachmentBody.js';
export * from './attachmentCipher.js';
export * from './authService.js';
export * from './backup.js';
export * from './device.js';
export * from './deviceLabel.js';
export {
  bytesEqual,
  concatBytes,
  decodeWith,
  fromBase64,
  fromBase64Url,
  fromHex,
  fromUtf8,
  Reader,
  randomBytes,
  toBase64,
  toBase64Url,
  toHex,
  utf8,
  Writer,
} from './encoding.js';
export * from './errors.js';
export * from './group.js';
export * from './historyArchive.js';
export * from './identity.js';
export * from './keyPackages.js';
export * from './mls.js';
export * from './protocol.js';
export * from './publicGroup/index.js';
export * from './recoveryKey.js';
export * from './safetyNumber.js';
export * from './state.js';
export * from './suites.js';
export { isTestRun } from './testRun.js';
export * from './transparency/entry.js';
export * from './transparency/errors.js';
export * from './transparency/head.js';
/** RFC 9162 Merkle trees (key transparency's log, issue #21). */
export * as merkle from './transparency/merkle.js';
export { Frontier, LogTree } from './transparency/tree.js';
export { checkNewUsername, usernameProblem } from './usernameRules.js';
