// Permutohedral lattice (Adams, Baek & Davis, Eurographics 2010) in TypeScript over typed arrays:
// the implementation used until (or where) the WebAssembly kernels are not loaded. Points in a
// d-dimensional feature space are lifted onto the hyperplane Σx = 0 of R^(d+1), splatted onto
// the d+1 vertices of their enclosing simplex, blurred with a [1 2 1] kernel along each of the
// d+1 lattice directions (over the splatted vertices and every vertex the blur reaches from
// them), and sliced back. native/lattice.cpp is the same construction (same vertex order).
import { featureScale, gaussianScale, type LatticeData } from './lattice-common.js';

/** Open-addressing hash map from integer keys of length `d` to dense vertex indices. */
class KeyTable {
  keys: Int32Array;
  count = 0;
  private slots: Int32Array;
  private mask: number;

  constructor(
    private readonly d: number,
    expected: number,
  ) {
    let size = 1024;
    while (size < expected * 2) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    this.keys = new Int32Array(Math.max(16, expected) * d);
  }

  private hash(key: Int32Array, at: number): number {
    let h = 0;
    for (let k = 0; k < this.d; k++) h = Math.imul(h ^ key[at + k]!, 0x9e3779b1) + k;
    return (h ^ (h >>> 15)) & this.mask;
  }

  private equals(key: Int32Array, at: number, vertex: number): boolean {
    const base = vertex * this.d;
    for (let k = 0; k < this.d; k++) if (this.keys[base + k] !== key[at + k]) return false;
    return true;
  }

