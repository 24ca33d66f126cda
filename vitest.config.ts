import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test time is spent waiting on servers, browsers and terminals, not computing: on a
    // 2-core machine vitest's default (cores - 1) would run one file at a time.
    maxWorkers: 3,
    reporters: ['default', './scripts/summaryReporter.ts'],
  },
});
