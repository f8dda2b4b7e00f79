import { defineConfig } from 'vitest/config';

// The shared CI machine is heavily loaded (2 cores, many packages): generous per-test timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // tfjs keeps one global engine per process: isolate files in forks, one file at a time.
    pool: 'forks',
    fileParallelism: false,
  },
});