  /** Index of `key[at..at+d)`, inserting it if `insert`; −1 when absent and not inserting. */
  find(key: Int32Array, at: number, insert: boolean): number {
    let slot = this.hash(key, at);
    for (;;) {
      const vertex = this.slots[slot]!;
      if (vertex < 0) break;
      if (this.equals(key, at, vertex)) return vertex;
      slot = (slot + 1) & this.mask;
    }
    if (!insert) return -1;
    if ((this.count + 1) * this.d > this.keys.length) {
      const grown = new Int32Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const vertex = this.count++;
    this.keys.set(key.subarray(at, at + this.d), vertex * this.d);
    this.slots[slot] = vertex;
    if (this.count * 2 > this.slots.length) this.rehash();
    return vertex;
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let v = 0; v < this.count; v++) {
      let slot = this.hash(this.keys, v * this.d);
      while (this.slots[slot]! >= 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = v;
    }
  }
}

/**
 * Builds the lattice data of `n` points with `d` pre-scaled features for `passes` blur passes
 * per lattice direction (inputs already validated).
 */
export function buildLatticeTs(features: Float32Array, n: number, d: number, passes = 1): LatticeData {
  const d1 = d + 1;
  const scale = new Float64Array(d);
  const invStd = Math.sqrt(2 / 3) * d1 * featureScale(passes);
  for (let k = 0; k < d; k++) scale[k] = invStd / Math.sqrt((k + 1) * (k + 2));

  // Start small: the vertex count is usually far below n·(d+1); the table grows by rehashing.
  const table = new KeyTable(d, 1024);
  const vertexOf = new Int32Array(n * d1);
  const weightOf = new Float32Array(n * d1);
  const elevated = new Float64Array(d1);
  const rem0 = new Int32Array(d1);
  const rank = new Int32Array(d1);
  const bary = new Float64Array(d1 + 1);
  const key = new Int32Array(d);

  for (let i = 0; i < n; i++) {
    // Lift onto Σx = 0 with an orthogonal basis whose columns all have norm invStd.
    let tail = 0;
    for (let j = d; j > 0; j--) {
      const cf = features[i * d + j - 1]! * scale[j - 1]!;
      elevated[j] = tail - j * cf;
      tail += cf;
    }
    elevated[0] = tail;
    // Nearest remainder-0 lattice point (all coordinates multiples of d+1).
    let sum = 0;
    for (let j = 0; j < d1; j++) {
      const r = Math.floor(elevated[j]! / d1 + 0.5);
      rem0[j] = r * d1;
      sum += r;
    }
    // Rank of each coordinate's residual, which identifies the enclosing simplex.
    rank.fill(0);
    for (let j = 0; j < d; j++) {
      const dj = elevated[j]! - rem0[j]!;
      for (let k = j + 1; k < d1; k++) {
        if (dj < elevated[k]! - rem0[k]!) rank[j]!++;
        else rank[k]!++;
      }
    }
    // Bring the rounded point back onto the hyperplane.
    for (let j = 0; j < d1; j++) {
      rank[j]! += sum;
      if (rank[j]! < 0) {
        rank[j]! += d1;
        rem0[j]! += d1;
      } else if (rank[j]! > d) {
        rank[j]! -= d1;
        rem0[j]! -= d1;
      }
    }
    bary.fill(0);
    for (let j = 0; j < d1; j++) {
      const v = (elevated[j]! - rem0[j]!) / d1;
      bary[d - rank[j]!]! += v;
      bary[d - rank[j]! + 1]! -= v;
    }
    bary[0]! += 1 + bary[d1]!;
    // Vertex r of the simplex is rem0 plus the canonical offset of remainder r.
    for (let r = 0; r < d1; r++) {
      for (let j = 0; j < d; j++) key[j] = rem0[j]! + (rank[j]! <= d - r ? r : r - d1);
      vertexOf[i * d1 + r] = table.find(key, 0, true);
      weightOf[i * d1 + r] = bary[r]!;
    }
  }

  const probe = new Int32Array(2 * d);
  /** Writes the keys of `v`'s two neighbours along lattice direction `axis` into `probe`. */
  const neighbourKeys = (v: number, axis: number): void => {
    for (let j = 0; j < d; j++) {
      const kv = table.keys[v * d + j]!;
      probe[j] = kv - 1;
      probe[d + j] = kv + 1;
    }
    if (axis < d) {
      probe[axis] = table.keys[v * d + axis]! + d;
      probe[d + axis] = table.keys[v * d + axis]! - d;
    }
  };
  // Close the vertex set under the forward blur: each blur step moves mass one vertex along its
  // direction, and mass that steps onto a vertex no point splatted to must be kept there, or
  // later steps cannot carry it back to the points. Without this the raw sum lost 2–12 % of its
  // mass (most on points near a lower-dimensional manifold, where most neighbours are empty).
  for (let step = 0; step < d1 * passes; step++) {
    const axis = Math.floor(step / passes);
    const reached = table.count;
    for (let v = 0; v < reached; v++) {
      neighbourKeys(v, axis);
      table.find(probe, 0, true);
      table.find(probe, d, true);
    }
  }
  const m = table.count;
  // Neighbours of each vertex along each lattice direction (−1 outside the vertex set).
  const neighbours = new Int32Array(d1 * m * 2);
  for (let axis = 0; axis < d1; axis++) {
    for (let v = 0; v < m; v++) {
      neighbourKeys(v, axis);
      const at = (axis * m + v) * 2;
      neighbours[at] = table.find(probe, 0, false);
      neighbours[at + 1] = table.find(probe, d, false);
    }
  }
  // Missing neighbours point at vertex m, a zero row, so the blur needs no branches.
  for (let j = 0; j < neighbours.length; j++) if (neighbours[j]! < 0) neighbours[j] = m;
  return { n, d, m, passes, vertex: vertexOf, weight: weightOf, neighbours };
}

/** Splat, blur (axes 0..d, or d..0 when `reverse`, each `data.passes` times) and slice `values` (`n × ch`, validated). */
export function filterLatticeTs(data: LatticeData, values: Float32Array, ch: number, reverse: boolean): Float32Array {
  const { n, d, m, passes, vertex, weight, neighbours } = data;
  const d1 = d + 1;
  const outScale = gaussianScale(d, passes);
  // Splat: accumulate each point's values onto its simplex vertices (row m stays zero).
  let grid = new Float32Array((m + 1) * ch);
  for (let i = 0, p = 0; i < n; i++, p += d1) {
    if (ch === 2) {
      const v0 = values[2 * i]!;
      const v1 = values[2 * i + 1]!;
      for (let r = p; r < p + d1; r++) {
        const at = 2 * vertex[r]!;
        grid[at]! += weight[r]! * v0;
        grid[at + 1]! += weight[r]! * v1;
      }
      continue;
    }
    for (let r = p; r < p + d1; r++) {
      const w = weight[r]!;
      const at = vertex[r]! * ch;
      for (let c = 0; c < ch; c++) grid[at + c]! += w * values[i * ch + c]!;
    }
  }
  // One [½ 1 ½] blur per lattice direction.
  let next = new Float32Array(grid.length);
  for (let step = 0; step < d1 * passes; step++) {
    const axis = Math.floor(step / passes);
    const base = (reverse ? d - axis : axis) * m * 2;
    for (let v = 0; v < m; v++) {
      const a = neighbours[base + 2 * v]! * ch;
      const b = neighbours[base + 2 * v + 1]! * ch;
      for (let c = 0, at = v * ch; c < ch; c++, at++) next[at] = grid[at]! + 0.5 * (grid[a + c]! + grid[b + c]!);
    }
    const swap = grid;
    grid = next;
    next = swap;
  }
  // Slice: interpolate the blurred vertices back at each point.
  const out = new Float32Array(n * ch);
  for (let i = 0, p = 0; i < n; i++, p += d1) {
    if (ch === 2) {
      let s0 = 0;
      let s1 = 0;
      for (let r = p; r < p + d1; r++) {
        const at = 2 * vertex[r]!;
        s0 += weight[r]! * grid[at]!;
        s1 += weight[r]! * grid[at + 1]!;
      }
      out[2 * i] = s0 * outScale;
      out[2 * i + 1] = s1 * outScale;
      continue;
    }
    for (let c = 0; c < ch; c++) {
      let sum = 0;
      for (let r = p; r < p + d1; r++) sum += weight[r]! * grid[vertex[r]! * ch + c]!;
      out[i * ch + c] = sum * outScale;
    }
  }
  return out;
}
