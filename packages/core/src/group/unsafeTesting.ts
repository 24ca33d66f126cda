/**
 * Test-only: playing a hostile member. Builds a self-update that is correctly signed by this device
 * (so a server that verifies signatures accepts it) but that no other member can process, because
 * what is broken needs the epoch's secrets to check (RFC 9420 §6.2 membership tag, §8.1
 * confirmation tag, §7.6 encrypted path secrets). Refuses to run outside a test run.
 */
import { createMembershipTag } from 'ts-mls/authenticatedContent.js';
import { toTbs } from 'ts-mls/framedContent.js';
import type { PublicMessage } from 'ts-mls/publicMessage.js';
import type { MlsDevice } from '../device.js';
import { randomBytes } from '../encoding.js';
import { UsageError } from '../errors.js';
import { isTestRun } from '../testRun.js';
import { selfUpdate } from './commit.js';
import type { GroupState } from './members.js';
import { decodeMessage, framed } from './wire.js';

/**
 * - `membership_tag`: one bit of the membership tag flipped (signature untouched);
 * - `confirmation_tag`: one bit of the confirmation tag flipped, the membership tag made again;
 * - `path_secrets`: the UpdatePath's encrypted path secrets are random bytes, built in by an HPKE
 *   that seals garbage, so everything computed over the commit — signature, transcript hashes,
 *   confirmation and membership tags, the new epoch's GroupInfo — is consistent with it: only the
 *   other members, who cannot decrypt their path secret, can tell.
 */
export type CommitCorruption = 'membership_tag' | 'confirmation_tag' | 'path_secrets';

/**
 * A self-update by this device, corrupted as `how` says: the commit a hostile member would send,
 * and the device's own new state (valid for it; export its GroupInfo as any committer does).
 */
export async function unsafeTestingCorruptCommit(
  device: MlsDevice,
  state: GroupState,
  how: CommitCorruption,
): Promise<{ commit: Uint8Array; newState: GroupState; epoch: bigint }> {
  if (!isTestRun()) throw new UsageError('unsafeTestingCorruptCommit is for tests only');
  if (how === 'path_secrets') {
    const built = await selfUpdate(garblingPathSecrets(device), state);
    return { commit: built.commit, newState: built.newState, epoch: built.epoch };
  }
  const built = await selfUpdate(device, state);
  const message = decodeMessage(built.commit);
  if (message.wireformat !== 'mls_public_message') throw new UsageError('not a PublicMessage');
  const pm = message.publicMessage;
  if (pm.senderType !== 'member' || pm.auth.contentType !== 'commit')
    throw new UsageError('not a member commit');
  const out =
    how === 'membership_tag'
      ? { ...pm, membershipTag: flipped(pm.membershipTag) }
      : await retagged(device, state, {
          ...pm,
          auth: { ...pm.auth, confirmationTag: flipped(pm.auth.confirmationTag) },
        });
  const commit = framed({ version: 'mls10', wireformat: 'mls_public_message', publicMessage: out });
  return { commit, newState: built.newState, epoch: built.epoch };
}

/** The device with an HPKE whose every seal returns random bytes of the ciphertext's length. */
function garblingPathSecrets(device: MlsDevice): MlsDevice {
  const real = device.cs.hpke;
  const hpke = new Proxy(real, {
    get(target, property) {
      if (property === 'seal')
        return async (...args: Parameters<typeof real.seal>) => {
          const sealed = await target.seal(...args);
          return { ...sealed, ct: randomBytes(sealed.ct.length) };
        };
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...device, cs: { ...device.cs, hpke } };
}

function flipped(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out[0] = (out[0] ?? 0) ^ 1;
  return out;
}

/** The membership tag made again over the (changed) content and auth, with the epoch's key. */
async function retagged(device: MlsDevice, state: GroupState, pm: PublicMessage): Promise<PublicMessage> {
  const membershipTag = await createMembershipTag(
    state.keySchedule.membershipKey,
    { contentTbs: toTbs(pm.content, 'mls_public_message', state.groupContext), auth: pm.auth },
    device.cs.hash,
  );
  return { ...pm, senderType: 'member', membershipTag } as PublicMessage;
}
