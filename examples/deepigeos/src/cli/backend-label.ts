import { convolutionImplementation } from '@deepigeos/pnet';

/**
 * The tfjs backend's name for log lines, plus which of pnet's kernels run the convolutions (e.g.
 * `wasm, native AVX-512 convolutions`, `wasm, WebAssembly SIMD convolutions on threads`), so a
 * user can see at a glance whether a run used the fast path.
 */
export function backendLabel(backend: string): string {
  const kernels = convolutionImplementation();
  if (kernels === 'tfjs') return backend;
  if (kernels === 'wasm-simd' || kernels === 'wasm-simd-threads') {
    return `${backend}, WebAssembly SIMD convolutions${kernels === 'wasm-simd-threads' ? ' on threads' : ''}`;
  }
  return `${backend}, native ${kernels === 'native-avx512' ? 'AVX-512' : 'AVX2'} convolutions`;
}
