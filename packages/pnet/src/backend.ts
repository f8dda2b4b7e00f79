import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from './errors.js';
import { type ConvolutionChoice, useConvolutions, wasmKernelsChosen } from './ops/native-conv.js';
import { loadWasmConv } from './ops/wasm-conv.js';
import { prepareWasmConv } from './ops/wasm-conv-threads.js';
import { shareIdentityOnWasm } from './ops/wasm-identity.js';
import { platform } from './platform.js';

/** Backend names this helper knows how to rank. Any other registered backend may be named explicitly. */
export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu' | (string & {});

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Where the browser should fetch `tfjs-backend-wasm*.wasm` from (a directory URL ending in `/`,
   * or a map of file names to URLs). Not needed in Node, where the files are read from the package.
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * Browsers only: allow tfjs' multi-threaded wasm build, which it picks on cross-origin-isolated
   * pages. Default false: that build's worker glue breaks when the app is bundled (its workers
   * fail with "ReferenceError: … is not defined" and the backend never finishes initialising;
   * tfjs issue 4107, seen with Vite), and this package keeps one thread per backend anyway.
   * Set it before the wasm backend first initialises.
   */
  wasmThreads?: boolean;
  /**
   * Convolutions on the wasm backend (as {@link useConvolutions}): `'auto'` (the package's kernels:
   * the Node addon, else WebAssembly SIMD), `'wasm-simd'`, or `'tfjs'` (tfjs' own kernels).
   * Unset keeps the current choice.
   */
  convolutions?: ConvolutionChoice;
  /**
   * Threads running the package's convolutions, 1 … 16. In Node the addon (`'native-*'`) splits
   * each large call over a pool of its own threads (output rows for the forward convolution,
   * per-thread partial sums for the filter gradient; calls too small to gain stay on the calling
   * thread); the WebAssembly kernels (`'wasm-simd-threads'`) run on worker threads, copying each
   * layer's inputs to a shared memory and back. Default: Node `DEEPIGEOS_PNET_THREADS`, else
   * the available cores up to 4; browsers the cores up to 4 on cross-origin-isolated pages
   * (SharedArrayBuffer), else 1. `1` keeps every convolution on the calling thread (the
   * WebAssembly kernels on tfjs' heap without copies). Results do not depend on the setting
   * beyond float rounding of the filter gradient's sums (the forward pass is bit-identical).
   */
  convolutionThreads?: number;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * Preference order when no backend is named: in Node the wasm backend (with the package's native
 * convolutions when its addon loads, else XNNPACK; see `convolutionImplementation()`) then
 * cpu; in browsers WebGPU, WebGL (only if the user imported those backends), then wasm, then cpu.
 */
export function defaultBackendOrder(): BackendName[] {
  return isNode ? ['wasm', 'cpu'] : ['webgpu', 'webgl', 'wasm', 'cpu'];
}

/**
 * Selects and initialises the tfjs backend. With a name, that backend is used or a
 * {@link BackendError} is thrown; without one, the first backend of {@link defaultBackendOrder}
 * that is registered and initialises wins. Resolves to the active backend's name.
 *
 * @example
 * ```ts
 * await initBackend();        // 'wasm' in Node (cpu if wasm fails)
 * await initBackend('cpu');   // explicit choice
 * ```
 */
export async function initBackend(name?: BackendName, options: InitBackendOptions = {}): Promise<string> {
  if (options.wasmPaths !== undefined) setWasmPaths(options.wasmPaths as string);
  if (!isNode && options.wasmThreads !== true) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (options.convolutions !== undefined) useConvolutions(options.convolutions);
  await loadWasmConv();
  const ready = async (): Promise<string> => {
    await tf.ready();
    if (tf.getBackend() === 'wasm') shareIdentityOnWasm();
    platform.nativeConv?.setThreads?.(options.convolutionThreads);
    if (tf.getBackend() === 'wasm' && wasmKernelsChosen()) await prepareWasmConv(options.convolutionThreads);
    return tf.getBackend();
  };
  const registered = new Set(Object.keys(tf.engine().registryFactory));
  if (name !== undefined) {
    if (!registered.has(name)) {
      throw new BackendError(
        `initBackend: backend '${name}' is not registered; registered: ${[...registered].join(', ')}. ` +
          `Import its package (e.g. '@tensorflow/tfjs-backend-${name}') first.`,
      );
    }
    if (!(await tf.setBackend(name))) throw new BackendError(`initBackend: backend '${name}' failed to initialise`);
    return ready();
  }
  const failed: string[] = [];
  for (const candidate of defaultBackendOrder()) {
    if (!registered.has(candidate)) continue;
    if (tf.getBackend() === candidate) return ready();
    try {
      if (await tf.setBackend(candidate)) {
        if (candidate === 'cpu' && failed.includes('wasm')) warnCpuFallback();
        return await ready();
      }
    } catch {
      // A backend that fails to initialise (e.g. no WebGL context) falls through to the next one.
    }
    failed.push(candidate);
  }
  throw new BackendError(`initBackend: no backend could be initialised (tried ${defaultBackendOrder().join(', ')})`);
}

let warnedCpuFallback = false;

/**
 * Says once, naming the fix, that the wasm backend failed and the networks run on tfjs' cpu
 * backend (10–20× slower). In a bundled browser page the usual cause is that tfjs cannot find
 * its `.wasm` files, which bundlers do not emit on their own.
 */
function warnCpuFallback(): void {
  if (warnedCpuFallback) return;
  warnedCpuFallback = true;
  const fix = isNode
    ? 'check that @tensorflow/tfjs-backend-wasm is installed next to @tensorflow/tfjs-core (same version)'
    : "pass the URLs of tfjs' .wasm files: initBackend(undefined, { wasmPaths }) — with Vite, import " +
      "'@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url' (and the plain and " +
      "threaded-simd files) and map each file name to its URL; see 'In a browser bundle' in the @deepigeos/pnet README";
  console.warn(`@deepigeos/pnet: the wasm backend failed to initialise, so the networks run on the much slower cpu backend. To fix it, ${fix}.`);
}

/** Name of the tfjs backend currently in use (e.g. `'wasm'`, `'cpu'`, `'webgl'`). */
export function activeBackend(): string {
  return tf.getBackend();
}
