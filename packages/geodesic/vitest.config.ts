import { defineConfig } from 'vitest/config';

// The correctness suite runs once per backend; package-level tests (ASan core tests, backend
// parity, npm pack, browser, helpers) run once. The WASM run lowers the two-thread split
// threshold so that the threaded build's helper worker solves a slab of every small 3D input.
const perBackend = ['test/*.test.ts'];
export default defineConfig({
  test: {
    testTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'native', include: perBackend, env: { DEEPIGEOS_GEODESIC_BACKEND: 'native' } } },
      { extends: true, test: { name: 'wasm', include: perBackend, env: { DEEPIGEOS_GEODESIC_BACKEND: 'wasm', DEEPIGEOS_GEODESIC_TEST_SPLIT: '1' } } },
      { extends: true, test: { name: 'package', include: ['test/package/*.test.ts'], testTimeout: 180_000 } },
    ],
  },
});
