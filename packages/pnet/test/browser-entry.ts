// Runs in Chromium (bundled by scripts/browser-test.mjs): backend choice, PyTorch parity, a few
// training steps and an IndexedDB checkpoint round trip, all through the built package.
import * as tf from '@tensorflow/tfjs-core';
// The built package through its exports, as users' bundlers see it (the `browser` condition;
// run `npm run build` first, browser.test.ts does).
import {
  activeBackend,
  convolutionImplementation,
  createPNet3D,
  importTorchStateDict,
  initBackend,
  loadCheckpoint,
  loadTrainingCheckpoint,
  readSafetensors,
  saveCheckpoint,
  trainStep,
  useConvolutions,
} from '@deepigeos/pnet';
import { wasmPaths } from './browser-wasm-paths.js';


async function fetchBytes(url: URL): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

function tensorFrom(bytes: Uint8Array, key: string): tf.Tensor {
  const t = readSafetensors(bytes).tensors.get(key)!;
  return tf.tensor(t.data, t.shape);
}

export default async function run() {
  // Literal URLs so the bundler emits the wasm files next to the bundle.
  const backend = await initBackend(undefined, { wasmPaths });

  // PyTorch parity on both convolution paths of the browser: the package's WebAssembly SIMD
  // kernels (the default) and tfjs' own kernels.
  const defaultImplementation = convolutionImplementation();
  const parity: Record<string, { implementation: string; maxDiff: number; forwardMs: number }> = {};
  for (const choice of ['auto', 'tfjs'] as const) {
    useConvolutions(choice);
    for (const net of ['pnet3d_c1', 'pnet3d_c4']) {
      const model = createPNet3D({ inputChannels: net === 'pnet3d_c1' ? 1 : 4, numClasses: 2 });
      importTorchStateDict(model, await fetchBytes(new URL(`./fixtures/${net}.weights.safetensors`, import.meta.url)));
      const io = await fetchBytes(new URL(`./fixtures/${net}.io.safetensors`, import.meta.url));
      const t0 = performance.now();
      const logits = (model.predict(tensorFrom(io, 'input')) as tf.Tensor).dataSync();
      const forwardMs = performance.now() - t0;
      const expected = tensorFrom(io, 'logits').dataSync();
      let maxDiff = 0;
      for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(logits[i]! - expected[i]!));
      parity[`${net} ${choice}`] = { implementation: convolutionImplementation(), maxDiff, forwardMs };
    }
  }
  useConvolutions('auto');

  // Training: repeated steps on one batch must lower the loss.
  const small = createPNet3D({ inputChannels: 1, numClasses: 2, channels: 4, dropout: 0 });
  const x = tf.randomNormal([1, 6, 8, 8, 1]);
  const y = tf.reshape(tf.cast(tf.greater(x, 0), 'int32'), [1, 6, 8, 8]);
  const optimizer = tf.train.adam(0.02);
  const losses: number[] = [];
  for (let i = 0; i < 25; i++) losses.push(await trainStep(small, optimizer, [x, y]));

  await saveCheckpoint(small, 'indexeddb://pnet-browser-test', { optimizer });
  const loaded = await loadCheckpoint('indexeddb://pnet-browser-test');
  const a = (small.predict(x) as tf.Tensor).dataSync();
  const b = (loaded.predict(x) as tf.Tensor).dataSync();
  let checkpointMaxDiff = 0;
  for (let i = 0; i < a.length; i++) checkpointMaxDiff = Math.max(checkpointMaxDiff, Math.abs(a[i]! - b[i]!));
  // The optimizer state came back: one more step on the original and on the resumed pair agree.
  const resumed = await loadTrainingCheckpoint('indexeddb://pnet-browser-test');
  const lossA = await trainStep(small, optimizer, [x, y]);
  const lossB = await trainStep(resumed.model, resumed.optimizer!, [x, y]);
  const wa = small.getWeights()[0]!.dataSync();
  const wb = resumed.model.getWeights()[0]!.dataSync();
  let resumeMaxDiff = Math.abs(lossA - lossB);
  for (let i = 0; i < wa.length; i++) resumeMaxDiff = Math.max(resumeMaxDiff, Math.abs(wa[i]! - wb[i]!));

  return {
    backend,
    active: activeBackend(),
    defaultImplementation,
    parity,
    firstLoss: losses[0]!,
    lastLoss: losses[losses.length - 1]!,
    checkpointMaxDiff,
    resumeMaxDiff,
    optimizerClass: resumed.optimizer?.getClassName(),
    userAgent: navigator.userAgent,
  };
}
