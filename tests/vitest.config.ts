import { defineConfig } from 'vitest/config';

// Packing, installing and bundling are slow on the shared 2-core CI machine: generous timeouts,
// one file at a time.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'consumer/project/**'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
