/** The backoff throttle of logins and registration secrets (http/throttle.ts), on a fake clock. */
import { randomBytes } from 'node:crypto';
import { afterEach, expect, test, vi } from 'vitest';
import { type Cluster, LocalCluster, RedisCluster } from '../src/cluster.js';
import { backoffThrottle } from '../src/http/throttle.js';

afterEach(() => {
  vi.useRealTimers();
});

test('the backoff: the allowance a minute, 3× in 15 minutes, 10× in 4 hours; each key on its own', async () => {
  vi.useFakeTimers({ now: 0 });
  const throttle = backoffThrottle(new LocalCluster(), 'test', 2);
  const minute = async () => {
    const out = [];
    for (let i = 0; i < 3; i++) out.push(await throttle.allow('a'));
    vi.advanceTimersByTime(61_000);
    return out;
  };
  // Two a minute for three minutes (6 = 3 × 2 in 15 minutes), then nothing until the 15 minutes end.
  for (let m = 0; m < 3; m++) expect(await minute()).toEqual([true, true, false]);
  expect(await minute()).toEqual([false, false, false]);
  expect(await throttle.allow('b')).toBe(true);
  vi.advanceTimersByTime(15 * 60_000);
  expect(await throttle.allow('a')).toBe(true);
  // Keeping on: 20 (10 × 2) in 4 hours (the first try was at 0; this loop ends at 3 h 56 min)…
  let allowed = 7;
  for (let q = 0; q < 12; q++) {
    for (let m = 0; m < 3; m++) allowed += (await minute()).filter(Boolean).length;
    vi.advanceTimersByTime(15 * 60_000);
  }
  expect(allowed).toBe(20);
  // … then a wait until they end.
  vi.advanceTimersByTime(5 * 60_000);
  expect(await throttle.allow('a')).toBe(true);
});

test('a throttle fed by failures only: successes cost nothing; in memory and through Redis alike', async (ctx) => {
  const clusters: Cluster[] = [new LocalCluster()];
  try {
    const prefix = `parley-test-${randomBytes(6).toString('hex')}:`;
    clusters.push(await RedisCluster.connect('redis://127.0.0.1:6379', prefix, 1024, () => {}));
  } catch {
    ctx.annotate('no Redis at 127.0.0.1:6379: in memory only');
  }
  try {
    for (const cluster of clusters) {
      const throttle = backoffThrottle(cluster, 'fail', 2);
      for (let i = 0; i < 5; i++) expect(await throttle.allow('other')).toBe(i < 2);
      expect(await throttle.waiting('a')).toBe(false);
      await throttle.fail('a');
      expect(await throttle.waiting('a')).toBe(false);
      await throttle.fail('a');
      expect(await throttle.waiting('a')).toBe(true);
      expect(await throttle.waiting('b')).toBe(false);
    }
  } finally {
    for (const c of clusters) await c.close();
  }
});
