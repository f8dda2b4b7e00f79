// Runs in headless Chromium for bench/browser.bench-run.ts: 3D 'exact' (λ = 1) on the head
// phantom through geodesicDistanceAsync (the Web Worker: threaded build when the page is
// cross-origin isolated) and through the page's synchronous single-threaded build.
import { asyncHelperTasks, geodesicDistance, geodesicDistanceAsync, ready } from '@deepigeos/geodesic';
import { digest } from '../test/package/threads-input.js';
import { PHANTOM_DIMS, PHANTOM_SEED_RADIUS } from './browser-params.js';
import { headPhantom } from './phantom.js';

async function timeBest(repeats: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

export default async function run() {
  await ready();
  const [D, H, W] = PHANTOM_DIMS;
  const { image, seeds } = headPhantom(D, H, W, PHANTOM_SEED_RADIUS);
  const options = { method: 'exact', lambda: 1 } as const;
  let viaWorker = await geodesicDistanceAsync(image, seeds, [D, H, W], options); // starts the worker and its backend
  const asyncSeconds = await timeBest(3, async () => {
    viaWorker = await geodesicDistanceAsync(image, seeds, [D, H, W], options);
  });
  const helperTasks = asyncHelperTasks();
  let sync: Float32Array = new Float32Array(0);
  const syncSeconds = await timeBest(2, () => {
    sync = geodesicDistance(image, seeds, [D, H, W], options);
  });
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    asyncSeconds,
    syncSeconds,
    helperTasks,
    asyncDigest: digest(viaWorker),
    syncDigest: digest(sync),
  };
}
