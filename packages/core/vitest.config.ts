import { defineConfig } from 'vitest/config';

// The CI machine is shared by every package's suite (2 cores): generous timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
