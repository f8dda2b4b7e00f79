import { convolutionImplementation } from '@deepigeos/pnet';

/**
 * The tfjs backend's name for log lines, plus which kernels run the convolutions when pnet's
 * Node addon is active (e.g. `wasm, native AVX-512 convolutions`), so a user can see at a glance
 * whether a run used the fast path.
 */
export function backendLabel(backend: string): string {
  const kernels = convolutionImplementation();
  if (kernels === 'tfjs') return backend;
  return `${backend}, native ${kernels === 'native-avx512' ? 'AVX-512' : 'AVX2'} convolutions`;
}
