import { createRng } from '../../src/rng.js';

/** One synthetic case: a noisy image with look-alike blobs, one of which is the target. */
export interface SyntheticCase {
  image: Float32Array;
  truth: Uint8Array;
  shape: [number, number] | [number, number, number];
}

/** Standard normal sample (Box–Muller). */
function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/**
 * A task P-Net cannot solve alone but a user can: `blobs` ellipses/ellipsoids of equal
 * brightness with random sizes, elongations and in-plane orientations on a noisy background;
 * the target is one of them chosen at random, so the image alone says nothing about which.
 * A click reveals the target, and only the image edges (what a geodesic map follows) reveal
 * its extent: a Euclidean map around a click cannot tell a long thin blob from a round one.
 */
export function blobCase(
  seed: number,
  shape: [number, number] | [number, number, number],
  { blobs = 2, minRadius = 3, maxRadius = 8, noise = 0.08 } = {},
): SyntheticCase {
  const rng = createRng(seed);
  const [D, H, W] = shape.length === 2 ? [1, shape[0], shape[1]] : shape;
  const is3d = shape.length === 3;
  const size = D * H * W;
  const labels = new Int8Array(size).fill(-1);
  const placed: { c: number[]; r: number }[] = [];
  for (let b = 0; b < blobs; b++) {
    for (let attempt = 0; attempt < 200; attempt++) {
      const radii = [is3d ? minRadius + rng() * (maxRadius - minRadius) * 0.5 : 1, minRadius + rng() * (maxRadius - minRadius), 0];
      radii[2] = minRadius + rng() * (maxRadius - minRadius);
      const r = Math.max(...radii.slice(is3d ? 0 : 1));
      const c = [is3d ? r + rng() * (D - 2 * r) : 0, r + 1 + rng() * (H - 2 * r - 2), r + 1 + rng() * (W - 2 * r - 2)];
      if (placed.some((p) => Math.hypot(p.c[0]! - c[0]!, p.c[1]! - c[1]!, p.c[2]! - c[2]!) < p.r + r + 2)) continue;
      const angle = rng() * Math.PI;
      const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
      for (let d = 0; d < D; d++) {
        for (let h = 0; h < H; h++) {
          for (let w = 0; w < W; w++) {
            const u = (h - c[1]!) * cos + (w - c[2]!) * sin;
            const v = -(h - c[1]!) * sin + (w - c[2]!) * cos;
            const z = is3d ? (d - c[0]!) / radii[0]! : 0;
            if (z * z + (u / radii[1]!) ** 2 + (v / radii[2]!) ** 2 <= 1) labels[(d * H + h) * W + w] = b;
          }
        }
      }
      placed.push({ c, r });
      break;
    }
  }
  const target = Math.floor(rng() * placed.length);
  const image = new Float32Array(size);
  const truth = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    image[i] = (labels[i]! >= 0 ? 1 : 0) + noise * gaussian(rng);
    truth[i] = labels[i] === target ? 1 : 0;
  }
  return { image, truth, shape };
}
