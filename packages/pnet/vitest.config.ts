import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 180_000,
    hookTimeout: 60_000,
    // Tests import src modules one by one: install the Node services (disk checkpoints, worker
    // threads) that the package's Node entry installs.
    setupFiles: ['./src/node-platform.ts'],
    // tfjs keeps one global engine per process: isolate files in forks, run them one at a time
    // (the machine has 2 cores shared by several packages).
    pool: 'forks',
    fileParallelism: false,
  },
});
