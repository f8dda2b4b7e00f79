// Training throughput of P-Net on this machine (samples/s), 2D and 3D, through the full
// `train-pnet` loop (loading, sampling, augmentation, step, logging) side by side with bare
// `trainStep` calls on a fixed batch of the same shape in the same run (ratio = pipeline cost).
// Usage: npm run build -w @deepigeos/examples && node bench/throughput.mjs [steps]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, trainStep } from '@deepigeos/pnet';
import * as tf from '@tensorflow/tfjs-core';
import { validateConfig } from '../dist/config.js';
import { writeBratsPhantoms } from '../dist/data/phantom.js';
import { TRAIN_PNET_SCHEMA } from '../dist/train/schema.js';
import { createPNet, trainPNet } from '../dist/train/train-pnet.js';

const steps = Number(process.argv[2] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'deepigeos-bench-'));
const backend = await initBackend();
await writeBratsPhantoms(join(dir, 'data'), { cases: 4, seed: 0 });
const quiet = { log: () => {}, stream: { write: () => true, isTTY: false } };
const rows = [];
for (const [dim, patch, channels, batch] of [
  [2, 64, 16, 4],
  [3, 32, 16, 2],
]) {
  const config = validateConfig(
    {
      dim, patch, channels, batch, epochs: 1, stepsPerEpoch: steps, validationSamples: 1,
      data: { images: join(dir, 'data/*/*_flair.nii.gz'), labels: join(dir, 'data/*/*_seg.nii.gz') },
      logDir: join(dir, 'logs'),
    },
    TRAIN_PNET_SCHEMA,
  );
  const loop = await trainPNet(config, { out: join(dir, `run${dim}`), resume: false, ...quiet });
  const model = createPNet(config, 1);
  const shape = [batch, ...new Array(dim).fill(patch)];
  const x = tf.randomNormal([...shape, 1]);
  const y = tf.cast(tf.greater(tf.randomUniform(shape), 0.7), 'int32');
  const optimizer = tf.train.adam(1e-3);
  await trainStep(model, optimizer, [x, y], { loss: 'crossEntropy+dice' }); // warm-up
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await trainStep(model, optimizer, [x, y], { loss: 'crossEntropy+dice' });
  const bare = (steps * batch) / ((performance.now() - t0) / 1000);
  rows.push({ net: `P-Net ${dim}D ${patch}^${dim} ×${batch}, ${channels} ch, ${model.countParams()} params`, loop: loop.samplesPerSecond, bare });
  tf.dispose([x, y]);
  model.dispose();
}
console.log(`backend ${backend}, ${steps} steps each`);
for (const r of rows) {
  console.log(`${r.net}: train-pnet loop ${r.loop.toFixed(2)} samples/s | bare trainStep ${r.bare.toFixed(2)} samples/s | ratio ${(r.loop / r.bare).toFixed(2)}`);
}
rmSync(dir, { recursive: true, force: true });
