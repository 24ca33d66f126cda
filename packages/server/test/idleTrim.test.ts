/**
 * After a burst, once the server has been quiet for a while, one collection gives the memory back
 * (idleTrim.ts); never under load, never without a burst, at most one retry. The decisions are
 * driven here by scripted readings; the last test runs V8's own collector on this process. What it
 * does to a server's resident memory is measured by bench:direct (bench/README.md, round 7).
 */
import { getHeapStatistics } from 'node:v8';
import { expect, test } from 'vitest';
import { IDLE_TRIM_DEFAULTS, type IdleTrimProbes, processProbes, startIdleTrim } from '../src/idleTrim.js';

const MB = 1024 * 1024;

/** Readings set by the test; each collection drops the heap to `after` and the young to `youngAfter`. */
function scripted(heap: number, youngAfter = 2 * MB) {
  const r = {
    busy: 0,
    heap,
    young: 32 * MB,
    after: 40 * MB,
    youngAfter,
    collections: 0,
    scavenges: 0,
    clock: 0,
  };
  const probes: IdleTrimProbes = {
    utilization: () => r.busy,
    heapBytes: () => r.heap,
    youngBytes: () => r.young,
    // Each reading of the clock is a second later (a period).
    now: () => (r.clock += 1000),
    scavenge: async () => {
      r.scavenges++;
    },
    collect: async () => {
      r.collections++;
      r.heap = r.after;
      r.young = r.youngAfter;
    },
  };
  return { r, trim: startIdleTrim({}, probes, false) };
}

async function ticks(trim: { tick(): Promise<void> }, n: number) {
  for (let i = 0; i < n; i++) await trim.tick();
}

test('a burst then quiet: one collection after the quiet periods, none before, none after', async () => {
  const { r, trim } = scripted(40 * MB);
  r.busy = 0.8;
  r.heap = 90 * MB; // the burst
  await ticks(trim, 5);
  expect(r.collections).toBe(0);
  r.busy = 0.01;
  await ticks(trim, IDLE_TRIM_DEFAULTS.quietPeriods - 1);
  expect(r.collections).toBe(0);
  // A scavenge at the first quiet period, so the burst's tail is not counted at the collection.
  expect(r.scavenges).toBe(1);
  await trim.tick();
  expect(r.collections).toBe(1);
  expect(trim.trims().count).toBe(1);
  await ticks(trim, 30);
  expect(r.collections).toBe(1);
});

test('under steady load, however light, no collection: one busy period starts the count again', async () => {
  const { r, trim } = scripted(40 * MB);
  r.heap = 90 * MB;
  for (let i = 0; i < 10; i++) {
    r.busy = 0.01;
    await ticks(trim, IDLE_TRIM_DEFAULTS.quietPeriods - 1);
    r.busy = 0.2;
    await trim.tick();
  }
  expect(r.collections).toBe(0);
});

test('bursts less than a minute apart: the second waits until a minute has passed since the first collection', async () => {
  const { r, trim } = scripted(40 * MB);
  r.heap = 90 * MB;
  await ticks(trim, IDLE_TRIM_DEFAULTS.quietPeriods);
  expect(r.collections).toBe(1);
  r.heap = 90 * MB; // grown again, soon after
  await ticks(trim, 2 * IDLE_TRIM_DEFAULTS.quietPeriods);
  expect(r.collections).toBe(1);
  await ticks(trim, 60);
  expect(r.collections).toBe(2);
});

test('quiet without a burst (the heap has not grown): no collection', async () => {
  const { r, trim } = scripted(40 * MB);
  r.heap = 40 * MB + IDLE_TRIM_DEFAULTS.minGrowthBytes - MB;
  r.busy = 0;
  await ticks(trim, 50);
  expect(r.collections).toBe(0);
  expect(r.scavenges).toBe(0);
});

test('a young generation that stayed large is tried once more after more quiet, and no third time', async () => {
  const { r, trim } = scripted(40 * MB, 32 * MB);
  r.heap = 90 * MB;
  r.busy = 0;
  await ticks(trim, IDLE_TRIM_DEFAULTS.quietPeriods);
  expect(r.collections).toBe(1);
  await ticks(trim, IDLE_TRIM_DEFAULTS.quietPeriods - 1);
  expect(r.collections).toBe(1);
  await trim.tick();
  expect(r.collections).toBe(2);
  await ticks(trim, 5 * IDLE_TRIM_DEFAULTS.quietPeriods);
  expect(r.collections).toBe(2);
});

test("V8's own collector, run by the trimmer on this process, gives back the heap a burst left", async () => {
  const own = processProbes();
  const trim = startIdleTrim({}, { ...own, utilization: () => 0 }, false);
  const used = () => getHeapStatistics().used_heap_size;
  const before = used();
  let burst: unknown[] | undefined = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `item ${i}` }));
  const grown = used();
  expect(burst.length).toBe(300_000);
  burst = undefined;
  await ticks(trim, IDLE_TRIM_DEFAULTS.quietPeriods);
  expect(trim.trims().count).toBe(1);
  // What the burst left is collected (V8 hands the emptied pages back to the system after).
  expect(used()).toBeLessThan(before + (grown - before) / 4);
});
