// Node: how many threads run the package's convolutions (the Node addon's pool and the
// WebAssembly kernels' worker threads) when the caller does not say: one knob for both.
import { availableParallelism } from 'node:os';

/**
 * `DEEPIGEOS_PNET_THREADS` when it is a positive integer, else the available cores up to 4.
 * @internal
 */
export function defaultConvolutionThreads(setting = process.env.DEEPIGEOS_PNET_THREADS): number {
  const threads = Number(setting);
  return Number.isInteger(threads) && threads >= 1 ? threads : Math.min(4, availableParallelism());
}
