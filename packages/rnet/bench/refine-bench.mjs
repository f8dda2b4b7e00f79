// Benchmark: latency of one refinement (seeds → encoded input → R-Net → CRF-Net(fu) → mask) with
// full-size networks on the tfjs wasm backend (one thread in Node), split by stage, for a 2D 256²
// slice and a 3D 96³ ROI. Side by side in the same run: the goals, and PyTorch 1.13 CPU
// (Debian /usr/bin/python3, same thread count) running the same R-Net forward pass.
//   npm run bench -w @deepigeos/rnet      (BENCH_REPEATS=n for 2D (default 3), BENCH_REPEATS_3D=n
//   (default 1; one 3D refinement takes about a minute here), BENCH_3D=0 to skip the 3D case)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closePredictWorkers } from '@deepigeos/pnet';
import { InteractiveSession, createPNet2D, createPNet3D, createRNet2D, createRNet3D, crfNetF, crfNetFU, crfStage, initBackend, volumeNetwork } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const repeats3d = Number(process.env.BENCH_REPEATS_3D ?? 1);

/** A bright sphere/disc with noise; seeds: a few fg clicks inside, bg clicks outside. */
function phantom(shape) {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  const centre = shape.map((n) => n / 2);
  const r = Math.min(...shape) / 4;
  for (let i = 0; i < size; i++) {
    let rest = i;
    let d2 = 0;
    for (let a = shape.length - 1; a >= 0; a--) {
      d2 += ((rest % shape[a]) - centre[a]) ** 2;
      rest = Math.floor(rest / shape[a]);
    }
    data[i] = (d2 < r * r ? 1 : 0) + 0.1 * Math.sin(i * 12.9898);
  }
  return data;
}

async function benchCase({ name, shape, roi, goalMs, net, repeats, channels, workers }) {
  const spacing = shape.map(() => 1);
  const is3d = shape.length === 3;
  const session = new InteractiveSession({
    pnet: is3d ? createPNet3D({ inputChannels: 1, numClasses: 2, channels }) : createPNet2D({ inputChannels: 1, numClasses: 2, channels }),
    rnet: workers ? volumeNetwork(createRNet3D({ imageChannels: 1, channels }), { workers }) : is3d ? createRNet3D({ imageChannels: 1, channels }) : createRNet2D({ imageChannels: 1, channels }),
    crfF: crfStage(crfNetF({ spacing })),
    crfFU: crfStage(crfNetFU({ spacing })),
    ...(roi ? { roi } : {}),
  });
  const t0 = performance.now();
  await session.segment({ data: phantom(shape), shape, spacing });
  const segmentMs = performance.now() - t0;
  const start = roi ? roi.start : shape.map(() => 0);
  const size = roi ? roi.size : shape;
  const mid = start.map((s, a) => s + Math.floor(size[a] / 2));
  const runs = [];
  // One extra first round, reported apart: it includes one-off costs (JIT warm-up of R-Net's
  // kernels, starting the worker threads and sending them the model).
  for (let i = 0; i <= repeats; i++) {
    // New fg and bg seeds every round, so both distance maps are recomputed (no cache hits).
    await session.addSeeds('fg', [mid.map((c, a) => (a === mid.length - 1 ? c + i : c))]);
    await session.addSeeds('bg', [start.map((s, a) => (a === start.length - 1 ? s + i : s))]);
    await session.refine();
    runs.push(session.result().timings);
  }
  const firstRefineMs = runs.shift().total;
  const median = (key) => runs.map((t) => t[key] ?? 0).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  return { name, net, channels, workers, segmentMs, firstRefineMs, goalMs, stages: Object.fromEntries(['encode', 'rnet', 'crfFU', 'total'].map((k) => [k, median(k)])) };
}

const backend = await initBackend();
const cases = [
  { name: '2D 256²', shape: [256, 256], goalMs: 300, net: [256, 256], repeats, channels: 64 },
  // A slimmer R-Net (16 channels instead of 64): what fits the interactive 2D budget here.
  { name: '2D 256², 16-ch nets', shape: [256, 256], goalMs: 300, net: [256, 256], repeats, channels: 16 },
];
if (process.env.BENCH_3D !== '0') {
  const roi3d = { shape: [112, 128, 128], roi: { start: [8, 16, 16], size: [96, 96, 96] }, goalMs: 5000, net: [96, 96, 96], repeats: repeats3d, channels: 16 };
  cases.push({ name: '3D 96³ ROI of 112×128×128', ...roi3d });
  // Both cores: R-Net through pnet's predictVolume, the ROI split in two depth halves on 2 worker threads.
  cases.push({ name: '3D 96³ ROI, R-Net on 2 workers', ...roi3d, workers: 2 });
}
const results = [];
for (const c of cases) results.push(await benchCase(c));

await closePredictWorkers();
const torchSpec = results.map((r) => ({ name: r.name, shape: r.net, channels: r.channels, threads: r.workers ?? 1 }));
const torch = spawnSync('/usr/bin/python3', [join(here, 'torch_rnet.py'), JSON.stringify(torchSpec), String(Math.max(1, repeats3d))], { encoding: 'utf8' });
const torchTimes = torch.status === 0 ? JSON.parse(torch.stdout.trim().split('\n').pop()) : {};
if (torch.status !== 0) console.error('PyTorch baseline unavailable:', torch.stderr.slice(-400));

console.log(`tfjs backend: ${backend} (1 thread unless the case says workers), median of ${repeats} (2D) / ${repeats3d} (3D) refinements after a first one, full-size R-Net + CRF-Net(fu) (10 iterations)`);
console.log('case | encode (geodesic ×2) | R-Net | CRF-Net(fu) | total | goal | total/goal | PyTorch R-Net fwd | tfjs/PyTorch R-Net');
for (const r of results) {
  const t = r.stages;
  // pnet's median_time gives [wall s, process CPU s]; the wall time compares with ours.
  const torchMs = torchTimes[r.name] === undefined ? Number.NaN : torchTimes[r.name][0] * 1000;
  const ms = (v) => `${v.toFixed(0)} ms`;
  console.log(
    `${r.name} | ${ms(t.encode)} | ${ms(t.rnet)} | ${ms(t.crfFU)} | ${ms(t.total)} | ${ms(r.goalMs)} | ${(t.total / r.goalMs).toFixed(2)}× | ${ms(torchMs)} | ${(t.rnet / torchMs).toFixed(2)}×`,
  );
  console.log(`  (first segment(): P-Net + CRF-Net(f) ${ms(r.segmentMs)}; first refine() ${ms(r.firstRefineMs)})`);
}
