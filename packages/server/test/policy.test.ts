/**
 * The Delivery Service's MLS policy without a database: real MLS messages from @parley/core, and a
 * reader that answers from a few maps.
 */
import {
  addKeyPackages,
  commitPendingProposals,
  createAccount,
  createGroup,
  createMlsDevice,
  type DeviceIdentity,
  decodeMessage,
  generateKeyPackages,
  joinFromWelcome,
  type MlsDevice,
  type PublicMessage,
  processIncoming,
  proposeLeave,
  toHex,
} from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider } from '@parley/core/node';
import { describe, expect, it } from 'vitest';
import { membershipChange } from '../src/delivery/membership.js';
import { KIND, type Member, type PolicyReader, planHandshake, planSend } from '../src/delivery/policy.js';

const cs = await nativeCiphersuite();

async function person(name: string): Promise<{ identity: DeviceIdentity; mls: MlsDevice }> {
  const identity = await createAccount(name, cs);
  return { identity, mls: await createMlsDevice(identity, { provider: nativeCryptoProvider }) };
}

/** A reader over registered devices (revoked or not) and proposals the server stored. */
function reader(
  devices: DeviceIdentity[],
  options: { revoked?: string[]; proposals?: Map<string, Uint8Array>; members?: string[] } = {},
): PolicyReader {
  return {
    async device(accountId, deviceId) {
      const d = devices.find((x) => x.accountId === accountId && x.deviceId === deviceId);
      return d && { key: d.deviceKey.publicKey, revoked: options.revoked?.includes(accountId) === true };
    },
    async proposal(_groupId, epoch, ref) {
      return options.proposals?.get(`${epoch}:${toHex(ref)}`);
    },
    async accountInGroup(_groupId, accountId) {
      return options.members?.includes(accountId) === true;
    },
  };
}

function publicMessage(bytes: Uint8Array): PublicMessage {
  const m = decodeMessage(bytes);
  if (m.wireformat !== 'mls_public_message') throw new Error('not a PublicMessage');
  return m.publicMessage;
}

function member(username: string, deviceId: string, leaf: number): Member {
  return {
    username,
    device_id: deviceId,
    leaf_index: leaf,
    joined_seq: 0,
    removed_seq: null,
    acked_seq: 0,
    accepted: 1,
  };
}

describe('MLS policy (no database)', () => {
  it('a commit adding a device: the added device is checked against the directory and its Welcome', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const [bobKp] = await generateKeyPackages(bob.mls, 1);
    const state = await createGroup(alice.mls);
    const group = {
      group_id: state.groupContext.groupId,
      epoch: 0,
      cipher_suite: state.groupContext.cipherSuite,
    };
    const add = await addKeyPackages(alice.mls, state, [bobKp!.encoded]);
    const aliceAt0 = member(alice.identity.accountId, alice.identity.deviceId, 0);
    const commit = publicMessage(add.commit);
    const registered = reader([alice.identity, bob.identity]);

    const plan = await planHandshake(registered, group, aliceAt0, commit, add.welcome);
    expect(plan.kind).toBe(KIND.commit);
    expect(plan.added.map((a) => [a.username, a.deviceId, toHex(a.ref)])).toEqual([
      ['bob', bob.identity.deviceId, toHex(bobKp!.ref)],
    ]);
    expect(plan.welcome).toBe(add.welcome);
    // Bob takes the leftmost free leaf after alice's.
    expect(membershipChange([aliceAt0], plan).joining).toEqual([
      { username: 'bob', deviceId: bob.identity.deviceId, leaf: 1, welcomed: true },
    ]);

    await expect(planHandshake(registered, group, aliceAt0, commit, null)).rejects.toMatchObject({
      code: 'invalid_commit',
    });
    await expect(
      planHandshake(
        reader([alice.identity, bob.identity], { revoked: ['bob'] }),
        group,
        aliceAt0,
        commit,
        add.welcome,
      ),
    ).rejects.toMatchObject({ code: 'invalid_commit' });
    await expect(
      planHandshake(reader([alice.identity]), group, aliceAt0, commit, add.welcome),
    ).rejects.toMatchObject({
      code: 'invalid_commit',
    });
    // Alice's commit sent as if from another leaf.
    await expect(
      planHandshake(registered, group, { ...aliceAt0, leaf_index: 1 }, commit, add.welcome),
    ).rejects.toMatchObject({ code: 'wrong_sender' });
    // The same commit once the group has moved on is stale; from a non-member it is refused.
    const f = { type: 'send', requestId: 7, groupId: group.group_id, messageId: new Uint8Array(16) } as const;
    const send = { ...f, payload: add.commit, welcome: add.welcome };
    const decoded = { message: decodeMessage(add.commit) };
    expect(
      await planSend(registered, {
        group: { ...group, epoch: 1 },
        me: aliceAt0,
        sender: alice.identity,
        f: send,
        decoded,
      }),
    ).toEqual({ stale: 1 });
    await expect(
      planSend(registered, { group, me: undefined, sender: bob.identity, f: send, decoded }),
    ).rejects.toMatchObject({ code: 'not_a_member' });
  });

  it('a commit naming a proposal by reference needs the proposal the server stored for that epoch', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const [bobKp] = await generateKeyPackages(bob.mls, 1);
    const add = await addKeyPackages(alice.mls, await createGroup(alice.mls), [bobKp!.encoded]);
    const joined = await joinFromWelcome(bob.mls, add.welcome!, {
      find: async (ref) => (toHex(ref) === toHex(bobKp!.ref) ? bobKp : undefined),
    });
    const group = {
      group_id: add.newState.groupContext.groupId,
      epoch: 1,
      cipher_suite: add.newState.groupContext.cipherSuite,
    };
    const members = [
      member(alice.identity.accountId, alice.identity.deviceId, 0),
      member(bob.identity.accountId, bob.identity.deviceId, 1),
    ];
    const leave = await proposeLeave(bob.mls, joined.state);
    const registered = reader([alice.identity, bob.identity]);
    const proposed = await planHandshake(registered, group, members[1]!, publicMessage(leave.proposal), null);
    expect(proposed.kind).toBe(KIND.proposal);
    expect(proposed.proposalRef).not.toBeNull();

    const received = await processIncoming(alice.mls, add.newState, leave.proposal);
    const removal = await commitPendingProposals(alice.mls, received.newState);
    const commit = publicMessage(removal.commit);
    await expect(planHandshake(registered, group, members[0]!, commit, null)).rejects.toMatchObject({
      code: 'invalid_commit',
      message: 'commit refers to a proposal the server has not seen',
    });
    const stored = new Map([[`1:${toHex(proposed.proposalRef!)}`, leave.proposal]]);
    const plan = await planHandshake(
      reader([alice.identity, bob.identity], { proposals: stored }),
      group,
      members[0]!,
      commit,
      null,
    );
    expect(plan.removedLeaves).toEqual([1]);
    expect(membershipChange(members, plan)).toEqual({ removed: [members[1]], joining: [] });
  });
});
