// Benchmark: tfjs P-Nets (this package, built dist/) on the wasm and cpu backends next to
// PyTorch 1.13 CPU (Debian /usr/bin/python3) running the same nets on the same machine, in one run.
//   npm run bench -w @deepigeos/pnet   (BENCH_REPEATS=n, BENCH_MEMORY=0 to skip the 240×240×155 run,
//   BENCH_ONLY=substring[,substring…] to run some cases)
// Each wasm case runs four times, each time in a fresh process: with the package's native conv2d
// addon (the default in Node on linux-x64), with DEEPIGEOS_PNET_NATIVE=0 (the same kernels in
// WebAssembly SIMD128, the default in browsers and elsewhere) on 1 and on 2 threads
// (DEEPIGEOS_PNET_THREADS), and with DEEPIGEOS_PNET_NATIVE=tfjs (tfjs' own kernels, XNNPACK).
// Every column's ratio is to PyTorch at the same number of threads.
// The wasm backend runs one thread in Node; `predictVolume({ workers: 2 })` runs two, one per
// worker thread. PyTorch is timed at 1 and 2 threads.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { closePredictWorkers, convolutionImplementation, createPNet2D, createPNet3D, initBackend, predictVolume, trainStep } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const only = process.env.BENCH_ONLY?.split(',');

// [D, H, W] for 3D, [H, W] for 2D. cpu runs smaller sizes (it is ~30× slower than wasm).
// Modes: 'forward' = model.predict; 'stream' = predictVolume of the whole volume (3D: depth-streamed;
// 2D: windows of `patch`; exact), with `workers` worker threads; 'train' = one trainStep (Adam,
// cross-entropy).
const cases = {
  wasm: [
    { name: '3D P-Net forward', net: '3d', mode: 'forward', shape: [96, 96, 96] },
    { name: '3D P-Net predictVolume', net: '3d', mode: 'stream', shape: [96, 96, 96], workers: 1 },
    { name: 'R-Net (4 ch) predictVolume', net: '3d', mode: 'stream', shape: [96, 96, 96], channels: 4, workers: 1 },
    { name: 'R-Net (4 ch) predictVolume 2 workers', net: '3d', mode: 'stream', shape: [96, 96, 96], channels: 4, workers: 2 },
    { name: '2D P-Net forward', net: '2d', mode: 'forward', shape: [256, 256] },
    { name: '2D P-Net predictVolume', net: '2d', mode: 'stream', shape: [256, 256], workers: 1 },
    // Two windows of 128 rows, each grown by the 90-pixel receptive-field margin, one per worker.
    { name: '2D P-Net predictVolume 2 workers', net: '2d', mode: 'stream', shape: [256, 256], patch: [128, 256], workers: 2 },
    // A whole MNI-sized brain (Colin27's 181×217×181 grid) on 2 threads: the browser goal's reference.
    { name: '3D P-Net MNI predictVolume 2 workers', net: '3d', mode: 'stream', shape: [181, 217, 181], workers: 2, repeats: 1 },
    { name: '3D P-Net train step', net: '3d', mode: 'train', shape: [48, 48, 48] },
    { name: '2D P-Net train step', net: '2d', mode: 'train', shape: [256, 256] },
  ],
  cpu: [
    { name: '3D P-Net forward (cpu size)', net: '3d', mode: 'forward', shape: [16, 48, 48] },
    { name: '2D P-Net forward (cpu size)', net: '2d', mode: 'forward', shape: [96, 96] },
    { name: '3D P-Net train step (cpu size)', net: '3d', mode: 'train', shape: [8, 32, 32] },
    { name: '2D P-Net train step (cpu size)', net: '2d', mode: 'train', shape: [64, 64] },
  ],
};

async function timeTfjs(item) {
  const channels = item.channels ?? 1;
  const model =
    item.net === '3d' ? createPNet3D({ inputChannels: channels, numClasses: 2 }) : createPNet2D({ inputChannels: channels, numClasses: 2 });
  const x = tf.randomNormal([1, ...item.shape, channels]);
  const y = tf.cast(tf.greater(tf.randomUniform([1, ...item.shape]), 0.5), 'int32');
  const optimizer = tf.train.adam(1e-3);
  const volume = { data: x.dataSync(), shape: [...item.shape, channels] };
  const runs = {
    forward: async () => {
      const out = model.predict(x);
      await out.data();
      out.dispose();
    },
    stream: () => predictVolume(model, volume, { patchSize: item.patch ?? item.shape, workers: item.workers, output: 'logits' }),
    train: () => trainStep(model, optimizer, [x, y]),
  };
  const run = runs[item.mode];
  await run(); // warm-up (and worker start-up: workers are kept between calls)
  const times = [];
  for (let i = 0; i < (item.repeats ?? repeats); i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage(); // all threads of the process, workers included
    await run();
    const c = process.cpuUsage(c0);
    times.push([(performance.now() - t0) / 1000, (c.user + c.system) / 1e6]);
  }
  await closePredictWorkers();
  model.dispose();
  tf.dispose([x, y]);
  return times.sort((a, b) => a[0] - b[0])[Math.floor(times.length / 2)];
}

