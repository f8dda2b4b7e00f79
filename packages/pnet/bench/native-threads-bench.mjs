// The Node addon's convolutions on N threads against one thread, measured side by side in one
// process (initBackend's convolutionThreads switches between rounds, so a changing machine load
// hits both alike): a 2D P-Net training step (64² × batch 4, 32 channels), a 3D P-Net training
// step (48³ × batch 2, 16 channels) and a 3D R-Net forward pass (96³, 4 input channels).
// Prints the median wall and CPU seconds of each and the ratio one thread ÷ N threads (above 1:
// faster on N threads), with the load average around each case.
//   npm run build && node bench/native-threads-bench.mjs   (BENCH_THREADS=n, default 2; BENCH_REPEATS=n)
//   node bench/native-threads-bench.mjs --layers   per-call sweep behind the addon's work threshold
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { convolutionImplementation, createPNet2D, createPNet3D, initBackend, trainStep } from '../dist/index.js';
import { platform } from '../dist/platform.js';

const threads = Number(process.env.BENCH_THREADS ?? 2);
const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Wall and CPU seconds (all threads of the process) of `run`. */
async function timed(run) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const c = process.cpuUsage(c0);
  return [(performance.now() - t0) / 1000, (c.user + c.system) / 1e6];
}

/** Rounds of [1 thread, N threads] after one warm-up of each: median [wall, cpu] per setting. */
async function compare(run) {
  const settings = [1, threads];
  const times = new Map(settings.map((t) => [t, []]));
  for (let round = -1; round < repeats; round++) {
    for (const t of round % 2 === 0 ? settings : [...settings].reverse()) {
      await initBackend('wasm', { convolutionThreads: t });
      const time = await timed(run);
      if (round >= 0) times.get(t).push(time);
    }
  }
  return settings.map((t) => [median(times.get(t).map((x) => x[0])), median(times.get(t).map((x) => x[1]))]);
}

const cases = [
  {
    name: '2D P-Net train step, 64² × batch 4, 32 ch',
    setup: () => {
      const model = createPNet2D({ inputChannels: 1, numClasses: 2, channels: 32 });
      const x = tf.randomNormal([4, 64, 64, 1]);
      const y = tf.cast(tf.greater(tf.randomUniform([4, 64, 64]), 0.5), 'int32');
      const optimizer = tf.train.adam(1e-3);
      return { run: () => trainStep(model, optimizer, [x, y]), dispose: () => tf.dispose([model, x, y]) };
    },
  },
  {
    name: '3D P-Net train step, 48³ × batch 2, 16 ch',
    setup: () => {
      const model = createPNet3D({ inputChannels: 1, numClasses: 2 });
      const x = tf.randomNormal([2, 48, 48, 48, 1]);
      const y = tf.cast(tf.greater(tf.randomUniform([2, 48, 48, 48]), 0.5), 'int32');
      const optimizer = tf.train.adam(1e-3);
      return { run: () => trainStep(model, optimizer, [x, y]), dispose: () => tf.dispose([model, x, y]) };
    },
  },
  {
    name: '3D R-Net forward, 96³, 4 input channels',
    setup: () => {
      const model = createPNet3D({ inputChannels: 4, numClasses: 2 });
      const x = tf.randomNormal([1, 96, 96, 96, 4]);
      return {
        run: async () => {
          const out = model.predict(x);
          await out.data();
          out.dispose();
        },
        dispose: () => tf.dispose([model, x]),
      };
    },
  },
];

/** conv2d and filterGradient calls of growing size (3×3, 'same'), every call threaded (threshold 0) against one thread. */
function layerSweep() {
  const conv = platform.nativeConv;
  const shapes = [
    [1, 8, 16, 16],
    [1, 16, 32, 16],
    [1, 32, 32, 16],
    [1, 32, 64, 16],
    [1, 64, 64, 16],
    [1, 8, 8, 64],
    [1, 16, 16, 64],
    [1, 32, 32, 64],
    [4, 64, 64, 32],
  ];
  const perCall = (run, work) => {
    const count = Math.max(5, Math.round(2e8 / work));
    run();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) run();
    return ((performance.now() - t0) / count) * 1000;
  };
  console.log('call: x [N, H, W, C] 3×3 C→C | M multiply-adds | conv2d µs 1 thread / N threads (ratio) | filterGradient µs 1 / N (ratio)');
  for (const [n, h, w, c] of shapes) {
    const dims = [n, h, w, c, 3, 3, c, 1, 1, 1, 1, 1, 1];
    const x = new Float32Array(n * h * w * c).fill(0.5);
    const filter = new Float32Array(9 * c * c).fill(0.01);
    const out = new Float32Array(x.length);
    const dfilter = new Float32Array(filter.length);
    const work = n * h * w * 9 * c * c;
    const [f1, g1, fN, gN] = [1, threads].flatMap((t) => {
      conv.setThreads(t, 0);
      return [perCall(() => conv.conv2d(x, filter, null, out, dims, false), work), perCall(() => conv.filterGradient(x, out, dfilter, null, dims), work)];
    });
    console.log(
      `[${n}, ${h}, ${w}, ${c}] | ${(work / 1e6).toFixed(2)} | ${f1.toFixed(0)} / ${fN.toFixed(0)} (${(f1 / fN).toFixed(2)}×) | ` +
        `${g1.toFixed(0)} / ${gN.toFixed(0)} (${(g1 / gN).toFixed(2)}×)`,
    );
  }
  conv.setThreads();
}

await initBackend('wasm');
console.log(`convolutions: ${convolutionImplementation()}; ${threads} threads against 1; median of ${repeats} alternating rounds; load average at start: ${load()}`);
if (!convolutionImplementation().startsWith('native-')) throw new Error('the Node addon did not load: nothing to compare');
if (process.argv.includes('--layers')) {
  layerSweep();
} else {
  // Cores used = CPU ÷ wall seconds on N threads: near 1 means the scheduler gave the process one core (a loaded machine).
  console.log('case | 1 thread: wall s (cpu s) | N threads: wall s (cpu s) | 1 thread ÷ N threads (wall) | cores used on N threads | load average after');
  for (const item of cases) {
    const { run, dispose } = item.setup();
    const [[w1, c1], [wN, cN]] = await compare(run);
    dispose();
    console.log(`${item.name} | ${w1.toFixed(3)} (${c1.toFixed(3)}) | ${wN.toFixed(3)} (${cN.toFixed(3)}) | ${(w1 / wN).toFixed(2)}× | ${(cN / wN).toFixed(2)} | ${load()}`);
  }
}
console.log(`load average at end: ${load()}`);
