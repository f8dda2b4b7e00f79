import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 180_000,
    hookTimeout: 60_000,
    // tfjs keeps one global engine per process: isolate files in forks, run them one at a time
    // (the machine has 2 cores shared by several packages).
    pool: 'forks',
    fileParallelism: false,
  },
});
