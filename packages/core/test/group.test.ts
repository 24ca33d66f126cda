import { describe, expect, test } from 'vitest';
import {
  addAccount,
  commitPendingProposals,
  createGroup,
  decodeAppMessage,
  encodeAppMessage,
  encryptApplication,
  epochAuthenticator,
  type GroupState,
  groupEpoch,
  groupMembers,
  type IncomingResult,
  isActive,
  ownLeafIndex,
  processIncoming,
  proposeLeave,
  removeMembers,
  selfUpdate,
  textMessage,
  toHex,
} from '../src/index.js';
import { codeOfAsync } from './errors.js';
import { deliver, join, makeAccount, publishKeyPackage, type TestDevice } from './helpers.js';
import { providers } from './providers.js';

async function send(from: TestDevice, text: string): Promise<Uint8Array> {
  const { newState, message } = await encryptApplication(
    from.device,
    from.state!,
    encodeAppMessage(textMessage(text)),
  );
  from.state = newState;
  return message;
}

function textOf(r: IncomingResult): string {
  if (r.kind !== 'application') throw new Error(`expected an application message, got ${r.kind}`);
  const body = decodeAppMessage(r.plaintext).body;
  if (body.type !== 'text') throw new Error('expected text');
  return body.text;
}

/** The HPKE public key of this device's own leaf, as hex. */
function ownLeafHpkeKey(state: GroupState): string {
  const node = state.ratchetTree[ownLeafIndex(state) * 2];
  if (node?.nodeType !== 'leaf') throw new Error('own leaf is blank');
  return toHex(node.leaf.hpkePublicKey);
}

function agreeOnEpoch(devices: TestDevice[]): void {
  const epochs = new Set(devices.map((d) => groupEpoch(d.state!)));
  const auths = new Set(devices.map((d) => toHex(epochAuthenticator(d.state!))));
  expect(epochs.size).toBe(1);
  expect(auths.size).toBe(1);
}

/** Three accounts with two devices each, all in one group created by alice's first device. */
async function threeAccountsTwoDevices(provider = providers[1]!.provider) {
  const [alice, bob, carol] = await Promise.all(
    ['alice', 'bob', 'carol'].map((name) => makeAccount(name, 2, provider)),
  );
  const [a1, a2] = alice as [TestDevice, TestDevice];
  a1.state = await createGroup(a1.device);
  // Alice's own second device, then bob and carol with all their devices.
  const members: TestDevice[] = [a1];
  for (const account of [[a2], bob!, carol!]) {
    const accountId = account[0]!.device.identity.accountId;
    const kps = await Promise.all(account.map(publishKeyPackage));
    const result = await addAccount(a1.device, a1.state, accountId, kps);
    expect(result.added.map((m) => m.deviceId).sort()).toEqual(
      account.map((d) => d.device.identity.deviceId).sort(),
    );
    await deliver(result.commit, members.slice(1));
    a1.state = result.newState;
    for (const d of account) await join(d, result.welcome!);
    members.push(...account);
  }
  return { alice: alice!, bob: bob!, carol: carol!, all: members };
}

describe.each(providers)('MLS group lifecycle [$name provider]', ({ provider }) => {
  test('3 accounts × 2 devices: everyone decrypts everyone, with the right sender', async () => {
    const { all } = await threeAccountsTwoDevices(provider);
    expect(all).toHaveLength(6);
    agreeOnEpoch(all);
    for (const d of all) {
      expect(groupMembers(d.state!).map((m) => `${m.accountId}/${m.deviceId}`)).toHaveLength(6);
    }
    for (const sender of all) {
      const msg = await send(sender, `hello from ${sender.name}`);
      const others = all.filter((d) => d !== sender);
      for (const [i, r] of (await deliver(msg, others)).entries()) {
        expect(textOf(r), `${others[i]!.name} reading ${sender.name}`).toBe(`hello from ${sender.name}`);
        if (r.kind === 'application') {
          expect(r.sender.accountId).toBe(sender.device.identity.accountId);
          expect(r.sender.deviceId).toBe(sender.device.identity.deviceId);
        }
      }
    }
  });
});

