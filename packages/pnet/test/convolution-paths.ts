// The convolution paths the op tests run: the cpu backend, wasm with the native addon (the
// default in Node), and wasm with tfjs' own kernels (XNNPACK), as with DEEPIGEOS_PNET_NATIVE=0.
import { afterAll } from 'vitest';
import { initBackend } from '../src/backend.js';
import { platform } from '../src/platform.js';

export type ConvolutionPath = 'cpu' | 'wasm' | 'wasm-tfjs';
export const convolutionPaths: readonly ConvolutionPath[] = ['cpu', 'wasm', 'wasm-tfjs'];

const loaded = platform.nativeConv;

/** Switches the backend and the native addon on or off for `path`; call in every test. */
export async function useConvolutionPath(path: ConvolutionPath): Promise<void> {
  await initBackend(path === 'cpu' ? 'cpu' : 'wasm');
  platform.nativeConv = path === 'wasm-tfjs' ? undefined : loaded;
}

/** Call inside a describe block that switches the addon off: restores it for the files' later blocks. */
export function restoreNativeAfterAll(): void {
  afterAll(() => {
    platform.nativeConv = loaded;
  });
}
