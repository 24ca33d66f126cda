/**
 * The performance patches to ts-mls (scripts/ts-mls-patches/) change how much work is done, never
 * the result. The official vectors prove the bytes; these prove the two patches that remember
 * results across calls on the paths a real group takes:
 *   - cached tree hashes (treeHashCache.mjs): after commits that add, update and remove, the tree
 *     hash each member holds equals the hash of a copy of the tree with fresh node objects (nothing
 *     cached), and of the tree as another member holds it;
 *   - a Welcome's info hashed once (welcomeContext.mjs + the native provider's largeInfo.ts): a
 *     Welcome whose info is above the size that takes that path is opened by every new member, both
 *     when the native provider sealed it and the default one opens it, and the reverse.
 */
import type { CryptoProvider } from 'ts-mls';
import { defaultCryptoProvider } from 'ts-mls';
import { treeHashRoot } from 'ts-mls/treeHash.js';
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
import { deliver, join, makeAccount, publishKeyPackage, type TestDevice } from './helpers.js';

async function people(prefix: string, count: number, provider: CryptoProvider): Promise<TestDevice[]> {
  const out: TestDevice[] = [];
  for (let i = 0; i < count; i++) out.push(...(await makeAccount(`${prefix}${i}`, 1, provider)));
  return out;
}

/** A deep copy of a ratchet tree: the same values in new objects, so no cached hash applies. */
function freshCopy<T>(tree: T): T {
  return structuredClone(tree);
}

test('tree hashes stay those of a freshly built tree through adds, updates and removes', async () => {
  const [alice, ...others] = await people('p', 6, nativeCryptoProvider);
  alice!.state = await createGroup(alice!.device);
  const first = others.slice(0, 4);
  const add = await addKeyPackages(
    alice!.device,
    alice!.state,
    await Promise.all(first.map((d) => publishKeyPackage(d))),
  );
  alice!.state = add.newState;
  for (const d of first) await join(d, add.welcome!);
  const members = [alice!, ...first];
  const cs = alice!.device.cs;

  async function check(): Promise<void> {
    const expected = toHex(await treeHashRoot(freshCopy(members[0]!.state!.ratchetTree), cs.hash));
    for (const m of members) {
      expect(toHex(m.state!.groupContext.treeHash)).toBe(expected);
      expect(toHex(await treeHashRoot(m.state!.ratchetTree, cs.hash))).toBe(expected);
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
