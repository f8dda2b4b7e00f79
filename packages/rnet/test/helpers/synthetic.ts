import { euclideanDistanceTransform } from '../../src/edt.js';
import { createRng } from '../../src/rng.js';

/** One synthetic case: a noisy image with look-alike blobs, one of which is the target. */
export interface SyntheticCase {
  image: Float32Array;
  truth: Uint8Array;
  shape: [number, number] | [number, number, number];
}

/** Options of {@link blobCase}. */
export interface BlobTask {
  /** Number of look-alike blobs. Default 2. */
  blobs?: number;
  /** Radius range of each ellipse/ellipsoid semi-axis (in-plane; the depth axis uses half). */
  minRadius?: number;
  maxRadius?: number;
  /** Gaussian noise standard deviation (blobs are 1, background 0). Default 0.08. */
  noise?: number;
  /**
   * When set, every blob after the first lies this close to an earlier one: the distance
   * between the nearest voxels of two blobs is in [2, maxGap] (at least one background voxel).
   */
  maxGap?: number;
}

/** Standard normal sample (Box–Muller). */
function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** Voxels of a randomly sized, elongated and rotated ellipse/ellipsoid. */
function randomBlob(rng: () => number, dims: [number, number, number], is3d: boolean, minR: number, maxR: number): Uint8Array {
  const [D, H, W] = dims;
  const span = maxR - minR;
  const radii = [is3d ? minR * 0.5 + rng() * span * 0.5 : 1, minR + rng() * span, minR + rng() * span];
  const c = [is3d ? rng() * D : 0, rng() * H, rng() * W];
  const angle = rng() * Math.PI;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const out = new Uint8Array(D * H * W);
  for (let d = 0; d < D; d++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        const u = (h - c[1]!) * cos + (w - c[2]!) * sin;
        const v = -(h - c[1]!) * sin + (w - c[2]!) * cos;
        const z = is3d ? (d - c[0]!) / radii[0]! : 0;
        if (z * z + (u / radii[1]!) ** 2 + (v / radii[2]!) ** 2 <= 1) out[(d * H + h) * W + w] = 1;
      }
    }
  }
  return out;
}

/** True when no blob voxel touches the grid border (so blobs are whole). */
function inside(blob: Uint8Array, dims: [number, number, number], is3d: boolean): boolean {
  const [D, H, W] = dims;
  for (let i = 0; i < blob.length; i++) {
    if (!blob[i]) continue;
    const w = i % W;
    const h = Math.floor(i / W) % H;
    const d = Math.floor(i / (W * H));
    if (w === 0 || w === W - 1 || h === 0 || h === H - 1 || (is3d && (d === 0 || d === D - 1))) return false;
  }
  return true;
}

/**
 * A task P-Net cannot solve alone but a user can: `blobs` ellipses/ellipsoids of equal
 * brightness with random sizes, elongations and orientations on a noisy background; the target
 * is one of them chosen at random, so the image alone says nothing about which. A click reveals
 * the target; only the image edges (what a geodesic map follows) reveal its extent — with blobs
 * `maxGap` apart, "bright and near the click" also covers the neighbouring blob.
 */
export function blobCase(seed: number, shape: [number, number] | [number, number, number], task: BlobTask = {}): SyntheticCase {
  const { blobs = 2, minRadius = 3, maxRadius = 8, noise = 0.08, maxGap } = task;
  const rng = createRng(0, seed).next; // the raw mulberry32 stream of `seed`, as these tasks were measured with
  const is3d = shape.length === 3;
  const dims: [number, number, number] = is3d ? [shape[0], shape[1], shape[2]] : [1, shape[0], shape[1]];
  const spacing = is3d ? [1, 1, 1] : [1, 1];
  const size = dims[0] * dims[1] * dims[2];
  const labels = new Int8Array(size).fill(-1);
  const union = new Uint8Array(size);
  let placed = 0;
  for (let attempt = 0; attempt < 2000 && placed < blobs; attempt++) {
    const blob = randomBlob(rng, dims, is3d, minRadius, maxRadius);
    if (!inside(blob, dims, is3d)) continue;
    if (placed > 0) {
      const dist = euclideanDistanceTransform(union, shape, spacing);
      let gap = Number.POSITIVE_INFINITY;
      for (let i = 0; i < size; i++) if (blob[i]) gap = Math.min(gap, dist[i]!);
      if (gap < 2 || (maxGap !== undefined && gap > maxGap)) continue;
    }
    for (let i = 0; i < size; i++) {
      if (!blob[i]) continue;
      labels[i] = placed;
      union[i] = 1;
    }
    placed++;
  }
  const target = Math.floor(rng() * placed);
  const image = new Float32Array(size);
  const truth = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    image[i] = (labels[i]! >= 0 ? 1 : 0) + noise * gaussian(rng);
    truth[i] = labels[i] === target ? 1 : 0;
  }
  return { image, truth, shape };
}
