// One `refine` round on a real volume with the bundled 3D R-Net: in the default box around the
// seeds (what `deepigeos refine` does) side by side with the whole volume (what `segment --seeds`
// did before), in the same run. The whole-volume run stops after a time budget and its total is
// extrapolated from the windows done (they all cost the same).
// Usage: npm run build -w @deepigeos/examples && node bench/refine.mjs [image.nii.gz] [budget seconds]
// Default image: Debian mricron-data's Colin27 T1 (181×217×181).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTrainedNet, maskFromSource, refineSegmentation, TRAIN_RNET_SCHEMA, loadCase } from '../dist/index.js';
import { backendLabel } from '../dist/cli/backend-label.js';
import { DEFAULT_REFINE_MARGIN } from '../dist/commands/refine.js';
import { initBackend } from '@deepigeos/pnet';
import { loadavg } from 'node:os';

const image = process.argv[2] ?? '/usr/share/mricron/templates/ch2.nii.gz';
const budget = Number(process.argv[3] ?? 120);
if (!existsSync(image)) {
  console.error(`${image} not found (apt-get install mricron-data, or pass an image)`);
  process.exit(2);
}
const backend = await initBackend();
const rnet = await loadTrainedNet(join(dirname(fileURLToPath(import.meta.url)), '..', 'weights', 'rnet3d'), '--rnet', TRAIN_RNET_SCHEMA);
const c = await loadCase({ id: 'bench', kind: 'nifti', images: [image] }, rnet.config.preprocess);
const [nx, ny, nz] = c.geometry.reference.dims;
// Two foreground seeds in the lateral ventricles and one background seed in white matter of the Colin27 T1 (source voxels).
const seed = (points) => {
  const m = new Uint8Array(nx * ny * nz);
  for (const [i, j, k] of points) m[i + j * nx + k * nx * ny] = 1;
  return maskFromSource(m, c.geometry);
};
const fg = seed([[100, 130, 90], [85, 120, 95]].map(([i, j, k]) => [Math.min(i, nx - 1), Math.min(j, ny - 1), Math.min(k, nz - 1)]));
const bg = seed([[Math.min(91, nx - 1), Math.min(127, ny - 1), Math.min(73, nz - 1)]]);
const init = new Float32Array(fg.length);
console.log(`image ${image} (${c.image.shape.join('×')} after preprocessing), backend ${backendLabel(backend)}, load average ${loadavg()[0].toFixed(1)}`);

let t0 = performance.now();
let windows = 0;
const roi = await refineSegmentation({ image: c.image, init, fg, bg, rnet, roiMargin: DEFAULT_REFINE_MARGIN, onProgress: (_s, d) => { windows = d; } });
const roiSeconds = (performance.now() - t0) / 1000;
const ms = (v) => `${(v / 1000).toFixed(1)} s`;
console.log(`box ${roi.rois[0].size.join('×')} (margin ${DEFAULT_REFINE_MARGIN}): ${windows} steps (windows or streamed slabs), ${roiSeconds.toFixed(1)} s (seed encoding ${ms(roi.timings.encode)}, R-Net ${ms(roi.timings.rnet)}, CRF-Net(fu) ${ms(roi.timings.crfFU)})`);

class Budget extends Error {}
t0 = performance.now();
let done = 0;
let total = 0;
let mark;
try {
  await refineSegmentation({
    image: c.image, init, fg, bg, rnet,
    onProgress: (_s, d, t) => {
      if (d === 1) mark = performance.now(); // encoding and the first window's warm-up excluded below
      [done, total] = [d, t];
      if ((performance.now() - t0) / 1000 > budget) throw new Budget();
    },
  });
} catch (e) {
  if (!(e instanceof Budget)) throw e;
}
const perWindow = (performance.now() - mark) / 1000 / Math.max(done - 1, 1);
const wholeSeconds = (mark - t0) / 1000 + perWindow * (total - 1);
console.log(`whole volume: ${total} steps, ${done} done in ${((performance.now() - t0) / 1000).toFixed(0)} s → ${(wholeSeconds / 60).toFixed(1)} min estimated`);
console.log(`ratio whole / box: ${(wholeSeconds / roiSeconds).toFixed(0)}× (load average now ${loadavg()[0].toFixed(1)})`);
