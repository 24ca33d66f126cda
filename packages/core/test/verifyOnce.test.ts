/**
 * The signatures the committer used to verify twice are verified once (the KeyPackage's by ts-mls as
 * it creates the commit), and those of a joined tree are verified concurrently: every check still
 * refuses, and the first bad item is still the one refused.
 */
import { encodeMlsMessage, generateKeyPackageWithKey, type KeyPackage, type RatchetTree } from 'ts-mls';
import { validateRatchetTree } from 'ts-mls/clientState.js';
import { type LeafNode, signLeafNodeKeyPackage } from 'ts-mls/leafNode.js';
import { describe, expect, test } from 'vitest';
import {
  addAccount,
  addKeyPackages,
  createGroup,
  credentialFor,
  groupMembers,
  type ParleyError,
} from '../src/index.js';
import { badKeyPackageSignature, badLeafNodeSignature, flipped, keyPackageIn } from './forge.js';
import { errorOf, join, makeAccount, publishKeyPackage, type TestDevice } from './helpers.js';

const encoded = (keyPackage: KeyPackage) =>
  encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage });

/** `d`'s key package, its credential a copy of its certificate with the signature broken. */
async function badCertificate(d: TestDevice): Promise<Uint8Array> {
  const good = keyPackageIn(await publishKeyPackage(d));
  const { certificate, deviceKey } = d.device.identity;
  const { publicPackage } = await generateKeyPackageWithKey(
    credentialFor({ ...certificate, signature: flipped(certificate.signature) }),
    good.leafNode.capabilities,
    good.leafNode.lifetime as { notBefore: bigint; notAfter: bigint },
    [],
    deviceKey,
    d.device.cs,
  );
  return encoded(publicPackage);
}

describe('adding members: each key package check still refuses', async () => {
  const [alice] = await makeAccount('alice', 1);
  const [carol] = await makeAccount('carol', 1);
  const [dave] = await makeAccount('dave', 1);
  const [erin] = await makeAccount('erin', 1);
  const start = await createGroup(alice!.device);

  const cases: Array<[string, () => Promise<Uint8Array>, string]> = [
    [
      'a key package whose own signature is broken',
      async () => encoded(badKeyPackageSignature(keyPackageIn(await publishKeyPackage(dave!)))),
      'bad_signature',
    ],
    [
      'a key package whose leaf node signature is broken',
      async () =>
        encoded(
          await badLeafNodeSignature(
            keyPackageIn(await publishKeyPackage(dave!)),
            dave!.device.identity.deviceKey.signKey,
            dave!.device.cs.signature,
          ),
        ),
      'bad_signature',
    ],
    [
      'a key package whose device certificate is broken',
      () => badCertificate(dave!),
      'credential_not_certified',
    ],
  ];
  for (const [what, make, code] of cases) {
    test(`${what} is refused alone and among good ones → ${code}`, async () => {
      const bad = await make();
      expect((await errorOf(addAccount(alice!.device, start, 'dave', [bad]))).code).toBe(code);
      const mixed = [await publishKeyPackage(carol!), bad, await publishKeyPackage(erin!)];
      expect((await errorOf(addKeyPackages(alice!.device, start, mixed))).code).toBe(code);
      // The same packages without the bad one are added.
      const ok = await addKeyPackages(alice!.device, start, [mixed[0]!, mixed[2]!]);
      expect(groupMembers(ok.newState).map((m) => m.accountId)).toEqual(['alice', 'carol', 'erin']);
    });
  }
});

describe('joining: the tree’s leaves are checked concurrently, verdicts in leaf order', async () => {
  const people = await Promise.all(
    ['p0', 'p1', 'p2', 'p3', 'p4'].map(async (n) => (await makeAccount(n, 1))[0]!),
  );
  const [first, ...rest] = people;
  first!.state = await createGroup(first!.device);
  const add = await addKeyPackages(
    first!.device,
    first!.state,
    await Promise.all(rest.map((p) => publishKeyPackage(p))),
  );
  await join(rest[3]!, add.welcome!);
  const joiner = rest[3]!;
  const state = joiner.state!;
  const tree = state.ratchetTree;
  const leafAt = (leaf: number) => 2 * leaf;

  /** ts-mls's join-time check of `tree`, by a member that has not seen these certificates. */
  async function validate(t: RatchetTree): Promise<string> {
    const [fresh] = await makeAccount('fresh', 1);
    try {
      const error = await validateRatchetTree(
        t,
        state.groupContext,
        state.clientConfig.lifetimeConfig,
        fresh!.device.config.authService,
        state.groupContext.treeHash,
        fresh!.device.cs,
      );
      return error?.message ?? 'valid';
    } catch (e) {
      return `${(e as ParleyError).code}`;
    }
  }
  /** `t` with leaf `leaf`'s signature broken, or its certificate broken and the leaf signed again. */
  async function edit(
    t: RatchetTree,
    leaf: number,
    change: 'signature' | 'certificate',
  ): Promise<RatchetTree> {
    const node = t[leafAt(leaf)];
    if (node?.nodeType !== 'leaf') throw new Error('not a leaf');
    const l = node.leaf;
    let changed: LeafNode;
    if (change === 'signature') changed = { ...l, signature: flipped(l.signature) };
    else {
      const { certificate, deviceKey } = people[leaf]!.device.identity;
      const credential = credentialFor({ ...certificate, signature: flipped(certificate.signature) });
      const { signature: _, ...tbs } = { ...l, credential };
      changed = await signLeafNodeKeyPackage(
        tbs as Parameters<typeof signLeafNodeKeyPackage>[0],
        deviceKey.signKey,
        joiner.device.cs.signature,
      );
    }
    return t.map((n, i) => (i === leafAt(leaf) ? { ...node, leaf: changed } : n)) as RatchetTree;
  }

  test('the tree as sent is valid', async () => {
    expect(await validate(tree)).toBe('valid');
  });
  test('a broken leaf signature is refused', async () => {
    expect(await validate(await edit(tree, 3, 'signature'))).toMatch(/leaf node signature/);
  });
  test('a broken device certificate is refused', async () => {
    expect(await validate(await edit(tree, 2, 'certificate'))).toBe('credential_not_certified');
  });
  test('with two bad leaves, the first one in the tree is the one refused', async () => {
    expect(await validate(await edit(await edit(tree, 1, 'certificate'), 3, 'signature'))).toBe(
      'credential_not_certified',
    );
    expect(await validate(await edit(await edit(tree, 1, 'signature'), 3, 'certificate'))).toMatch(
      /leaf node signature/,
    );
  });
});
