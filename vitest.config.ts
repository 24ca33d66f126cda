import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './scripts/testOrder.js';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test time is spent waiting on servers, browsers and terminals, not computing: on a
    // 2-core machine vitest's default (cores - 1) would run one file at a time.
    maxWorkers: 3,
    // The slowest files first (measured), so none of them is left running alone at the end.
    sequence: { sequencer: SlowFirstSequencer },
    reporters: ['default', './scripts/summaryReporter.ts'],
  },
});
