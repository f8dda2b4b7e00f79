// Runs in Chromium on a cross-origin-isolated page (bundled by scripts/browser-test.mjs): the
// WebAssembly kernels start their Web Worker threads, reproduce PyTorch's logits on them, and a
// training step on two threads equals the step on one.
import * as tf from '@tensorflow/tfjs-core';
import { convolutionImplementation, createPNet3D, importTorchStateDict, initBackend, readSafetensors, trainStep } from '@deepigeos/pnet';
import { wasmPaths } from './browser-wasm-paths.js';

async function fetchBytes(url: URL): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

function tensorFrom(bytes: Uint8Array, key: string): tf.Tensor {
  const t = readSafetensors(bytes).tensors.get(key)!;
  return tf.tensor(t.data, t.shape);
}

export default async function run() {
  await initBackend('wasm', { wasmPaths });
  const implementation = convolutionImplementation();
  const parity: Record<string, number> = {};
  for (const [net, channels] of [
    ['pnet3d_c1', 1],
    ['pnet3d_c4', 4],
  ] as const) {
    const model = createPNet3D({ inputChannels: channels, numClasses: 2 });
    importTorchStateDict(model, await fetchBytes(new URL(`./fixtures/${net}.weights.safetensors`, import.meta.url)));
    const io = await fetchBytes(new URL(`./fixtures/${net}.io.safetensors`, import.meta.url));
    const logits = (model.predict(tensorFrom(io, 'input')) as tf.Tensor).dataSync();
    const expected = tensorFrom(io, 'logits').dataSync();
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(logits[i]! - expected[i]!));
    parity[net] = maxDiff;
  }

  // One SGD step from the same weights on 2 threads and on 1: the updated weights agree.
  const model = createPNet3D({ inputChannels: 1, numClasses: 2, dropout: 0 });
  const start = model.getWeights().map((w) => tf.clone(w));
  const x = tf.randomNormal([1, 8, 12, 12, 1], 0, 1, 'float32', 7);
  const y = tf.reshape(tf.cast(tf.greater(x, 0), 'int32'), [1, 8, 12, 12]);
  const step = async (threads: number) => {
    await initBackend('wasm', { convolutionThreads: threads });
    model.setWeights(start);
    const kind = convolutionImplementation();
    const loss = await trainStep(model, tf.train.sgd(0.1), [x, y]);
    return { kind, loss, weights: model.getWeights().map((w) => w.dataSync().slice()) };
  };
  const two = await step(2);
  const one = await step(1);
  let stepMaxDiff = Math.abs(two.loss - one.loss);
  two.weights.forEach((w, i) => {
    for (let j = 0; j < w.length; j++) stepMaxDiff = Math.max(stepMaxDiff, Math.abs(w[j]! - one.weights[i]![j]!));
  });
  return { crossOriginIsolated: globalThis.crossOriginIsolated, implementation, parity, stepKinds: [two.kind, one.kind], stepMaxDiff };
}
