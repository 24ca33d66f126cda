/**
 * Checks of leaf nodes and key packages from public data alone, as a member checks them when it
 * processes a commit (RFC 9420 §7.3 leaf node validation, §10.1 key package validation, §12.2
 * proposal list validation). Each check throws GroupError(code) when it fails.
 */
import type { AuthenticationService, KeyPackage } from 'ts-mls';
import {
  validateLeafNodeCredentialAndKeyUniqueness,
  validateLeafNodeUpdateOrCommit,
} from 'ts-mls/clientState.js';
import type { CiphersuiteImpl } from 'ts-mls/crypto/ciphersuite.js';
import { extensionsSupportedByCapabilities } from 'ts-mls/extension.js';
import { verifyKeyPackage } from 'ts-mls/keyPackage.js';
import {
  type LeafNode,
  type LeafNodeKeyPackage,
  verifyLeafNodeSignatureKeyPackage,
} from 'ts-mls/leafNode.js';
import type { RatchetTree } from 'ts-mls/ratchetTree.js';
import { bytesEqual } from '../encoding.js';
import { type ErrorCode, GroupError } from '../errors.js';
import type { CredentialCheck, PublicGroupState } from './state.js';

export function fail(code: ErrorCode, message: string): never {
  throw new GroupError(code as 'invalid_commit', message);
}

export function authServiceOf(check: CredentialCheck): AuthenticationService {
  return { validateCredential: (credential, key) => check(credential, key) };
}

/** An MlsError returned by a ts-mls validator becomes a refusal with `code`. */
function refuseIf(error: Error | undefined, code: ErrorCode, what: string): void {
  if (error !== undefined) fail(code, `${what}: ${error.message}`);
}

/**
 * A leaf node of source update or commit (§7.3): signed over the group id and its leaf index,
 * certified, and with keys unique in `tree` (its own old leaf aside). Parley device keys never
 * change, so a member's new leaf keeps its signature key.
 */
export async function checkMemberLeaf(
  state: PublicGroupState,
  tree: RatchetTree,
  leaf: LeafNode,
  leafIndex: number,
  previous: LeafNode | undefined,
  check: CredentialCheck,
  cs: CiphersuiteImpl,
  code: ErrorCode,
): Promise<void> {
  const source = leaf.leafNodeSource;
  if (source !== 'commit' && source !== 'update') fail(code, 'leaf node has the wrong source');
  if (previous !== undefined && !bytesEqual(previous.signaturePublicKey, leaf.signaturePublicKey))
    fail(code, 'a member’s leaf must keep its device key');
  refuseIf(
    await validateLeafNodeUpdateOrCommit(
      leaf as Parameters<typeof validateLeafNodeUpdateOrCommit>[0],
      leafIndex,
      state.groupContext,
      authServiceOf(check),
      cs.signature,
    ),
    code,
    'leaf node',
  );
  refuseIf(await validateLeafNodeCredentialAndKeyUniqueness(tree, leaf, leafIndex), code, 'leaf node');
}

/**
 * A key package added to the group (§10.1, §12.1.1): same version and suite as the group, its
 * leaf node signed with source key_package and within its lifetime, the package signed, distinct
 * init and encryption keys, certified, keys unique in `tree`.
 */
export async function checkKeyPackage(
  state: PublicGroupState,
  tree: RatchetTree,
  kp: KeyPackage,
  check: CredentialCheck,
  cs: CiphersuiteImpl,
  now: number,
  code: ErrorCode = 'invalid_commit',
): Promise<void> {
  const gc = state.groupContext;
  if (kp.cipherSuite !== gc.cipherSuite || kp.version !== gc.version)
    fail(code, 'added key package is for another ciphersuite or version');
  const leaf = kp.leafNode;
  if (leaf.leafNodeSource !== 'key_package') fail(code, 'added leaf node has the wrong source');
  if (!(await verifyLeafNodeSignatureKeyPackage(leaf as LeafNodeKeyPackage, cs.signature)))
    fail(code, 'added leaf node signature does not verify');
  const seconds = BigInt(Math.floor(now / 1000));
  if (leaf.lifetime.notBefore > seconds || leaf.lifetime.notAfter < seconds)
    fail(code, 'added key package is outside its lifetime');
  if (!(await verifyKeyPackage(kp, cs.signature))) fail(code, 'added key package signature does not verify');
  if (bytesEqual(kp.initKey, leaf.hpkePublicKey))
    fail(code, 'added key package reuses its encryption key as init key');
  if (
    !extensionsSupportedByCapabilities(leaf.extensions, leaf.capabilities) ||
    !extensionsSupportedByCapabilities(gc.extensions, leaf.capabilities)
  )
    fail(code, 'added leaf node does not support its or the group’s extensions');
  if (!(await check(leaf.credential, leaf.signaturePublicKey)))
    fail(code, 'added device is not a registered, unrevoked device');
  refuseIf(await validateLeafNodeCredentialAndKeyUniqueness(tree, leaf), code, 'added leaf node');
}
