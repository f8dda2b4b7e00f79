// Synthetic T1-like head phantom for the benchmark: scalp, skull, CSF, folded cortical grey
// matter, white matter and ventricles, with a smooth bias field and Gaussian noise — enough
// structure that geodesics bend as on real MRI. Deterministic.
import { random } from '../test/reference.js';

/** Gaussian noise from a uniform generator (Box–Muller). */
function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** Intensity at normalised head coordinates (x, y, z in about [-1, 1]). */
function tissue(x: number, y: number, z: number): number {
  const r = Math.sqrt(x * x + y * y + z * z);
  if (r > 1) return 2; // air
  if (r > 0.95) return 90; // scalp
  if (r > 0.9) return 20; // skull
  if (r > 0.87) return 35; // CSF
  // Cortical folds: the grey/white boundary radius oscillates with direction.
  const theta = Math.atan2(y, x);
  const phi = Math.acos(Math.max(-1, Math.min(1, z / Math.max(r, 1e-9))));
  const fold = 0.08 * Math.sin(9 * theta) * Math.sin(7 * phi);
  if (r > 0.72 + fold) return 70; // grey matter
  const ventricle = ((x - 0.1) / 0.12) ** 2 + (y / 0.3) ** 2 + (z / 0.15) ** 2;
  const ventricle2 = ((x + 0.1) / 0.12) ** 2 + (y / 0.3) ** 2 + (z / 0.15) ** 2;
  if (ventricle < 1 || ventricle2 < 1) return 35;
  return 110; // white matter
}

/** A [D, H, W] volume (or [H, W] slice when depth = 1) with its central-ball seed mask. */
export function headPhantom(depth: number, height: number, width: number, seedRadius: number) {
  const rand = random(2019);
  const noise = gaussian(rand);
  const image = new Float32Array(depth * height * width);
  const seeds = new Uint8Array(depth * height * width);
  const [cd, ch, cw] = [(depth - 1) / 2, (height - 1) / 2, (width - 1) / 2];
  for (let d = 0; d < depth; d++) {
    const z = depth === 1 ? 0 : (d - cd) / (0.46 * depth);
    for (let h = 0; h < height; h++) {
      const y = (h - ch) / (0.46 * height);
      for (let w = 0; w < width; w++) {
        const x = (w - cw) / (0.46 * width);
        const i = (d * height + h) * width + w;
        const bias = 1 + 0.1 * Math.sin(1.3 * x + 0.7 * y) * Math.cos(0.9 * z);
        image[i] = tissue(x, y, z) * bias + 3 * noise();
        const dist2 = (d - cd) ** 2 + (h - ch) ** 2 + (w - cw) ** 2;
        if (dist2 <= seedRadius * seedRadius) seeds[i] = 1;
      }
    }
  }
  return { image, seeds };
}
