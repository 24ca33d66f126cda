/**
 * The server process sets V8's heap growing factor (heapPolicy.ts) unless its operator chose one:
 * in node's own options or in NODE_OPTIONS, either spelling. What it does to resident memory is
 * measured by bench:direct (bench/README.md, "Memory"), not here.
 */
import { expect, test } from 'vitest';
import { applyHeapPolicy, HEAP_GROWING_PERCENT } from '../src/heapPolicy.js';

function flagsSet(execArgv: string[], nodeOptions: string): string[] {
  const set: string[] = [];
  applyHeapPolicy(execArgv, nodeOptions, (flags) => set.push(flags));
  return set;
}

test('without an operator choice the process gets a fixed heap growing factor of 1.3', () => {
  expect(HEAP_GROWING_PERCENT).toBe(30);
  expect(flagsSet([], '')).toEqual(['--heap-growing-percent=30']);
  expect(flagsSet(['--enable-source-maps'], '--max-old-space-size=512')).toEqual([
    '--heap-growing-percent=30',
  ]);
});

test("an operator's own --heap-growing-percent, as a node option or in NODE_OPTIONS, is left as it is", () => {
  expect(flagsSet(['--heap-growing-percent=50'], '')).toEqual([]);
  expect(flagsSet([], '--max-old-space-size=512 --heap_growing_percent=10')).toEqual([]);
  expect(flagsSet(['--heap-growing-percent', '20'], '')).toEqual([]);
});
