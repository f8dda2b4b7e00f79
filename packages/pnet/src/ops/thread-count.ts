/** Most threads the package's convolutions use (the addon's and the WebAssembly kernels' limit). */
export const MAX_CONVOLUTION_THREADS = 16;

/**
 * A requested number of convolution threads as a usable count: whole, 1 … 16; anything not a
 * finite number of at least 1 is 1. @internal
 */
export function convolutionThreadCount(requested: number): number {
  return Number.isFinite(requested) ? Math.max(1, Math.min(MAX_CONVOLUTION_THREADS, Math.floor(requested))) : 1;
}
