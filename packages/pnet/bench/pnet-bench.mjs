// Benchmark: tfjs P-Nets (this package, built dist/) on the wasm and cpu backends next to
// PyTorch 1.13 CPU (Debian /usr/bin/python3) running the same nets on the same machine, in one run.
//   npm run bench -w @deepigeos/pnet   (BENCH_REPEATS=n, BENCH_MEMORY=0 to skip the 240×240×155 run)
// tfjs runs one thread in Node; PyTorch is timed at 1 and 2 threads.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { createPNet2D, createPNet3D, initBackend, trainStep } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repeats = Number(process.env.BENCH_REPEATS ?? 3);

// [D, H, W] for 3D, [H, W] for 2D. cpu runs smaller sizes (it is ~30× slower than wasm).
const cases = {
  wasm: [
    { name: '3D P-Net forward', net: '3d', mode: 'forward', shape: [96, 96, 96] },
    { name: '2D P-Net forward', net: '2d', mode: 'forward', shape: [256, 256] },
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
  const model = item.net === '3d' ? createPNet3D({ inputChannels: 1, numClasses: 2 }) : createPNet2D({ inputChannels: 1, numClasses: 2 });
  const x = tf.randomNormal([1, ...item.shape, 1]);
  const y = tf.cast(tf.greater(tf.randomUniform([1, ...item.shape]), 0.5), 'int32');
  const optimizer = tf.train.adam(1e-3);
  const run =
    item.mode === 'forward'
      ? async () => {
          const out = model.predict(x);
          await out.data();
          out.dispose();
        }
      : () => trainStep(model, optimizer, [x, y]);
  await run(); // warm-up
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await run();
    times.push((performance.now() - t0) / 1000);
  }
  model.dispose();
  tf.dispose([x, y]);
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

function timeTorch(threads, items) {
  const spec = items.map(({ name, net, mode, shape }) => ({ name, net, mode, shape }));
  const out = execFileSync('/usr/bin/python3', [join(here, 'torch_bench.py'), String(threads), JSON.stringify(spec), String(repeats)], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const rows = [];
for (const backend of ['wasm', 'cpu']) {
  await initBackend(backend);
  for (const item of cases[backend]) {
    // PyTorch and tfjs back to back per case, so a changing machine load hits both alike.
    const torch1 = timeTorch(1, [item]);
    const t = await timeTfjs(item);
    const torch2 = timeTorch(2, [item]);
    rows.push({ backend, ...item, tfjs: t, torch1: torch1[item.name], torch2: torch2[item.name] });
    const r = rows.at(-1);
    console.log(
      `${backend.padEnd(4)} | ${item.name.padEnd(32)} | ${item.shape.join('×').padEnd(10)} | tfjs ${t.toFixed(3)} s | ` +
        `torch 1t ${r.torch1.toFixed(3)} s (${(t / r.torch1).toFixed(2)}×) | torch 2t ${r.torch2.toFixed(3)} s (${(t / r.torch2).toFixed(2)}×)`,
    );
  }
}

// Peak memory of sliding-window inference on a BraTS-sized volume, in a fresh process.
if (process.env.BENCH_MEMORY !== '0') {
  const child = spawnSync(process.execPath, [join(here, 'predict-volume-memory.mjs')], { encoding: 'utf8' });
  process.stdout.write(child.stdout);
  if (child.status !== 0) process.stderr.write(child.stderr);
}
