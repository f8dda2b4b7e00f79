import { defineConfig } from 'vitest/config';

// The tests launch torchrun/Python processes: one file at a time keeps the 2-core machine usable.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], fileParallelism: false, testTimeout: 240_000, hookTimeout: 240_000 },
});
