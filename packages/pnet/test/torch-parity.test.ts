import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { StateDictError } from '../src/errors.js';
import { createPNet2D, createPNet3D } from '../src/models/pnet.js';
import { exportTorchStateDict, importTorchStateDict } from '../src/torch/state-dict.js';
import { readSafetensors, writeSafetensors } from '../src/torch/safetensors.js';
import { restoreNativeAfterAll, useConvolutionPath } from './convolution-paths.js';
import { fixtureBytes, hasTorch, packageDir, safetensorsTensor } from './fixtures.js';
import { maxAbs, maxAbsDiff } from './reference.js';

const nets: { name: string; kind: '3d' | '2d-bn'; cIn: number; make: () => tfl.LayersModel }[] = [
  { name: 'pnet3d_c1', kind: '3d', cIn: 1, make: () => createPNet3D({ inputChannels: 1, numClasses: 2 }) },
  { name: 'pnet3d_c4', kind: '3d', cIn: 4, make: () => createPNet3D({ inputChannels: 4, numClasses: 2 }) },
  {
    name: 'pnet2d_bn',
    kind: '2d-bn',
    cIn: 3,
    make: () => createPNet2D({ inputChannels: 3, numClasses: 3, channels: 8, classifierChannels: 16, batchNorm: true }),
  },
];

beforeAll(async () => {
  await initBackend('wasm');
});

describe('PyTorch parity (fixtures from scripts/make-torch-fixtures.py)', () => {
  restoreNativeAfterAll();
  for (const net of nets) {
    // Every convolution path of the wasm backend: the addon (default in Node), the WebAssembly SIMD kernels (browsers) and XNNPACK.
    for (const path of ['wasm', 'wasm-simd', 'wasm-simd-threads', 'wasm-tfjs'] as const) {
    it(`${net.name} on ${path}: imported weights reproduce PyTorch logits to 1e-4`, async () => {
      await useConvolutionPath(path);
      const model = net.make();
      importTorchStateDict(model, fixtureBytes(`${net.name}.weights.safetensors`));
      const io = fixtureBytes(`${net.name}.io.safetensors`);
      const expected = safetensorsTensor(io, 'logits');
      const logits = model.predict(safetensorsTensor(io, 'input')) as tf.Tensor;
      expect(logits.shape).toEqual(expected.shape);
      expect(maxAbsDiff(logits.dataSync(), expected.dataSync())).toBeLessThan(1e-4);
      expect(maxAbs(expected.dataSync())).toBeGreaterThan(0.5); // the comparison is not trivially about zeros
    });
    }

    it(`${net.name}: export reproduces the PyTorch tensors bit for bit`, () => {
      const model = net.make();
      const original = readSafetensors(fixtureBytes(`${net.name}.weights.safetensors`)).tensors;
      importTorchStateDict(model, fixtureBytes(`${net.name}.weights.safetensors`));
      const exported = readSafetensors(exportTorchStateDict(model)).tensors;
      expect([...exported.keys()].sort()).toEqual([...original.keys()].sort());
      for (const [key, t] of original) {
        expect(exported.get(key)!.shape, key).toEqual(t.shape);
        expect(Buffer.from(exported.get(key)!.data.buffer).equals(Buffer.from(t.data.buffer)), key).toBe(true);
      }
    });
  }
});

describe.runIf(hasTorch())('export → PyTorch → import round trip (live /usr/bin/python3)', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pnet-roundtrip-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const net of nets) {
    it(`${net.name}: PyTorch accepts our export (strict), computes our logits, and its state dict imports bit-exactly`, () => {
      const model = net.make(); // fresh random tfjs weights, never seen by PyTorch
      const io = fixtureBytes(`${net.name}.io.safetensors`);
      const input = safetensorsTensor(io, 'input');
      const exported = exportTorchStateDict(model);
      writeFileSync(join(work, 'w.safetensors'), exported);
      writeFileSync(join(work, 'x.safetensors'), writeSafetensors(new Map([['input', { shape: input.shape, data: input.dataSync() as Float32Array }]])));
      execFileSync('/usr/bin/python3', [
        join(packageDir, 'scripts', 'torch-roundtrip.py'),
        net.kind,
        String(net.cIn),
        join(work, 'w.safetensors'),
        join(work, 'x.safetensors'),
        join(work, 'w2.safetensors'),
        join(work, 'y.safetensors'),
      ]);
      const torchLogits = safetensorsTensor(new Uint8Array(readFileSync(join(work, 'y.safetensors'))), 'logits');
      const ours = model.predict(input) as tf.Tensor;
      expect(maxAbsDiff(ours.dataSync(), torchLogits.dataSync())).toBeLessThan(1e-4);
      const back = net.make();
      importTorchStateDict(back, new Uint8Array(readFileSync(join(work, 'w2.safetensors'))));
      model.weights.forEach((w, i) => {
        const a = w.read().dataSync() as Float32Array;
        const b = back.weights[i]!.read().dataSync() as Float32Array;
        expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), w.name).toBe(true);
      });
    });
  }
});

describe('state dict errors', () => {
  let model: tfl.LayersModel;
  beforeAll(() => {
    model = createPNet3D({ inputChannels: 1, numClasses: 2 });
  });
  const tensors = () => readSafetensors(fixtureBytes('pnet3d_c1.weights.safetensors')).tensors;

  it('names a missing key and its expected shape', () => {
    const t = tensors();
    t.delete('block3.4.weight');
    expect(() => importTorchStateDict(model, writeSafetensors(t))).toThrowError(
      /missing key 'block3\.4\.weight' \(expected shape \[16, 16, 3, 3, 1\]\)/,
    );
  });

  it('names an extra key', () => {
    const t = tensors();
    t.set('block7.0.weight', { shape: [1], data: new Float32Array(1) });
    expect(() => importTorchStateDict(model, writeSafetensors(t))).toThrowError(/unexpected key 'block7\.0\.weight'/);
  });

  it('names a mis-shaped key (4-channel weights into a 1-channel net)', () => {
    expect(() => importTorchStateDict(model, fixtureBytes('pnet3d_c4.weights.safetensors'))).toThrowError(
      /key 'block1\.0\.weight' has shape \[16, 4, 3, 3, 3\], expected \[16, 1, 3, 3, 3\]/,
    );
  });

  it('rejects a truncated buffer with a StateDictError', () => {
    expect(() => importTorchStateDict(model, fixtureBytes('pnet3d_c1.weights.safetensors').subarray(0, 100))).toThrowError(
      StateDictError,
    );
  });
});
