// The Node addon writes into tfjs-backend-wasm's heap through internals that package does not
// export. When they do not behave as expected (another tfjs version), every convolution must
// still be right, on tfjs' own kernels, with exactly one warning.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { initBackend } from '../src/backend.js';
import { loadNativeConv } from '../src/native-conv-addon.js';
import { conv2dFast } from '../src/ops/conv2d-fast.js';
import { convolutionImplementation } from '../src/ops/native-conv.js';
import { instantiateSideModule } from '../src/ops/side-module.js';
import { setWasmConvModules, wasmConvFor, wasmConvLoadError, wasmConvModules } from '../src/ops/wasm-conv.js';
import { platform } from '../src/platform.js';
import { nativeExpected, packageDir } from './fixtures.js';
import { maxAbsDiff, randomArray } from './reference.js';

describe.runIf(nativeExpected())('tfjs-backend-wasm internals that changed', () => {
  it('fall back to tfjs kernels with one warning, and the results stay right', async () => {
    platform.nativeConv ??= loadNativeConv();
    await initBackend('wasm');
    const backend = tf.backend() as unknown as { typedArrayFromHeap: (t: tf.Tensor) => Float32Array };
    // A heap view that no longer aliases the tensor, as a changed internal would behave.
    backend.typedArrayFromHeap = (t) => new Float32Array(t.size);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const x = tf.tensor4d(randomArray(2 * 9 * 11 * 3, 1), [2, 9, 11, 3]);
      const filter = tf.tensor4d(randomArray(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
      const first = conv2dFast(x, filter, [2, 1]);
      const second = conv2dFast(x, filter);
      expect(convolutionImplementation()).toBe('tfjs');
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/tfjs-backend-wasm 4\.\d+\.\d+ does not expose the internals.*tfjs' own kernels/);
      // Reference: tfjs' conv2d on the cpu backend.
      const [xs, fs] = [x.dataSync().slice(), filter.dataSync().slice()];
      const [got1, got2] = [first.dataSync().slice(), second.dataSync().slice()];
      await tf.setBackend('cpu');
      const xc = tf.tensor4d(xs, [2, 9, 11, 3]);
      const fc = tf.tensor4d(fs, [3, 3, 3, 4]);
      expect(maxAbsDiff(got1, tf.conv2d(xc, fc, 1, 'same', 'NHWC', [2, 1]).dataSync())).toBeLessThan(1e-5);
      expect(maxAbsDiff(got2, tf.conv2d(xc, fc, 1, 'same').dataSync())).toBeLessThan(1e-5);
    } finally {
      warn.mockRestore();
    }
  });
});

/** (module (func (export "pnet_abi_version") (result i32) i32.const 1)): a module of an older interface. */
const staleModuleBytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x14, 0x01, 0x10,
  ...new TextEncoder().encode('pnet_abi_version'), 0x00, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x01, 0x0b,
]);

describe('the WebAssembly kernels’ interface version', () => {
  const place = { memory: new WebAssembly.Memory({ initial: 1 }), memoryBase: 0, stackTop: 0, malloc: () => 0, free: () => {} };

  it('a module of another version is refused (a stale cached .wasm would misread the arguments), the shipped one accepted', () => {
    expect(() => instantiateSideModule(new WebAssembly.Module(staleModuleBytes), place)).toThrow(/interface version 1, this package needs 5/);
    const shipped = new WebAssembly.Module(readFileSync(join(packageDir, 'wasm', 'pnet-conv.wasm')));
    const memory = new WebAssembly.Memory({ initial: 16 });
    expect(instantiateSideModule(shipped, { memory, memoryBase: 1024, stackTop: 65536, malloc: () => 0, free: () => {} }).pnet_abi_version?.()).toBe(5);
  });
});

describe('Identity on the wasm backend shares the data (tf.clone and tensors saved for gradients)', () => {
  it('a clone has the same values without a copy, outlives its source, and frees the memory with the last reference', async () => {
    await initBackend('wasm');
    const before = tf.memory();
    const x = tf.tensor1d(randomArray(1000, 3));
    const values = x.dataSync().slice();
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    // One buffer for both tensors.
    expect(tf.memory().numDataBuffers - before.numDataBuffers).toBe(1);
    x.dispose();
    expect(maxAbsDiff(y.dataSync(), values)).toBe(0);
    y.dispose();
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    const s = tf.clone(tf.tensor1d(['a', 'b'], 'string'));
    expect(s.dataSync()).toEqual(['a', 'b']);
    s.dispose();
  });
});

describe('a WebAssembly module the backend refuses', () => {
  it('is reported once (a warning and wasmConvLoadError) and the tfjs kernels run', async () => {
    await initBackend('wasm');
    const modules = wasmConvModules()!;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // A fresh backend object stands for a backend the stale module is attached to first.
    const backend = Object.create(Object.getPrototypeOf(tf.backend()), Object.getOwnPropertyDescriptors(tf.backend())) as object;
    try {
      setWasmConvModules({ single: new WebAssembly.Module(staleModuleBytes) });
      expect(wasmConvFor(backend)).toBeUndefined();
      expect(wasmConvFor(backend)).toBeUndefined();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/could not be attached.*interface version 1, this package needs 5.*tfjs' own kernels/);
      expect(String(wasmConvLoadError())).toMatch(/interface version 1/);
    } finally {
      setWasmConvModules(modules);
      warn.mockRestore();
    }
  });
});
