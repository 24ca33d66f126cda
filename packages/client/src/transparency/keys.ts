/**
 * Keys handed out by the server are trusted only with proof they are in its key log: for every
 * device of a `kp_bundle`, the certificate its key package carries is rebuilt into the log entry
 * the server says it made, and that entry's inclusion in the bundle's (accepted) head is checked.
 */
import {
  decodeKeyPackage,
  encodeLogEntry,
  KeyNotLoggedError,
  logLeaf,
  merkle,
  type ServerFrame,
} from '@parley/core';
import type { LogView } from './view.js';

type Bundle = Extract<ServerFrame, { type: 'kp_bundle' }>;

/** The encoded certificate a key package's (basic) credential carries. */
function certificateOf(keyPackage: Uint8Array): Uint8Array | undefined {
  try {
    const credential = decodeKeyPackage(keyPackage).leafNode.credential;
    return credential.credentialType === 'basic' ? credential.identity : undefined;
  } catch {
    return undefined;
  }
}

/** Check every key package of `bundle` against the log; KeyNotLoggedError for the first that fails. */
export async function verifyBundle(view: LogView, bundle: Bundle): Promise<void> {
  if (bundle.keyPackages.length === 0) return;
  const proof = bundle.transparency;
  const first = bundle.keyPackages[0]!.deviceId;
  if (proof == null) throw new KeyNotLoggedError(bundle.accountId, first);
  await view.accept(proof.head, 'server');
  for (const { deviceId, keyPackage } of bundle.keyPackages) {
    const logged = proof.keys.find((k) => k.deviceId === deviceId);
    if (logged === undefined) throw new KeyNotLoggedError(bundle.accountId, deviceId);
    const certificate = certificateOf(keyPackage);
    if (certificate === undefined) throw new KeyNotLoggedError(bundle.accountId, deviceId);
    const entry = encodeLogEntry({
      kind: 'device_certified',
      accountId: bundle.accountId,
      certificate,
      loggedAt: logged.loggedAt,
    });
    const head = proof.head;
    if (!merkle.verifyInclusion(logLeaf(entry), logged.index, head.size, logged.path, head.root))
      throw new KeyNotLoggedError(bundle.accountId, deviceId);
  }
}
