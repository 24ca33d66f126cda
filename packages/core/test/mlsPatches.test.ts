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
 *   - kept KeyPackage encodings (keyPackageEncodings.mjs): a KeyPackage encodes to the bytes it was
 *     read from, the first time and after;
 *   - the secret tree derived on demand (secretTreeLazy.mjs): a new epoch's tree holds only its
 *     root's secret, a leaf's ratchets are derived when it first sends or is read, the secrets above
 *     are deleted as they are used, and a state stored fully derived (before the patch) still loads
 *     and still sends and reads messages.
 */
import type { CryptoProvider } from 'ts-mls';
import { defaultCryptoProvider } from 'ts-mls';
import { encodeKeyPackage } from 'ts-mls/keyPackage.js';
import { encodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { deriveLeafRatchets, type SecretTree } from 'ts-mls/secretTree.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { isLeaf, leafToNodeIndex, toLeafIndex, toNodeIndex } from 'ts-mls/treemath.js';
import { describe, expect, test } from 'vitest';
import { keyPackageOf } from '../src/group/wire.js';
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
import { deliver, errorOf, join, makeAccount, publishKeyPackage, type TestDevice } from './helpers.js';

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

test('the secret tree is derived on demand, and a state stored fully derived still works', async () => {
  const [alice, ...others] = await people('s', 4, nativeCryptoProvider);
  const members = await formGroup(alice!, others);
  const holding = (tree: SecretTree) =>
    tree.flatMap((node, i) =>
      node.handshake.secret.length === 0 && node.application.secret.length > 0 ? [i] : [],
    );
  const derivedLeaves = (tree: SecretTree) =>
    tree.flatMap((node, i) => (isLeaf(toNodeIndex(i)) && node.handshake.secret.length > 0 ? [i] : []));
  // A new epoch: only the root (node 3 of 7) holds a secret, no leaf has ratchets.
  for (const m of members) {
    expect(holding(m.state!.secretTree)).toEqual([3]);
    expect(derivedLeaves(m.state!.secretTree)).toEqual([]);
  }
  async function sendFrom(sender: TestDevice, text: string): Promise<void> {
    const sent = await encryptApplication(sender.device, sender.state!, new TextEncoder().encode(text));
    sender.state = sent.newState;
    for (const m of members.filter((x) => x !== sender)) {
      const got = await processIncoming(m.device, m.state!, sent.message);
      m.state = got.newState;
      expect(got.kind === 'application' && new TextDecoder().decode(got.plaintext)).toBe(text);
    }
  }
  // Alice (leaf 0, node 0) sends: her leaf is derived, the root's secret is gone (RFC 9420 §9.2) and
  // the nodes beside her path (2 and 5) hold theirs.
  await sendFrom(alice!, 'first');
  for (const m of members) {
    expect(derivedLeaves(m.state!.secretTree)).toEqual([0]);
    expect(holding(m.state!.secretTree)).toEqual([2, 5]);
  }
  // The others' leaves are derived from what is left, in another order on each member.
  await sendFrom(others[2]!, 'from the last leaf');
  await sendFrom(others[0]!, 'from leaf 1');
  // A state as stored before the patch: every leaf derived, every parent with ratchets of its own.
  const parentRatchet = () => ({ secret: new Uint8Array(32).fill(7), generation: 3, unusedGenerations: {} });
  let full = alice!.state!.secretTree;
  for (let leaf = 0; leaf < 4; leaf++)
    full = await deriveLeafRatchets(full, leafToNodeIndex(toLeafIndex(leaf)), alice!.device.cs.kdf);
  const before = {
    ...alice!.state!,
    secretTree: full.map((node, i) =>
      isLeaf(toNodeIndex(i)) ? node : { handshake: parentRatchet(), application: parentRatchet() },
    ),
  };
  alice!.state = deserializeGroupState(alice!.device, serializeGroupState(before));
  expect(holding(alice!.state.secretTree)).toEqual([]);
  // And a partly derived state, stored and read back by another member.
  others[1]!.state = deserializeGroupState(others[1]!.device, serializeGroupState(others[1]!.state!));
  expect(holding(others[1]!.state.secretTree).length).toBeGreaterThan(0);
  await sendFrom(alice!, 'after storage');
  await sendFrom(others[1]!, 'from leaf 2');
  // The next epoch starts from its root again, whatever form the last one had.
  const c = await selfUpdate(alice!.device, alice!.state);
  alice!.state = c.newState;
  await deliver(c.commit, others);
  for (const m of members) expect(holding(m.state!.secretTree)).toEqual([3]);
  await sendFrom(others[1]!, 'new epoch');
});

test('a tampered message from a leaf not yet derived is refused and derives nothing; the genuine one then reads', async () => {
  const [alice, ...others] = await people('t', 3, nativeCryptoProvider);
  const [, bob, carol] = await formGroup(alice!, others);
  const sent = await encryptApplication(carol!.device, carol!.state!, new TextEncoder().encode('genuine'));
  const tampered = sent.message.slice();
  tampered[tampered.length - 1]! ^= 1;
  const before = bob!.state!;
  expect((await errorOf(processIncoming(bob!.device, before, tampered))).code).toBe('decrypt_failed');
  // Bob's state is a value: the failed read left it as it was, carol's leaf still underived.
  const carolNode = leafToNodeIndex(toLeafIndex(2));
  expect(before.secretTree[carolNode]!.handshake.secret.length).toBe(0);
  const got = await processIncoming(bob!.device, before, sent.message);
  expect(got.kind === 'application' && new TextDecoder().decode(got.plaintext)).toBe('genuine');
  expect(got.newState.secretTree[carolNode]!.handshake.secret.length).toBeGreaterThan(0);
  // Read twice, the same message is a replay.
  expect((await errorOf(processIncoming(bob!.device, got.newState, sent.message))).code).toBe(
    'replayed_message',
  );
});

test('a KeyPackage encodes to the bytes it was read from, the first time and after', async () => {
  const [device] = await people('k', 1, nativeCryptoProvider);
  const published = await publishKeyPackage(device!);
  // The MLSMessage's header (version, wire format) is 4 bytes; the KeyPackage follows.
  const body = toHex(published.subarray(4));
  const kp = keyPackageOf(published);
  expect(toHex(encodeKeyPackage(kp))).toBe(body);
  expect(toHex(encodeKeyPackage(kp))).toBe(body);
  expect(toHex(encodeKeyPackage(structuredClone(kp)))).toBe(body);
  // Another KeyPackage object is encoded as itself, not as one seen before.
  const otherBytes = await publishKeyPackage(device!);
  const other = keyPackageOf(otherBytes);
  expect(toHex(encodeKeyPackage(other))).toBe(toHex(otherBytes.subarray(4)));
  expect(toHex(otherBytes.subarray(4))).not.toBe(body);
});
