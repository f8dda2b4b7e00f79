import { defineConfig } from 'vitest/config';

// `npm run bench`: one run, timings and ratios printed to stdout (not a test).
export default defineConfig({
  test: { include: ['bench/*.bench-run.ts'], testTimeout: 1_800_000, reporters: ['default'] },
});
