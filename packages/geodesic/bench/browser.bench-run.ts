// Benchmark: 3D 'exact' (λ = 1) on the 181×217×181 head phantom in headless Chromium, through
// geodesicDistanceAsync with the page cross-origin isolated (threaded WASM build, helper in a
// nested worker) and not isolated (single-threaded build), against the plain C++ raster scan
// and the native addon, all in one run. Run alone: `npx vitest run --config bench/vitest.config.ts bench/browser.bench-run.ts`.
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';
import { runInChromium } from '../../../scripts/browser-test.mjs';
import { loadBackend } from '../src/loader-node.js';
import { validateRequest } from '../src/validate.js';
import { digest } from '../test/package/threads-input.js';
import { PHANTOM_DIMS, PHANTOM_SEED_RADIUS } from './browser-params.js';
import { plainCpp } from './cpp-programs.js';
import { headPhantom } from './phantom.js';
import { timeBest } from './timing.js';

interface PageResult {
  crossOriginIsolated: boolean;
  asyncSeconds: number;
  syncSeconds: number;
  helperTasks: number;
  asyncDigest: string;
  syncDigest: string;
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

it('browser threads benchmark', async () => {
  console.log(`load average at start: ${load()}  (${new Date().toISOString()})`);
  const [D, H, W] = PHANTOM_DIMS;
  const { image, seeds } = headPhantom(D, H, W, PHANTOM_SEED_RADIUS);
  const plain = plainCpp(image, seeds, [D, H, W], 2);
  const native = await loadBackend('native');
  const request = validateRequest(image, seeds, [D, H, W], { method: 'exact', lambda: 1 });
  let want: Float32Array = new Float32Array(0);
  const native2 = timeBest(3, () => {
    want = native.compute(request);
  });
  process.env.DEEPIGEOS_GEODESIC_THREADS = '1';
  const native1 = timeBest(2, () => native.compute(request));
  delete process.env.DEEPIGEOS_GEODESIC_THREADS;
  const entry = fileURLToPath(new URL('./browser-entry.ts', import.meta.url));
  const pages: [string, PageResult][] = [];
  for (const isolated of [true, false, true, false]) {
    const r = (await runInChromium({ entry, crossOriginIsolated: isolated, timeoutMs: 600_000 })) as PageResult;
    pages.push([isolated ? 'isolated (COOP/COEP)' : 'not isolated', r]);
  }
  const rows: [string, number][] = [
    ['plain C++ raster scan, 2 iterations (baseline)', plain.seconds],
    ["native 'exact', 1 thread", native1],
    ["native 'exact', 2 threads", native2],
  ];
  for (const [label, r] of pages) {
    rows.push([`Chromium async 'exact', ${label}`, r.asyncSeconds]);
    rows.push([`Chromium sync 'exact' (page, 1 thread), ${label}`, r.syncSeconds]);
  }
  console.log(`\n3D head phantom ${PHANTOM_DIMS.join('×')}, 'exact', λ = 1`);
  for (const [name, t] of rows) console.log(name.padEnd(60) + t.toFixed(3).padStart(8) + `${(plain.seconds / t).toFixed(2)}×`.padStart(9));
  const wantDigest = digest(want);
  for (const [label, r] of pages) {
    console.log(
      `${label}: crossOriginIsolated ${r.crossOriginIsolated}, helper tasks ${r.helperTasks}, async map = native ${r.asyncDigest === wantDigest}, sync map = native ${r.syncDigest === wantDigest}`,
    );
  }
  console.log(`load average at end: ${load()}  (${new Date().toISOString()})`);
});
