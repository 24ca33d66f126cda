/** Joining a group: from a Welcome, or by external commit from a published GroupInfo. */
import { emptyPskIndex, joinGroup, joinGroupExternal, type Welcome } from 'ts-mls';
import type { MlsDevice } from '../device.js';
import { DecodeError, GroupError } from '../errors.js';
import { type GeneratedKeyPackage, generateKeyPackage } from '../keyPackages.js';
import { exportGroupInfo } from './commit.js';
import { type IncomingOptions, readingConfig } from './identityTolerance.js';
import type { GroupState } from './members.js';
import { decodeMessage, framed, guard } from './wire.js';

/** Key packages this device published and still holds the private keys for. */
export interface KeyPackageLookup {
  find(ref: Uint8Array): Promise<GeneratedKeyPackage | undefined>;
}

/**
 * The ciphersuite of a framed Welcome or GroupInfo (which of a device's suites joins it); undefined
 * when it is neither or cannot be decoded (joining it then fails with the usual error).
 */
export function joinCiphersuite(bytes: Uint8Array): string | undefined {
  try {
    const message = decodeMessage(bytes);
    if (message.wireformat === 'mls_welcome') return message.welcome.cipherSuite;
    if (message.wireformat === 'mls_group_info') return message.groupInfo.groupContext.cipherSuite;
  } catch {
    // reported by the join itself
  }
  return undefined;
}

/**
 * Join from a Welcome addressed to one of our key packages. Returns the ref that was used. With
 * `onIdentityChange`, a member certified by an identity key other than the pinned one is reported
 * there instead of refusing the Welcome (see identityTolerance.ts); the state keeps the strict check.
 */
export async function joinFromWelcome(
  device: MlsDevice,
  welcomeBytes: Uint8Array,
  keyPackages: KeyPackageLookup,
  options: IncomingOptions = {},
): Promise<{ state: GroupState; keyPackageRef: Uint8Array }> {
  const message = decodeMessage(welcomeBytes);
  if (message.wireformat !== 'mls_welcome') throw new DecodeError('not a Welcome');
  const welcome: Welcome = message.welcome;
  if (welcome.cipherSuite !== device.cs.name)
    throw new GroupError('unsupported', 'Welcome is for another ciphersuite');
  for (const secret of welcome.secrets) {
    const kp = await keyPackages.find(secret.newMember);
    if (kp === undefined) continue;
    const state = await guard(
      () =>
        joinGroup(
          welcome,
          kp.keyPackage,
          kp.privateKeys,
          emptyPskIndex,
          device.cs,
          undefined,
          undefined,
          readingConfig(device, options),
        ),
      'invalid_message',
    );
    return { state: { ...state, clientConfig: device.config }, keyPackageRef: kp.ref };
  }
  throw new GroupError('not_a_member', 'this Welcome is not addressed to any of our key packages');
}

/**
 * Join (or rejoin after lost state) from a published GroupInfo by external commit (RFC 9420
 * §12.4.3.2). With `resync`, our old leaf (same device key) is removed in the same commit;
 * `onIdentityChange` as for joinFromWelcome.
 */
export async function joinByExternalCommit(
  device: MlsDevice,
  groupInfoBytes: Uint8Array,
  options: { resync?: boolean } & IncomingOptions = {},
): Promise<{ newState: GroupState; commit: Uint8Array; groupInfo: Uint8Array; epoch: bigint }> {
  const message = decodeMessage(groupInfoBytes);
  if (message.wireformat !== 'mls_group_info') throw new DecodeError('not a GroupInfo');
  const own = await generateKeyPackage(device);
  const result = await guard(
    () =>
      joinGroupExternal(
        message.groupInfo,
        own.keyPackage,
        own.privateKeys,
        options.resync ?? false,
        device.cs,
        undefined,
        readingConfig(device, options),
      ),
    'invalid_commit',
  );
  const newState = { ...result.newState, clientConfig: device.config };
  return {
    newState,
    commit: framed({
      version: 'mls10',
      wireformat: 'mls_public_message',
      publicMessage: result.publicMessage,
    }),
    groupInfo: await exportGroupInfo(device, newState),
    epoch: newState.groupContext.epoch,
  };
}
