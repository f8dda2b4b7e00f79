// The permutohedral lattice on the WebAssembly kernels (native/lattice.cpp). The lattice data is
// built in the module and copied out to typed arrays (the authoritative copy, which the
// TypeScript filter can also run on); a copy stays resident in the module's memory for the
// filters, up to a byte budget, least recently used evicted first (eviction just frees: the
// next filter uploads it again). So no lattice leaks module memory whatever its JS lifetime.
import { featureScale, gaussianScale, type LatticeData } from './lattice-common.js';
import { type KernelExports, outOfMemory, Scratch } from './kernels.js';

/** Default bytes of lattice data kept resident in the module (DenseCrf needs 2 lattices per image). */
const RESIDENT_BUDGET = 384 * 2 ** 20;
let budget = RESIDENT_BUDGET;

/** Sets the resident byte budget (default when omitted); for tests of eviction. @internal */
export function setResidentBudget(bytes = RESIDENT_BUDGET): void {
  budget = bytes;
}

interface Resident {
  vertex: number;
  weight: number;
  neighbours: number;
  bytes: number;
}

let residentOwner: KernelExports | null = null;
// Map iteration order is insertion order: re-inserting on use keeps it least recently used first.
const residents = new Map<LatticeData, Resident>();

function bytesOf(data: LatticeData): number {
  return data.vertex.byteLength + data.weight.byteLength + data.neighbours.byteLength;
}

function release(k: KernelExports, r: Resident): void {
  k.crf_free(r.vertex);
  k.crf_free(r.weight);
  k.crf_free(r.neighbours);
}

/** The resident copy of `data` in `k`'s memory, uploading (and evicting others) if needed. */
function resident(k: KernelExports, data: LatticeData): Resident {
  if (residentOwner !== k) {
    residents.clear(); // allocations of a replaced instance vanished with its memory
    residentOwner = k;
  }
  const hit = residents.get(data);
  if (hit !== undefined) {
    residents.delete(data);
    residents.set(data, hit);
    return hit;
  }
  const bytes = bytesOf(data);
  let total = bytes;
  for (const r of residents.values()) total += r.bytes;
  for (const [key, r] of residents) {
    if (total <= budget) break;
    release(k, r);
    residents.delete(key);
    total -= r.bytes;
  }
  const scratch = new Scratch(k);
  const r = { vertex: scratch.put(data.vertex), weight: scratch.put(data.weight), neighbours: scratch.put(data.neighbours), bytes };
  residents.set(data, r);
  return r;
}

/** Builds the lattice data in the module (same layout and vertex order as buildLatticeTs). */
export function buildLatticeWasm(k: KernelExports, features: Float32Array, n: number, d: number, passes = 1): LatticeData {
  const d1 = d + 1;
  const scratch = new Scratch(k);
  try {
    const f = scratch.put(features);
    const vertex = scratch.alloc(n * d1 * 4);
    const weight = scratch.alloc(n * d1 * 4);
    const block = k.crf_lattice_build(f, n, d, passes, featureScale(passes), vertex, weight);
    if (block === 0) outOfMemory('crf_lattice_build');
    const m = new Int32Array(k.memory.buffer, block, 1)[0]!;
    const data: LatticeData = {
      n,
      d,
      m,
      passes,
      vertex: new Int32Array(k.memory.buffer, vertex, n * d1).slice(),
      weight: scratch.floats(weight, n * d1),
      neighbours: new Int32Array(k.memory.buffer, block + 4, d1 * m * 2).slice(),
    };
    k.crf_free(block);
    return data;
  } finally {
    scratch.release();
  }
}

/** Splat–blur–slice of `values` (`n × ch`, validated) in the module. */
export function filterLatticeWasm(k: KernelExports, data: LatticeData, values: Float32Array, ch: number, reverse: boolean): Float32Array {
  const r = resident(k, data);
  const scratch = new Scratch(k);
  try {
    const input = scratch.put(values);
    const out = scratch.alloc(values.byteLength);
    const status = k.crf_lattice_filter(
      data.n,
      data.d,
      data.m,
      data.passes,
      r.vertex,
      r.weight,
      r.neighbours,
      input,
      ch,
      reverse ? 1 : 0,
      gaussianScale(data.d, data.passes),
      out,
    );
    if (status !== 0) outOfMemory('crf_lattice_filter');
    return scratch.floats(out, values.length);
  } finally {
    scratch.release();
  }
}
