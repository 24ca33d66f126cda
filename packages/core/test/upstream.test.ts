/**
 * Known defects of dependencies, asserted so that the day an upgrade fixes one, this test fails
 * and the workaround that depends on it can go.
 */
import { expect, test } from 'vitest';
import { addAccount, type CommitResult, createGroup, removeMembers, selfUpdate } from '../src/index.js';
import { deliver, join, makeAccount, publishKeyPackage, type TestDevice } from './helpers.js';

test('ts-mls 1.6.4 refuses a valid ratchet tree on join when unmerged leaves differ along a path (RFC 9420 §7.9.2 allows it)', async () => {
  const names = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'newcomer', 'late'];
  const d = await Promise.all(names.map(async (n) => (await makeAccount(n, 1))[0]!));
  const members = new Set<TestDevice>();
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
  // Leaves 0-7. p6's update sets the parents above leaves 4-7; p4 is removed (blanking them);
  // p6 updates again, so the parent of leaves 4-7 is set while leaf 4 is free.
  await commit(d[6]!, (x) => selfUpdate(x.device, x.state!));
  await commit(d[0]!, (x) => removeMembers(x.device, x.state!, { accountId: 'p4' }));
  members.delete(d[4]!);
  await commit(d[6]!, (x) => selfUpdate(x.device, x.state!));
  // The newcomer takes leaf 4: unmerged at that parent and at the root. p1's update then resets
  // the root (no unmerged leaves) but not that parent: a valid tree (RFC 9420 §7.9.2)…
  await add(d[8]!);
  await commit(d[1]!, (x) => selfUpdate(x.device, x.state!));
  // …that ts-mls refuses to anyone joining, because it wants both lists to be equal.
  await expect(add(d[9]!)).rejects.toThrow(/unmerged_leaves/);
});
