// Permutohedral lattice (Adams, Baek & Davis, Eurographics 2010) over typed arrays.
// Points in a d-dimensional feature space are lifted onto the hyperplane Σx = 0 of R^(d+1),
// splatted onto the d+1 vertices of their enclosing simplex, blurred with a [1 2 1] kernel
// along each of the d+1 lattice directions (over the splatted vertices and every vertex the blur
// reaches from them), and sliced back. The result approximates the
// Gaussian sum Σ_j exp(-½‖f_i - f_j‖²) v_j in time linear in the number of points.
import { ArgumentError, ShapeError, requireFinite, requireInteger } from './errors.js';

/** Options of {@link Lattice.filter}. */
export interface FilterOptions {
  /**
   * Apply the adjoint (transpose) of the filter: the blur axes in reverse order. Splat and
   * slice are transposes of each other and each axis blur is symmetric, so this is exact.
   * Because the vertex set is closed under the blur, the axis blurs commute and both orders
   * agree to float rounding; `reverse` keeps the adjoint exact by construction.
   */
  reverse?: boolean;
}

/** A permutohedral lattice built once for a fixed set of points; filter any number of signals. */
export interface Lattice {
  /** Number of points. */
  readonly n: number;
  /** Feature dimension per point. */
  readonly d: number;
  /** Number of lattice vertices: those points splatted to, plus those the blur reaches from them. */
  readonly vertexCount: number;
  /**
   * Unnormalised Gaussian filtering Σ_j exp(-½‖f_i - f_j‖²) v_j as the lattice approximates it.
   * @param values - `n × channels` values, point-major (channels fastest)
   * @param channels - values per point
   * @returns a new `n × channels` array
   */
  filter(values: Float32Array, channels: number, options?: FilterOptions): Float32Array;
}

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
 * Constant that turns the lattice's splat–blur–slice into the Gaussian sum. Each axis blur
 * multiplies mass by 2 (weights ½,1,½), so mass grows by 2^(d+1); one lattice vertex owns a
 * feature-space volume of (3/2)^(d/2)/√(d+1) with the elevation scale √(2/3)(d+1); the unit
 * Gaussian integrates to (2π)^(d/2).
 */
function gaussianScale(d: number): number {
  return ((2 * Math.PI) ** (d / 2) * Math.sqrt(d + 1)) / (2 ** (d + 1) * 1.5 ** (d / 2));
}

/**
 * Builds a permutohedral lattice over `n` points with `d` features each. Features must already
 * be scaled by the caller (divide positions by θ_α, intensities by θ_β, ...), so the filter is a
 * unit-variance Gaussian in feature space.
 * @param features - `n × d` values, point-major
 * @throws {@link ShapeError} if `features.length !== n * d`
 * @throws {@link ArgumentError} if `n`/`d` are not positive integers or a feature is not finite
 */
export function createLattice(features: Float32Array, n: number, d: number): Lattice {
  requireInteger('createLattice: n', n, 1);
  requireInteger('createLattice: d', d, 1);
  if (!(features instanceof Float32Array)) throw new ArgumentError('createLattice: features must be a Float32Array');
  if (features.length !== n * d) {
    throw new ShapeError(`createLattice: features has length ${features.length}, expected n*d = ${n * d}`);
  }
  requireFinite('createLattice: features', features);

  const d1 = d + 1;
  const scale = new Float64Array(d);
  const invStd = Math.sqrt(2 / 3) * d1;
  for (let k = 0; k < d; k++) scale[k] = invStd / Math.sqrt((k + 1) * (k + 2));

  // Start small: the vertex count is usually far below n·(d+1); the table grows by rehashing.
  const table = new KeyTable(d, 1024);
  const vertexOf = new Int32Array(n * d1);
  const weightOf = new Float32Array(n * d1);
  const sliceWeight = new Float32Array(n * d1);
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
  for (let axis = 0; axis < d1; axis++) {
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
  const outScale = gaussianScale(d);
  for (let j = 0; j < n * d1; j++) sliceWeight[j] = weightOf[j]! * outScale;
  // Missing neighbours point at vertex m, a zero row, so the blur needs no branches.
  for (let j = 0; j < neighbours.length; j++) if (neighbours[j]! < 0) neighbours[j] = m;

  /** Splat: accumulate each point's values onto its simplex vertices (row m stays zero). */
  const splat = (values: Float32Array, ch: number): Float32Array => {
    const grid = new Float32Array((m + 1) * ch);
    for (let i = 0, p = 0; i < n; i++, p += d1) {
      if (ch === 2) {
        const v0 = values[2 * i]!;
        const v1 = values[2 * i + 1]!;
        for (let r = p; r < p + d1; r++) {
          const at = 2 * vertexOf[r]!;
          grid[at]! += weightOf[r]! * v0;
          grid[at + 1]! += weightOf[r]! * v1;
        }
        continue;
      }
      for (let r = p; r < p + d1; r++) {
        const w = weightOf[r]!;
        const at = vertexOf[r]! * ch;
        for (let c = 0; c < ch; c++) grid[at + c]! += w * values[i * ch + c]!;
      }
    }
    return grid;
  };
  /** One [½ 1 ½] blur along lattice direction `axis`. */
  const blurAxis = (grid: Float32Array, next: Float32Array, axis: number, ch: number): void => {
    const base = axis * m * 2;
    for (let v = 0; v < m; v++) {
      const a = neighbours[base + 2 * v]! * ch;
      const b = neighbours[base + 2 * v + 1]! * ch;
      for (let c = 0, at = v * ch; c < ch; c++, at++) next[at] = grid[at]! + 0.5 * (grid[a + c]! + grid[b + c]!);
    }
  };
  /** Slice: interpolate the blurred vertices back at each point (weights pre-scaled). */
  const slice = (grid: Float32Array, ch: number): Float32Array => {
    const out = new Float32Array(n * ch);
    for (let i = 0, p = 0; i < n; i++, p += d1) {
      if (ch === 2) {
        let s0 = 0;
        let s1 = 0;
        for (let r = p; r < p + d1; r++) {
          const at = 2 * vertexOf[r]!;
          s0 += sliceWeight[r]! * grid[at]!;
          s1 += sliceWeight[r]! * grid[at + 1]!;
        }
        out[2 * i] = s0;
        out[2 * i + 1] = s1;
        continue;
      }
      for (let c = 0; c < ch; c++) {
        let sum = 0;
        for (let r = p; r < p + d1; r++) sum += sliceWeight[r]! * grid[vertexOf[r]! * ch + c]!;
        out[i * ch + c] = sum;
      }
    }
    return out;
  };

  return {
    n,
    d,
    vertexCount: m,
    filter(values: Float32Array, channels: number, options?: FilterOptions): Float32Array {
      requireInteger('filter: channels', channels, 1);
      if (!(values instanceof Float32Array) || values.length !== n * channels) {
        throw new ShapeError(
          `filter: values must be a Float32Array of length n*channels = ${n * channels}, got ${values?.length}`,
        );
      }
      const reverse = options?.reverse === true;
      let grid: Float32Array = splat(values, channels);
      let next: Float32Array = new Float32Array(grid.length);
      for (let step = 0; step < d1; step++) {
        blurAxis(grid, next, reverse ? d - step : step, channels);
        const swap = grid;
        grid = next;
        next = swap;
      }
      return slice(grid, channels);
    },
  };
}