function timeTorch(threads, items) {
  const spec = items.map(({ name, net, mode, shape, channels }) => ({ name, net, mode, shape, channels }));
  const count = Math.min(...items.map((item) => item.repeats ?? repeats));
  const out = execFileSync('/usr/bin/python3', [join(here, 'torch_bench.py'), String(threads), JSON.stringify(spec), String(count)], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const load = () => (process.platform === 'linux' ? execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ') : '');

/** One case in a fresh process on `backend` with the `setting` environment: [wall s, CPU s, implementation]. */
function timeInChild(backend, item, setting) {
  const env = { ...process.env, DEEPIGEOS_PNET_THREADS: '1', ...setting };
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--case', backend, JSON.stringify(item)], { encoding: 'utf8', env });
  return JSON.parse(out.trim().split('\n').pop());
}

if (process.argv[2] === '--case') {
  await initBackend(process.argv[3]);
  const [wall, cpu] = await timeTfjs(JSON.parse(process.argv[4]));
  console.log(JSON.stringify([wall, cpu, convolutionImplementation()]));
  process.exit(0);
}

const ratio = (t, ref) => `${(t / ref).toFixed(2)}×`;
console.log(`load average at start: ${load()}`);
console.log('tfjs columns: implementation, median wall s (ratio to PyTorch at equal threads; one thread: CPU s and CPU ratio)');
for (const backend of ['wasm', 'cpu']) {
  for (const item of cases[backend]) {
    if (only !== undefined && !only.some((part) => item.name.includes(part))) continue;
    // PyTorch and every tfjs path back to back per case, so a changing machine load hits all alike.
    const [torch1, torch1cpu] = timeTorch(1, [item])[item.name];
    const settings =
      backend === 'wasm'
        ? [{ DEEPIGEOS_PNET_NATIVE: '' }, { DEEPIGEOS_PNET_NATIVE: '0' }, { DEEPIGEOS_PNET_NATIVE: '0', DEEPIGEOS_PNET_THREADS: '2' }, { DEEPIGEOS_PNET_NATIVE: 'tfjs' }]
        : [{ DEEPIGEOS_PNET_NATIVE: 'tfjs' }];
    // Worker cases already use 2 threads: no 2-thread kernels there.
    const runs = settings.filter((setting) => item.workers !== 2 || setting.DEEPIGEOS_PNET_THREADS !== '2').map((setting) => timeInChild(backend, item, setting));
    const [torch2] = timeTorch(2, [item])[item.name];
    const threads = item.workers ?? 1;
    // Wall times at equal thread count; for one thread also CPU seconds, which other jobs on a
    // shared machine disturb much less than wall time.
    const columns = runs.map(([t, tcpu, kind]) => {
      const two = threads === 2 || kind === 'wasm-simd-threads';
      return `${kind} ${t.toFixed(3)} s (${ratio(t, two ? torch2 : torch1)}${two ? '' : `, cpu ${tcpu.toFixed(3)} s ${ratio(tcpu, torch1cpu)}`})`;
    });
    console.log(
      `${backend.padEnd(4)} | ${item.name.padEnd(38)} | ${item.shape.join('×').padEnd(10)} | ${threads} thread${threads > 1 ? 's' : ' '} | ` +
        `${columns.join(' | ')} | torch 1t ${torch1.toFixed(3)} s (cpu ${torch1cpu.toFixed(3)} s) | torch 2t ${torch2.toFixed(3)} s | ` +
        `load ${load()}`,
    );
  }
}

// Peak memory of sliding-window inference on a BraTS-sized volume, in a fresh process.
if (process.env.BENCH_MEMORY !== '0') {
  const child = spawnSync(process.execPath, [join(here, 'predict-volume-memory.mjs')], { encoding: 'utf8' });
  process.stdout.write(child.stdout.split('\n').filter((l) => !l.startsWith('  step')).join('\n'));
  if (child.status !== 0) process.stderr.write(child.stderr);
}
console.log(`load average at end: ${load()}`);
