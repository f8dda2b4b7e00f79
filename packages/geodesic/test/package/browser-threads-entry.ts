// Runs in headless Chromium (with and without cross-origin isolation): geodesicDistanceAsync on a
// volume the threaded build splits by default (16×256×256 = 2^20 voxels, 16 planes), against the
// page's synchronous single-threaded build; reports the helper's task counter and map digests.
import { asyncHelperTasks, geodesicDistance, geodesicDistanceAsync, ready } from '@deepigeos/geodesic';
import { digest, threadsInput } from './threads-input.js';

export default async function run() {
  await ready();
  const { image, seeds, shape } = threadsInput();
  const results: Record<string, { digest: string; equalsSync: boolean; helperTasks: number }> = {};
  for (const method of ['exact', 'raster'] as const) {
    const viaWorker = await geodesicDistanceAsync(image, seeds, shape, { method, spacing: [2, 1, 1] });
    const sync = geodesicDistance(image, seeds, shape, { method, spacing: [2, 1, 1] });
    results[method] = { digest: digest(viaWorker), equalsSync: viaWorker.every((v, i) => Object.is(v, sync[i])), helperTasks: asyncHelperTasks() };
  }
  return { crossOriginIsolated: globalThis.crossOriginIsolated === true, results };
}