describe('MLS group membership changes', () => {
  test('removing an account removes all its devices; they cannot read later messages even from stale state', async () => {
    const { alice, bob, carol, all } = await threeAccountsTwoDevices();
    const [b1] = bob;
    const staleCarol = carol.map((c) => c.state!);
    const removal = await removeMembers(b1!.device, b1!.state!, { accountId: 'carol' });
    expect(removal.removed.map((m) => m.accountId)).toEqual(['carol', 'carol']);
    const results = await deliver(
      removal.commit,
      all.filter((d) => d !== b1),
    );
    b1!.state = removal.newState;
    for (const [i, c] of carol.entries()) {
      const r = results[all.filter((d) => d !== b1).indexOf(c)]!;
      expect(r.kind === 'commit' && r.removedSelf).toBe(true);
      expect(isActive(c.state!)).toBe(false);
      expect(staleCarol[i]).toBeDefined();
    }
    const remaining = [...alice, ...bob];
    agreeOnEpoch(remaining);
    const secret = await send(alice[0]!, 'carol must not read this');
    for (const r of await deliver(
      secret,
      remaining.filter((d) => d !== alice[0]),
    )) {
      expect(textOf(r)).toBe('carol must not read this');
    }
    for (const [i, c] of carol.entries()) {
      // With the state after the removal: no longer a member.
      expect(await codeOfAsync(processIncoming(c.device, c.state!, secret))).toBe('not_a_member');
      // With the state from before the removal (as if it never saw the commit): the keys are gone.
      expect(await codeOfAsync(processIncoming(c.device, staleCarol[i]!, secret))).toBe('wrong_epoch');
    }
  });

  test('removing one device keeps the account’s other device in the group', async () => {
    const { alice, bob, carol } = await threeAccountsTwoDevices();
    const [a1] = alice;
    const removal = await removeMembers(a1!.device, a1!.state!, { accountId: 'bob', deviceId: 'dev2' });
    expect(removal.removed.map((m) => `${m.accountId}/${m.deviceId}`)).toEqual(['bob/dev2']);
    a1!.state = removal.newState;
    const rest = [alice[1]!, bob[0]!, ...carol];
    await deliver(removal.commit, [...rest, bob[1]!]);
    expect(isActive(bob[1]!.state!)).toBe(false);
    expect(
      groupMembers(bob[0]!.state!)
        .filter((m) => m.accountId === 'bob')
        .map((m) => m.deviceId),
    ).toEqual([bob[0]!.device.identity.deviceId]);
    const msg = await send(bob[0]!, 'still here');
    for (const r of await deliver(msg, [a1!, alice[1]!, ...carol])) expect(textOf(r)).toBe('still here');
  });

  test('a device leaves by proposal and another member commits it', async () => {
    const { alice, bob, carol, all } = await threeAccountsTwoDevices();
    const leaver = carol[1]!;
    const { newState, proposal } = await proposeLeave(leaver.device, leaver.state!);
    leaver.state = newState;
    const others = all.filter((d) => d !== leaver);
    for (const r of await deliver(proposal, others)) expect(r.kind).toBe('proposal');
    const committer = bob[0]!;
    const result = await commitPendingProposals(committer.device, committer.state!);
    committer.state = result.newState;
    expect(result.removed.map((m) => m.deviceId)).toEqual(['dev2']);
    const results = await deliver(
      result.commit,
      all.filter((d) => d !== committer),
    );
    expect(results.at(-1)!.kind === 'commit').toBe(true);
    expect(isActive(leaver.state!)).toBe(false);
    agreeOnEpoch([...alice, ...bob, carol[0]!]);
  });

  test('self-update moves everyone to a new epoch with fresh keys (post-compromise security)', async () => {
    const { carol, all } = await threeAccountsTwoDevices();
    const c1 = carol[0]!;
    const before = c1.state!;
    const beforeLeafKey = ownLeafHpkeKey(before);
    const update = await selfUpdate(c1.device, c1.state!);
    c1.state = update.newState;
    expect(update.epoch).toBe(groupEpoch(before) + 1n);
    await deliver(
      update.commit,
      all.filter((d) => d !== c1),
    );
    agreeOnEpoch(all);
    const after = c1.state;
    const afterLeaf = after.ratchetTree[after.privatePath.leafIndex * 2];
    expect(afterLeaf?.nodeType).toBe('leaf');
    expect(toHex((afterLeaf as { leaf: { hpkePublicKey: Uint8Array } }).leaf.hpkePublicKey)).not.toBe(
      beforeLeafKey,
    );
    expect(toHex(epochAuthenticator(after))).not.toBe(toHex(epochAuthenticator(before)));
  });

  test('application messages out of order within an epoch, and from a past epoch, are decrypted', async () => {
    const { alice, bob, all } = await threeAccountsTwoDevices();
    const [a1] = alice;
    const b1 = bob[0]!;
    const m1 = await send(a1!, 'one');
    const m2 = await send(a1!, 'two');
    const m3 = await send(a1!, 'three');
    expect([textOf((await deliver(m3, [b1]))[0]!), textOf((await deliver(m1, [b1]))[0]!)]).toEqual([
      'three',
      'one',
    ]);
    expect(textOf((await deliver(m2, [b1]))[0]!)).toBe('two');
    // A message sent just before a commit and delivered after it.
    const late = await send(a1!, 'late but fine');
    const update = await selfUpdate(bob[1]!.device, bob[1]!.state!);
    bob[1]!.state = update.newState;
    await deliver(
      update.commit,
      all.filter((d) => d !== bob[1]),
    );
    expect(textOf((await deliver(late, [b1]))[0]!)).toBe('late but fine');
  });

  test('an epoch older than the retention window can no longer be read', async () => {
    const { alice, bob, all } = await threeAccountsTwoDevices();
    const old = await send(alice[0]!, 'ancient');
    for (let i = 0; i < 6; i++) {
      const update = await selfUpdate(alice[0]!.device, alice[0]!.state!);
      alice[0]!.state = update.newState;
      await deliver(
        update.commit,
        all.filter((d) => d !== alice[0]),
      );
    }
    expect(await codeOfAsync(processIncoming(bob[0]!.device, bob[0]!.state!, old))).toBe('wrong_epoch');
  });
});
