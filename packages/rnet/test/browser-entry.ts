// Runs in Chromium (bundled by scripts/browser-test.mjs): the whole interactive pipeline —
// P-Net + CRF-Net(f), seeds, geodesic maps (WebAssembly), R-Net + CRF-Net(fu), undo, metrics —
// through the package source.
import { crfNetF, crfNetFU } from '@deepigeos/crf-rnn';
import { backend as geodesicBackend } from '@deepigeos/geodesic';
import { createPNet2D, initBackend } from '@deepigeos/pnet';
import { crfStage } from '../src/crf.js';
import { segmentationMetrics } from '../src/metrics.js';
import { createRNet2D } from '../src/rnet.js';
import { InteractiveSession } from '../src/session.js';
import { simulateInteractions } from '../src/simulate.js';
import { blobCase } from './helpers/synthetic.js';

const wasm = (file: string) => new URL(`../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/${file}`, import.meta.url).href;

export default async function run() {
  // Literal URLs so the bundler emits the wasm files next to the bundle.
  const tfBackend = await initBackend(undefined, {
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasm('tfjs-backend-wasm.wasm'),
      'tfjs-backend-wasm-simd.wasm': wasm('tfjs-backend-wasm-simd.wasm'),
      'tfjs-backend-wasm-threaded-simd.wasm': wasm('tfjs-backend-wasm-threaded-simd.wasm'),
    },
  });
  const c = blobCase(3, [48, 48], { blobs: 2, minRadius: 4, maxRadius: 10 });
  const session = new InteractiveSession({
    pnet: createPNet2D({ inputChannels: 1, numClasses: 2, channels: 8 }),
    rnet: createRNet2D({ imageChannels: 1, channels: 8 }),
    crfF: crfStage(crfNetF({ spacing: [1, 1] })),
    crfFU: crfStage(crfNetFU({ spacing: [1, 1] })),
  });
  const first = await session.segment({ data: c.image, shape: c.shape, spacing: [1, 1] });
  const sim = simulateInteractions({ prediction: first.mask, groundTruth: c.truth, shape: c.shape, rng: 1 });
  await session.addSeeds('fg', sim.fgSeeds);
  await session.addSeeds('bg', sim.bgSeeds);
  const refined = await session.refine();
  let seedsHonoured = true;
  let seedCount = 0;
  for (let i = 0; i < refined.mask.length; i++) {
    if (sim.fgSeeds[i]) seedsHonoured &&= refined.mask[i] === 1 && refined.crfProbability![i]! > 0.99;
    if (sim.bgSeeds[i]) seedsHonoured &&= refined.mask[i] === 0 && refined.crfProbability![i]! < 0.01;
    seedCount += sim.fgSeeds[i]! + sim.bgSeeds[i]!;
  }
  const undone = session.undo();
  const restored = session.result().probability.every((v, i) => v === first.probability[i]);
  return {
    tfBackend,
    geodesicBackend: geodesicBackend(),
    seedCount,
    seedsHonoured,
    undone,
    restored,
    round: refined.round,
    timings: refined.timings,
    metricsFinite: Number.isFinite(segmentationMetrics(refined.mask, c.truth, c.shape).dice),
    userAgent: navigator.userAgent,
  };
}
