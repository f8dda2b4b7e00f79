// The 2-label tabulated CRF-Net inference on the WebAssembly kernels (native/local_window.cpp):
// per image, the pair weights are interpolated from the Pairwise-Net table into the module's
// memory (16-bit, row-blocked, offset-major) and the whole mean field runs there with SIMD.
// Same model and inputs as binaryMeanField over tabulatedWeightMap (tested against it).
import { type GeometryArgs, type KernelExports, outOfMemory, Scratch } from './kernels.js';
import { type PaddedGeometry, padVolume } from './padded.js';
import type { PairwiseTable } from './pairwise-net.js';

/** Inputs of {@link binaryMeanFieldWasm}. */
export interface BinaryMeanFieldWasmSpec {
  geometry: PaddedGeometry;
  batch: number;
  table: PairwiseTable;
  /** Unary logits `[N·V·2]` (labels fastest). */
  unaries: Float32Array;
  /** Compatibility μ `[2, 2]`, row-major. */
  compatibility: Float32Array;
  iterations: number;
  /** Optional clamp per voxel `[N·V]`: −1 free, 0 background seed, 1 foreground seed. */
  seeds?: Int8Array;
  /** Output logits at seeded voxels: ±seedLogit (default: the mean-field logits, as without). */
  seedLogit?: number;
}

/** The last U' of the mean field (`[N·V·2]`, ±seedLogit at seeds), as binaryMeanField returns it. */
export function binaryMeanFieldWasm(k: KernelExports, spec: BinaryMeanFieldWasmSpec): Float32Array {
  const { geometry: g, batch, table, unaries, compatibility, iterations, seeds, seedLogit } = spec;
  const V = g.dhw[0] * g.dhw[1] * g.dhw[2];
  const K = g.delta.length;
  const out = new Float32Array(batch * V * 2);
  const scratch = new Scratch(k);
  try {
    const tablePtr = scratch.put(table.table);
    const deltaPtr = scratch.put(g.delta);
    const muPtr = scratch.put(compatibility);
    const scaledPtr = scratch.alloc(g.paddedVoxels * 4);
    const weightsPtr = scratch.alloc(V * K * 2);
    const unaryPtr = scratch.alloc(V * 8);
    const outPtr = scratch.alloc(V * 8);
    const seedPtr = seeds === undefined ? 0 : scratch.alloc(V);
    const geometry: GeometryArgs = [K, ...g.dhw, ...g.pad];
    for (let n = 0; n < batch; n++) {
      // Views after all allocations: growing the memory detaches older buffers.
      const heap = k.memory.buffer;
      new Float32Array(heap, scaledPtr, g.paddedVoxels).set(padVolume(g, table.scaled, n * V, 1));
      new Float32Array(heap, unaryPtr, 2 * V).set(unaries.subarray(2 * n * V, 2 * (n + 1) * V));
      if (seeds !== undefined) new Int8Array(heap, seedPtr, V).set(seeds.subarray(n * V, (n + 1) * V));
      k.crf_tabulate(scaledPtr, tablePtr, table.bins, deltaPtr, ...geometry, weightsPtr);
      const status = k.crf_binary_mean_field(weightsPtr, deltaPtr, ...geometry, unaryPtr, muPtr, iterations, seedPtr, seedLogit ?? Number.NaN, outPtr);
      if (status !== 0) outOfMemory('crf_lattice_filter'); // reports the exhausted memory
      out.set(new Float32Array(k.memory.buffer, outPtr, 2 * V), 2 * n * V);
    }
    return out;
  } finally {
    scratch.release();
  }
}
