/**
 * The performance patches to ts-mls (scripts/ts-mls-patches/) change how much work is done, never
 * the result. The official vectors prove the bytes; these prove the two patches that remember
 * results across calls on the paths a real group takes:
 *   - cached tree hashes (treeHashCache.mjs): after commits that add, update and remove, the tree
 *     hash each member holds equals the hash of a copy of the tree with fresh node objects (nothing
 *     cached), and of the tree as another member holds it;
 *   - a Welcome's info hashed once (welcomeContext.mjs + the native provider's largeInfo.ts): a
 *     Welcome whose info is above the size that takes that path is opened by every new member, both
 *     when the native provider sealed it and the default one opens it, and the reverse;
 *   - kept node encodings (nodeEncodings.mjs): the ratchet tree each member encodes equals the
 *     encoding of a fresh copy, through the same adds, updates and removes;
 *   - ratchets at the secret tree's leaves only (secretTreeLeaves.mjs): parents hold the empty
 *     placeholder, and a group state stored before the patch (parents with ratchets) still loads
 *     and still sends and reads messages.
 */
import type { CryptoProvider } from 'ts-mls';
import { defaultCryptoProvider } from 'ts-mls';
import { encodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { isLeaf, toNodeIndex } from 'ts-mls/treemath.js';
import { describe, expect, test } from 'vitest';
import {
  addKeyPackages,
  createGroup,
  encryptApplication,
  processIncoming,
  removeMembers,
  selfUpdate,
  toHex,
} from '../src/index.js';
import { LARGE_INPUT } from '../src/node/largeInfo.js';
import { nativeCryptoProvider } from '../src/node/nativeProvider.js';
import { deserializeGroupState, serializeGroupState } from '../src/state.js';
import { deliver, join, makeAccount, publishKeyPackage, type TestDevice } from './helpers.js';

async function people(prefix: string, count: number, provider: CryptoProvider): Promise<TestDevice[]> {
  const out: TestDevice[] = [];
  for (let i = 0; i < count; i++) out.push(...(await makeAccount(`${prefix}${i}`, 1, provider)));
  return out;
}

/** `creator` starts a group and adds `joiners` in one commit; every one of them joins. */
async function formGroup(creator: TestDevice, joiners: TestDevice[]): Promise<TestDevice[]> {
  creator.state = await createGroup(creator.device);
  const add = await addKeyPackages(
    creator.device,
    creator.state,
    await Promise.all(joiners.map((d) => publishKeyPackage(d))),
  );
  creator.state = add.newState;
  for (const d of joiners) await join(d, add.welcome!);
  return [creator, ...joiners];
}

/** A deep copy of a ratchet tree: the same values in new objects, so no cached hash applies. */
function freshCopy<T>(tree: T): T {
  return structuredClone(tree);
}

test('tree hashes and tree encodings stay those of a freshly built tree through adds, updates and removes', async () => {
  const [alice, ...others] = await people('p', 6, nativeCryptoProvider);
  const first = others.slice(0, 4);
  const members = await formGroup(alice!, first);
  const cs = alice!.device.cs;

  async function check(): Promise<void> {
    const expected = toHex(await treeHashRoot(freshCopy(members[0]!.state!.ratchetTree), cs.hash));
    const encoded = toHex(encodeRatchetTree(freshCopy(members[0]!.state!.ratchetTree)));
    for (const m of members) {
      expect(toHex(m.state!.groupContext.treeHash)).toBe(expected);
      expect(toHex(await treeHashRoot(m.state!.ratchetTree, cs.hash))).toBe(expected);
      // Encoded twice: the second encoding is made of kept node encodings.
      expect(toHex(encodeRatchetTree(m.state!.ratchetTree))).toBe(encoded);
      expect(toHex(encodeRatchetTree(m.state!.ratchetTree))).toBe(encoded);
    }
  }
  await check();
  for (const committer of [first[1]!, first[3]!, alice!]) {
    const c = await selfUpdate(committer.device, committer.state!);
    committer.state = c.newState;
    await deliver(
      c.commit,
      members.filter((m) => m !== committer),
    );
    await check();
  }
  const removal = await removeMembers(alice!.device, alice!.state!, {
    accountId: first[2]!.device.identity.accountId,
  });
  alice!.state = removal.newState;
  members.splice(members.indexOf(first[2]!), 1);
  await deliver(
    removal.commit,
    members.filter((m) => m !== alice),
  );
  await check();
  const late = others[4]!;
  const addLate = await addKeyPackages(alice!.device, alice!.state, [await publishKeyPackage(late)]);
  alice!.state = addLate.newState;
  await deliver(
    addLate.commit,
    members.filter((m) => m !== alice),
  );
  await join(late, addLate.welcome!);
  members.push(late);
  await check();
});

describe.each([
  ['native', 'default'],
  ['default', 'native'],
] as const)('a Welcome larger than the once-hashed threshold, sealed by %s', (sealer, opener) => {
  test(`is opened by every new member on the ${opener} provider`, async () => {
    const provider = (name: string) => (name === 'native' ? nativeCryptoProvider : defaultCryptoProvider);
    const [creator] = await people('creator', 1, provider(sealer));
    const joiners = await people('joiner', 12, provider(opener));
    creator!.state = await createGroup(creator!.device);
    const add = await addKeyPackages(
      creator!.device,
      creator!.state,
      await Promise.all(joiners.map((d) => publishKeyPackage(d))),
    );
    creator!.state = add.newState;
    // The Welcome's info is its encrypted GroupInfo (with the whole tree): the Welcome less the
    // joiners' encrypted secrets (under 200 bytes each) is above the threshold.
    expect(add.welcome!.length - 200 * joiners.length).toBeGreaterThan(LARGE_INPUT);
    for (const d of joiners) await join(d, add.welcome!);
    const sent = await encryptApplication(creator!.device, creator!.state, new TextEncoder().encode('hi'));
    for (const d of joiners) {
      const got = await processIncoming(d.device, d.state!, sent.message);
      expect(got.kind === 'application' && new TextDecoder().decode(got.plaintext)).toBe('hi');
    }
  });
});

test('the secret tree has ratchets at its leaves only, and a state stored with parent ratchets still works', async () => {
  const [alice, ...others] = await people('s', 4, nativeCryptoProvider);
  const members = await formGroup(alice!, others);
  for (const m of members) {
    for (const [i, node] of m.state!.secretTree.entries()) {
      const size = isLeaf(toNodeIndex(i)) ? 32 : 0;
      expect([node.handshake.secret.length, node.application.secret.length]).toEqual([size, size]);
    }
  }
  // As a client stored it before the patch: every parent with ratchets of its own (never read).
  const parentRatchet = () => ({ secret: new Uint8Array(32).fill(7), generation: 3, unusedGenerations: {} });
  const before = {
    ...alice!.state!,
    secretTree: alice!.state!.secretTree.map((node, i) =>
      isLeaf(toNodeIndex(i)) ? node : { handshake: parentRatchet(), application: parentRatchet() },
    ),
  };
  alice!.state = deserializeGroupState(alice!.device, serializeGroupState(before));
  expect(alice!.state.secretTree[1]!.handshake.generation).toBe(3);
  // A round trip through storage with the placeholders, for another member.
  others[0]!.state = deserializeGroupState(others[0]!.device, serializeGroupState(others[0]!.state!));
  for (const sender of [alice!, others[0]!]) {
    const sent = await encryptApplication(
      sender.device,
      sender.state!,
      new TextEncoder().encode('still here'),
    );
    sender.state = sent.newState;
    for (const m of members.filter((x) => x !== sender)) {
      const got = await processIncoming(m.device, m.state!, sent.message);
      m.state = got.newState;
      expect(got.kind === 'application' && new TextDecoder().decode(got.plaintext)).toBe('still here');
    }
  }
  // The next epoch's tree is made by the patched code again, from either state.
  const c = await selfUpdate(alice!.device, alice!.state);
  alice!.state = c.newState;
  await deliver(c.commit, others);
  expect(alice!.state.secretTree[1]!.handshake.secret.length).toBe(0);
});
