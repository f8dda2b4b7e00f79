// Before/after comparison of two builds of this package on the wasm backend, alternating per case
// in fresh processes (median of 3 after a warm-up, wall and CPU seconds):
//   node bench/compare-builds.mjs <dist before> <dist after>   (BENCH_ONLY=substring: some cases)
// e.g. a build of an older revision: git archive <rev> packages/pnet | tar -x -C /tmp/old, then
// tsc -p tsconfig.build.json there with node_modules linked to this checkout's.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CASES = {
  '3D P-Net forward 96³': { net: '3d', shape: [96, 96, 96], mode: 'forward' },
  '2D P-Net forward 256²': { net: '2d', shape: [256, 256], mode: 'forward' },
  '3D P-Net predictVolume 96³ (patch 32×96×96)': { net: '3d', shape: [96, 96, 96], mode: 'volume' },
  '3D P-Net train step 48³': { net: '3d', shape: [48, 48, 48], mode: 'train' },
  '2D P-Net train step 256²': { net: '2d', shape: [256, 256], mode: 'train' },
};

async function runCase(dist, name) {
  const tf = await import('@tensorflow/tfjs-core');
  const pnet = await import(`${resolve(dist)}/index.js`);
  await pnet.initBackend('wasm');
  const c = CASES[name];
  const model = c.net === '3d' ? pnet.createPNet3D({ inputChannels: 1, numClasses: 2 }) : pnet.createPNet2D({ inputChannels: 1, numClasses: 2 });
  const x = tf.randomNormal([1, ...c.shape, 1]);
  const y = tf.cast(tf.greater(tf.randomUniform([1, ...c.shape]), 0.5), 'int32');
  const optimizer = tf.train.adam(1e-3);
  const data = x.dataSync();
  const run = {
    forward: async () => {
      const out = model.predict(x);
      await out.data();
      out.dispose();
    },
    train: () => pnet.trainStep(model, optimizer, [x, y]),
    volume: () => pnet.predictVolume(model, { data, shape: [...c.shape, 1] }, { patchSize: [32, ...c.shape.slice(1)] }),
  }[c.mode];
  await run();
  const times = [];
  for (let i = 0; i < 3; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    const cpu = process.cpuUsage(c0);
    times.push([(performance.now() - t0) / 1000, (cpu.user + cpu.system) / 1e6]);
  }
  return times.sort((a, b) => a[1] - b[1])[1];
}

const [before, after, child] = process.argv.slice(2);
if (child !== undefined) {
  console.log(JSON.stringify(await runCase(before, child)));
} else {
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const self = fileURLToPath(import.meta.url);
  const measure = (dist, name) => JSON.parse(execFileSync(process.execPath, [self, dist, '-', name], { encoding: 'utf8' }).trim().split('\n').pop());
  console.log(`load average at start: ${load()}`);
  for (const name of Object.keys(CASES).filter((n) => n.includes(process.env.BENCH_ONLY ?? ''))) {
    const [bw, bc] = measure(before, name);
    const [aw, ac] = measure(after, name);
    console.log(`${name}: before ${bw.toFixed(2)} s (cpu ${bc.toFixed(2)}) → after ${aw.toFixed(2)} s (cpu ${ac.toFixed(2)}), ${(bc / ac).toFixed(2)}× | load ${load()}`);
  }
}
