/**
 * Test-only: playing a hostile member. Turns a commit this device built into one that is still
 * correctly signed by it (so a server that verifies signatures accepts it) but that no other member
 * can process, because what is broken needs the epoch's secrets to check (RFC 9420 §6.2 membership
 * tag, §8.1 confirmation tag, §7.6 encrypted path secrets). Refuses to run outside a test run.
 */
import { createMembershipTag } from 'ts-mls/authenticatedContent.js';
import { signFramedContentTBS, toTbs } from 'ts-mls/framedContent.js';
import type { PublicMessage } from 'ts-mls/publicMessage.js';
import type { MlsDevice } from '../device.js';
import { randomBytes } from '../encoding.js';
import { UsageError } from '../errors.js';
import { isTestRun } from '../testRun.js';
import type { GroupState } from './members.js';
import { decodeMessage, framed } from './wire.js';

/**
 * - `membership_tag`: one bit of the membership tag flipped (signature untouched);
 * - `confirmation_tag`: one bit of the confirmation tag flipped, the membership tag made again;
 * - `path_secrets`: every HPKE ciphertext of the UpdatePath replaced by random bytes, then signed
 *   again and the membership tag made again (the sender's own key, so the signature verifies).
 */
export type CommitCorruption = 'membership_tag' | 'confirmation_tag' | 'path_secrets';

/**
 * `commit` (built by this device from `state`, the state before it) corrupted as `how` says. The
 * result is what a hostile member would send; the device's own new state stays valid for it.
 */
export async function unsafeTestingCorruptCommit(
  device: MlsDevice,
  state: GroupState,
  commit: Uint8Array,
  how: CommitCorruption,
): Promise<Uint8Array> {
  if (!isTestRun()) throw new UsageError('unsafeTestingCorruptCommit is for tests only');
  const message = decodeMessage(commit);
  if (message.wireformat !== 'mls_public_message' || message.publicMessage.content.contentType !== 'commit')
    throw new UsageError('not a commit');
  const pm = message.publicMessage;
  if (pm.senderType !== 'member' || pm.auth.contentType !== 'commit')
    throw new UsageError('not a member commit');
  let out: PublicMessage;
  if (how === 'membership_tag') {
    out = { ...pm, membershipTag: flipped(pm.membershipTag) };
  } else if (how === 'confirmation_tag') {
    out = await retagged(device, state, {
      ...pm,
      auth: { ...pm.auth, confirmationTag: flipped(pm.auth.confirmationTag) },
    });
  } else {
    const content = pm.content;
    const path = content.contentType === 'commit' ? content.commit.path : undefined;
    if (content.contentType !== 'commit' || path === undefined)
      throw new UsageError('the commit has no path');
    const garbled = {
      ...content,
      commit: {
        ...content.commit,
        path: {
          ...path,
          nodes: path.nodes.map((n) => ({
            ...n,
            encryptedPathSecret: n.encryptedPathSecret.map((c) => ({
              ...c,
              ciphertext: randomBytes(c.ciphertext.length),
            })),
          })),
        },
      },
    };
    const tbs = toTbs(garbled, 'mls_public_message', state.groupContext);
    const signature = await signFramedContentTBS(state.signaturePrivateKey, tbs, device.cs.signature);
    out = await retagged(device, state, { ...pm, content: garbled, auth: { ...pm.auth, signature } });
  }
  return framed({ version: 'mls10', wireformat: 'mls_public_message', publicMessage: out });
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
