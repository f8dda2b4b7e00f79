// Runs in Chromium (bundled by scripts/browser-test.mjs): the same nets with the same PyTorch
// weights on the wasm backend (the package's WebAssembly SIMD convolutions) and on WebGL
// (software-rendered by SwiftShader here), logits compared.
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { convolutionImplementation, createPNet3D, importTorchStateDict, initBackend, readSafetensors } from '@deepigeos/pnet';
import { wasmPaths } from './browser-wasm-paths.js';

/** The committed fixtures: 3D P-Net (1 channel) and R-Net (image + 3 channels). */
const nets: Record<string, () => tfl.LayersModel> = {
  pnet3d_c1: () => createPNet3D({ inputChannels: 1, numClasses: 2 }),
  pnet3d_c4: () => createPNet3D({ inputChannels: 4, numClasses: 2 }),
};

async function fetchBytes(url: URL): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

async function logits(name: string, backend: string): Promise<{ values: Float32Array; implementation: string }> {
  await initBackend(backend, { wasmPaths });
  const model = nets[name]!();
  importTorchStateDict(model, await fetchBytes(new URL(`./fixtures/${name}.weights.safetensors`, import.meta.url)));
  const t = readSafetensors(await fetchBytes(new URL(`./fixtures/${name}.io.safetensors`, import.meta.url))).tensors.get('input')!;
  const input = tf.tensor(t.data, t.shape);
  const out = model.predict(input) as tf.Tensor;
  const values = (await out.data()) as Float32Array;
  const implementation = convolutionImplementation();
  tf.dispose([input, out]);
  model.dispose();
  return { values, implementation };
}

export default async function run() {
  const results: Record<string, { maxDiff: number; maxAbs: number; wasm: string; webgl: string; backend: string }> = {};
  for (const name of Object.keys(nets)) {
    const wasm = await logits(name, 'wasm');
    const webgl = await logits(name, 'webgl');
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < wasm.values.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(wasm.values[i]! - webgl.values[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(wasm.values[i]!));
    }
    results[name] = { maxDiff, maxAbs, wasm: wasm.implementation, webgl: webgl.implementation, backend: tf.getBackend() };
  }
  return results;
}
