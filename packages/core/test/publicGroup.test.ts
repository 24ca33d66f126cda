import { encodeGroupContext } from 'ts-mls/groupContext.js';
import { describe, expect, test } from 'vitest';
import {
  addAccount,
  advancePublicState,
  type CommittedProposal,
  type CredentialCheck,
  certificateFromCredential,
  checkGroupInfo,
  checkProposalMessage,
  commitPendingProposals,
  createGroup,
  decodeMessage,
  decodePublicGroupState,
  encodePublicGroupState,
  exportGroupInfo,
  type GroupState,
  joinByExternalCommit,
  loadCiphersuite,
  type PublicGroupState,
  type PublicMessage,
  proposeLeave,
  publicStateOfNewGroup,
  removeMembers,
  selfUpdate,
  toHex,
} from '../src/index.js';
import { nativeCryptoProvider } from '../src/node/nativeProvider.js';
import { codeOfAsync } from './errors.js';
import { deliver, join, makeAccount, publishKeyPackage, type TestDevice } from './helpers.js';

const cs = () => loadCiphersuite(undefined, nativeCryptoProvider);

/** The server's view of a credential: a certificate for exactly that key (no directory here). */
const certified: CredentialCheck = async (credential, key) => {
  try {
    return toHex(certificateFromCredential(credential).deviceKey) === toHex(key);
  } catch {
    return false;
  }
};

function publicOf(bytes: Uint8Array): PublicMessage {
  const m = decodeMessage(bytes);
  if (m.wireformat !== 'mls_public_message') throw new Error('not a PublicMessage');
  return m.publicMessage;
}

function inline(pm: PublicMessage): CommittedProposal[] {
  if (pm.content.contentType !== 'commit') throw new Error('not a commit');
  const sender = pm.content.sender.senderType === 'member' ? pm.content.sender.leafIndex : undefined;
  return pm.content.commit.proposals.flatMap((p) =>
    p.proposalOrRefType === 'proposal' ? [{ proposal: p.proposal, senderLeafIndex: sender }] : [],
  );
}

/** The public state agrees with every device's own GroupContext, byte for byte. */
function expectAgreement(state: PublicGroupState, devices: GroupState[]): void {
  for (const d of devices) {
    expect(toHex(encodeGroupContext(state.groupContext))).toBe(toHex(encodeGroupContext(d.groupContext)));
  }
}

describe('public group state (what the server tracks without secrets)', () => {
  test('followed through create, add, update, remove by reference and external commit, it agrees with the members at every epoch', async () => {
    const suite = await cs();
    const [alice1, alice2] = await makeAccount('alice', 2);
    const [bob1, bob2] = (await makeAccount('bob', 2)) as [TestDevice, TestDevice];
    const a = alice1!;
    a.state = await createGroup(a.device);
    let state = await publicStateOfNewGroup(await exportGroupInfo(a.device, a.state), suite, certified, {
      groupId: a.state.groupContext.groupId,
      cipherSuite: a.state.groupContext.cipherSuite,
      creatorKey: a.device.identity.deviceKey.publicKey,
    });
    expectAgreement(state, [a.state]);

    // Add: two key packages, inline.
    const add = await addAccount(a.device, a.state, 'bob', [
      await publishKeyPackage(bob1),
      await publishKeyPackage(bob2),
    ]);
    let next = await advancePublicState(
      state,
      publicOf(add.commit),
      inline(publicOf(add.commit)),
      suite,
      certified,
    );
    expect(next.added.map((x) => x.leafIndex)).toEqual([1, 2]);
    a.state = add.newState;
    await join(bob1, add.welcome!);
    await join(bob2, add.welcome!);
    state = next.state;
    expectAgreement(state, [a.state, bob1.state!, bob2.state!]);
    await checkGroupInfo(state, await exportGroupInfo(a.device, a.state), suite);

    // Update: bob1's self-update commit with an UpdatePath.
    const update = await selfUpdate(bob1.device, bob1.state!);
    state = (await advancePublicState(state, publicOf(update.commit), [], suite, certified)).state;
    bob1.state = update.newState;
    await deliver(update.commit, [a, bob2]);
    expectAgreement(state, [a.state, bob1.state, bob2.state!]);

    // Remove: alice removes bob2.
    const remove = await removeMembers(a.device, a.state, { accountId: 'bob', deviceId: 'dev2' });
    next = await advancePublicState(
      state,
      publicOf(remove.commit),
      inline(publicOf(remove.commit)),
      suite,
      certified,
    );
    expect(next.removed).toEqual([2]);
    state = next.state;
    a.state = remove.newState;
    await deliver(remove.commit, [bob1]);
    expectAgreement(state, [a.state, bob1.state]);

    // A proposal sent alone, committed by reference.
    const leave = await proposeLeave(bob1.device, bob1.state);
    const proposal = await checkProposalMessage(
      state,
      publicOf(leave.proposal),
      suite,
      certified,
      Date.now(),
    );
    await deliver(leave.proposal, [a]);
    const pending = await commitPendingProposals(a.device, a.state);
    const byRef = [{ proposal, senderLeafIndex: 1 }];
    state = (await advancePublicState(state, publicOf(pending.commit), byRef, suite, certified)).state;
    a.state = pending.newState;
    expectAgreement(state, [a.state]);

    // External commit: alice's second device joins from the GroupInfo.
    const joined = await joinByExternalCommit(alice2!.device, await exportGroupInfo(a.device, a.state));
    next = await advancePublicState(
      state,
      publicOf(joined.commit),
      inline(publicOf(joined.commit)),
      suite,
      certified,
    );
    await deliver(joined.commit, [a]);
    state = next.state;
    expectAgreement(state, [a.state, joined.newState]);
    await checkGroupInfo(state, await exportGroupInfo(alice2!.device, joined.newState), suite);

    // The stored form round-trips.
    const again = decodePublicGroupState(encodePublicGroupState(state));
    expectAgreement(again, [a.state]);
    expect(toHex(again.interimTranscriptHash)).toBe(toHex(state.interimTranscriptHash));
  });

  test('a commit whose signature was altered, or a GroupInfo of another epoch, is refused', async () => {
    const suite = await cs();
    const [a] = await makeAccount('alice', 1);
    a!.state = await createGroup(a!.device);
    const state = await publicStateOfNewGroup(await exportGroupInfo(a!.device, a!.state), suite, certified, {
      groupId: a!.state.groupContext.groupId,
      cipherSuite: a!.state.groupContext.cipherSuite,
      creatorKey: a!.device.identity.deviceKey.publicKey,
    });
    const update = await selfUpdate(a!.device, a!.state);
    const pm = publicOf(update.commit);
    pm.auth.signature[3] = pm.auth.signature[3]! ^ 0x01;
    expect(await codeOfAsync(advancePublicState(state, pm, [], suite, certified))).toBe('invalid_message');
    const later = await exportGroupInfo(a!.device, update.newState);
    expect(await codeOfAsync(checkGroupInfo(state, later, suite))).toBe('invalid_message');
  });
});
