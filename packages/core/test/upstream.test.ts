/**
 * Defects of dependencies and Parley's corrections of them, asserted both ways: the valid case now
 * works, and what the standard forbids is still refused. The day an upgrade fixes a defect, the
 * install-time patch stops applying (it checks the exact bytes) and these tests say whether the
 * replacement behaves the same.
 *
 * ts-mls 1.6.4's join-time ratchet-tree check wanted every non-blank node on an unmerged leaf's
 * direct path to carry exactly the same unmerged list; RFC 9420 §12.4.3.1 asks only that the nodes
 * between the leaf and the parent listing it list it too. core's scripts/patch-ts-mls.mjs (run at install)
 * replaces the check with the RFC's.
 */
import type { RatchetTree } from 'ts-mls';
import { validateRatchetTree } from 'ts-mls/clientState.js';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  addAccount,
  type CommitResult,
  createGroup,
  decodeAppMessage,
  encodeAppMessage,
  encryptApplication,
  exportGroupInfo,
  type GroupState,
  joinByExternalCommit,
  removeMembers,
  selfUpdate,
  textMessage,
} from '../src/index.js';
import { deliver, join, makeAccount, publishKeyPackage, type TestDevice } from './helpers.js';

/**
 * Eight members at leaves 0-7; p6's update sets the parents above leaves 4-7; p4 is removed
 * (blanking them); p6 updates again, so the parent of leaves 4-7 (node 11) is set while leaf 4 is
 * free. The newcomer takes leaf 4: unmerged at node 11 and at the root (node 7). p1's update then
 * resets the root but not node 11: node 11 lists leaf 4, the root lists nothing, a valid tree.
 */
async function scenario() {
  const names = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'newcomer', 'late', 'external'];
  const d = await Promise.all(names.map(async (n) => (await makeAccount(n, 1))[0]!));
  const members = new Set<TestDevice>();
  const trees: Record<string, GroupState> = {};
  /** `by` commits; every other member processes it. */
  const commit = async (by: TestDevice, make: (x: TestDevice) => Promise<CommitResult>) => {
    const c = await make(by);
    by.state = c.newState;
    await deliver(
      c.commit,
      [...members].filter((m) => m !== by),
    );
    return c;
  };
  const add = async (joiner: TestDevice) => {
    const c = await commit(d[0]!, async (x) =>
      addAccount(x.device, x.state!, joiner.device.identity.accountId, [await publishKeyPackage(joiner)]),
    );
    await join(joiner, c.welcome!);
    members.add(joiner);
  };
  d[0]!.state = await createGroup(d[0]!.device);
  members.add(d[0]!);
  for (let i = 1; i < 8; i++) await add(d[i]!);
  await commit(d[6]!, (x) => selfUpdate(x.device, x.state!));
  await commit(d[0]!, (x) => removeMembers(x.device, x.state!, { accountId: 'p4' }));
  members.delete(d[4]!);
  await commit(d[6]!, (x) => selfUpdate(x.device, x.state!));
  trees.leafFourFree = d[0]!.state!;
  await add(d[8]!);
  await commit(d[1]!, (x) => selfUpdate(x.device, x.state!));
  trees.unmergedBelowOnly = d[0]!.state!;
  return { d, members, add, commit, trees };
}

/** ts-mls's own join-time validation of `tree` in the group of `state`; undefined when valid. */
async function validate(state: GroupState, tree: RatchetTree, device: TestDevice) {
  const error = await validateRatchetTree(
    tree,
    state.groupContext,
    state.clientConfig.lifetimeConfig,
    state.clientConfig.authService,
    state.groupContext.treeHash,
    device.device.cs,
  );
  return error?.message;
}

/** `tree` with the unmerged list of parent node `index` replaced. */
function withUnmerged(tree: RatchetTree, index: number, leaves: number[]): RatchetTree {
  return tree.map((node, i) => {
    if (i !== index) return node;
    if (node?.nodeType !== 'parent') throw new Error(`node ${i} is not a parent node`);
    return { ...node, parent: { ...node.parent, unmergedLeaves: leaves } };
  }) as RatchetTree;
}

describe('ratchet-tree check on join (ts-mls 1.6.4 as corrected by packages/core/scripts/patch-ts-mls.mjs)', () => {
  let s: Awaited<ReturnType<typeof scenario>>;
  beforeAll(async () => {
    s = await scenario();
  }, 120_000);

  test('a leaf unmerged at a lower node but not at the root (RFC 9420 §12.4.3.1 allows it) no longer stops people joining', async () => {
    const { d, members, add } = s;
    const tree = s.trees.unmergedBelowOnly!.ratchetTree;
    expect(tree[11]?.nodeType === 'parent' && tree[11].parent.unmergedLeaves).toEqual([4]);
    expect(tree[7]?.nodeType === 'parent' && tree[7].parent.unmergedLeaves).toEqual([]);
    // By Welcome…
    await add(d[9]!);
    // …and by external commit, from the group's published GroupInfo.
    const groupInfo = await exportGroupInfo(d[0]!.device, d[0]!.state!);
    const external = await joinByExternalCommit(d[10]!.device, groupInfo);
    d[10]!.state = external.newState;
    await deliver(external.commit, [...members]);
    members.add(d[10]!);
    // Everyone is in the same epoch and reads the latecomer.
    const message = textMessage('made it');
    const sent = await encryptApplication(d[9]!.device, d[9]!.state!, encodeAppMessage(message));
    d[9]!.state = sent.newState;
    const others = [...members].filter((m) => m !== d[9]);
    for (const r of await deliver(sent.message, others)) {
      if (r.kind !== 'application') throw new Error(`expected an application message, got ${r.kind}`);
      expect(decodeAppMessage(r.plaintext)).toEqual(message);
    }
    const epochs = new Set([...members].map((m) => m.state!.groupContext.epoch));
    expect(epochs.size).toBe(1);
  });

  test('the valid tree passes the check itself', async () => {
    const state = s.trees.unmergedBelowOnly!;
    expect(await validate(state, state.ratchetTree, s.d[0]!)).toBeUndefined();
  });

  test('a leaf listed at the root but missing from a non-blank node between it and the root is refused', async () => {
    const state = s.trees.unmergedBelowOnly!;
    const forged = withUnmerged(withUnmerged(state.ratchetTree, 7, [4]), 11, []);
    expect(await validate(state, forged, s.d[0]!)).toMatch(/must list leaf node in its unmerged_leaves/);
  });

  test('a blank leaf listed as unmerged is refused (ts-mls 1.6.4 let it through)', async () => {
    const state = s.trees.leafFourFree!;
    expect(state.ratchetTree[8]).toBeUndefined(); // leaf 4 is free
    const forged = withUnmerged(state.ratchetTree, 11, [4]);
    expect(await validate(state, forged, s.d[0]!)).toMatch(/non-blank descendant/);
  });

  test('a leaf listed as unmerged at a node it is not under is refused', async () => {
    const state = s.trees.unmergedBelowOnly!;
    const forged = withUnmerged(state.ratchetTree, 11, [4, 1]);
    expect(await validate(state, forged, s.d[0]!)).toMatch(/non-blank descendant/);
  });
});
