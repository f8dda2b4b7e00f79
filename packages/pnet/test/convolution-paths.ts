// The convolution paths the op tests run: the cpu backend, wasm with the package's kernels as
// Node picks them (the addon where it loads), wasm with the package's WebAssembly SIMD kernels on
// one thread (zero-copy on tfjs' heap) and on two threads (browsers, other platforms,
// DEEPIGEOS_PNET_NATIVE=0), and wasm with tfjs' own kernels (XNNPACK, DEEPIGEOS_PNET_NATIVE=tfjs).
import { afterAll, expect } from 'vitest';
import { initBackend } from '../src/backend.js';
import { convolutionImplementation, useConvolutions } from '../src/ops/native-conv.js';

export type ConvolutionPath = 'cpu' | 'wasm' | 'wasm-simd' | 'wasm-simd-threads' | 'wasm-tfjs';
export const convolutionPaths: readonly ConvolutionPath[] = ['cpu', 'wasm', 'wasm-simd', 'wasm-simd-threads', 'wasm-tfjs'];

/** Switches the backend and the convolutions for `path`; call in every test. */
export async function useConvolutionPath(path: ConvolutionPath): Promise<void> {
  if (path === 'cpu') {
    await initBackend('cpu');
    return;
  }
  const convolutions = path === 'wasm-tfjs' ? 'tfjs' : path.startsWith('wasm-simd') ? 'wasm-simd' : 'auto';
  await initBackend('wasm', { convolutions, convolutionThreads: path === 'wasm-simd-threads' ? 2 : 1 });
  // The WebAssembly kernels ship with the package: they must load everywhere.
  if (path.startsWith('wasm-simd')) expect(convolutionImplementation()).toBe(path);
}

/** Call inside a describe block that switches the convolutions: restores the default for the files' later blocks. */
export function restoreNativeAfterAll(): void {
  afterAll(() => {
    useConvolutions('auto');
  });
}
