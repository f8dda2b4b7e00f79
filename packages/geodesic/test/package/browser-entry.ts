// Runs in headless Chromium: imports the package by name, so the bundler picks the 'browser'
// export condition (WASM only, no Node built-ins).
import { backend, geodesicDistance, geodesicDistanceAsync, ready } from '@deepigeos/geodesic';

export default async function run() {
  await ready();
  const [H, W] = [64, 64];
  const image = new Float32Array(H * W).map((_, i) => ((i * 37) % 11) * 3);
  const seeds = new Uint8Array(H * W);
  seeds[0] = 1;
  const chamfer = geodesicDistance(new Float32Array(H * W), seeds, [H, W], { lambda: 0, method: 'exact' });
  const t0 = performance.now();
  const exact = geodesicDistance(image, seeds, [H, W], { method: 'exact' });
  const raster = geodesicDistance(image, seeds, [H, W], { method: 'raster' });
  const ms = performance.now() - t0;
  const viaWorker = await geodesicDistanceAsync(image, seeds, [H, W], { method: 'exact' });
  const workerEqual = viaWorker.every((v, i) => Object.is(v, exact[i]));
  return {
    backend: backend(),
    corner: chamfer[H * W - 1],
    exactSum: exact.reduce((a, b) => a + b, 0),
    rasterSum: raster.reduce((a, b) => a + b, 0),
    exactHead: Array.from(exact.subarray(0, 64)),
    ms,
    workerEqual,
  };
}
