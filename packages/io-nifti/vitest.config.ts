import { defineConfig } from 'vitest/config';

// The CI machine runs two packages' suites at once on 2 cores, and some tests start Python
// (nibabel): generous per-test timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
