/**
 * Synthetic "brain" phantoms with tumour-like lesions in the BraTS label convention, so every
 * script runs without downloads. Tissue contrasts loosely follow BraTS: oedema is bright in FLAIR
 * and T2, the enhancing rim is bright in T1ce, the necrotic core is dark in T1.
 * @module
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { niftiFromVolume, writeNifti } from '@deepigeos/io-nifti';
import { createRng, type Rng } from '../rng.js';
import { voxelCount } from './volume.js';

/** BraTS modality names, in the order BraTS files list them. */
export const BRATS_MODALITIES = ['flair', 't1', 't1ce', 't2'] as const;
/** One BraTS modality name. */
export type BratsModality = (typeof BRATS_MODALITIES)[number];

/** Options of {@link generatePhantom}. */
export interface PhantomOptions {
  /** Volume shape `[D, H, W]`; default `[32, 64, 64]`. */
  shape?: [number, number, number];
  /** Voxel spacing `[sz, sy, sx]` in mm; default `[2, 1.5, 1.5]`. */
  spacing?: [number, number, number];
  /** Random seed; equal seeds give identical phantoms. */
  seed?: number;
  /** Standard deviation of additive Gaussian noise relative to white matter; default 0.04. */
  noise?: number;
  /** Strength of the smooth multiplicative bias field (std of its log coefficients); default 0.15. */
  biasField?: number;
  /**
   * Maximum number of lesion look-alikes: small oedema-bright blobs that are not tumour (label 0),
   * like the white-matter hyperintensities that make FLAIR segmentation hard; default 3.
   */
  distractors?: number;
}

/** A generated phantom: four modalities and a BraTS label map (0, 1 necrosis, 2 oedema, 4 enhancing). */
export interface Phantom {
  /** `[D, H, W]`. */
  shape: [number, number, number];
  /** `[sz, sy, sx]` in mm. */
  spacing: [number, number, number];
  /** 4×4 voxel-to-world affine in NIfTI (i = x = W, j = y = H, k = z = D) order. */
  affine: number[][];
  /** Intensities per modality (0 outside the brain, as in skull-stripped BraTS). */
  modalities: Record<BratsModality, Float32Array>;
  /** BraTS labels. */
  seg: Uint8Array;
}

// Mean intensity per modality of the tissue classes gm, wm, csf, oedema, necrosis, enhancing
// (class 6, lesion look-alikes, borrows the oedema contrast).
const CONTRAST: Record<BratsModality, number[]> = {
  flair: [550, 450, 100, 950, 500, 800],
  t1: [450, 650, 150, 400, 200, 500],
  t1ce: [450, 650, 150, 400, 200, 1000],
  t2: [600, 450, 1000, 900, 850, 700],
};

interface Blob {
  c: [number, number, number];
  r: [number, number, number];
}

/** Normalised ellipsoid distance of point p to the nearest of the blobs (< 1 = inside). */
function blobDistance(blobs: Blob[], z: number, y: number, x: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (const { c, r } of blobs) {
    const dz = (z - c[0]) / r[0];
    const dy = (y - c[1]) / r[1];
    const dx = (x - c[2]) / r[2];
    best = Math.min(best, Math.sqrt(dz * dz + dy * dy + dx * dx));
  }
  return best;
}

/** A lobulated lesion: 2–4 overlapping ellipsoids around a centre inside the brain. */
function randomLesion(rng: Rng, brainC: number[], brainR: number[]): Blob[] {
  const centre = brainC.map((c, a) => c + rng.uniform(-0.4, 0.4) * brainR[a]!);
  const size = rng.uniform(0.22, 0.38);
  const blobs: Blob[] = [];
  const n = 2 + rng.int(3);
  for (let k = 0; k < n; k++) {
    blobs.push({
      c: centre.map((c, a) => c + rng.uniform(-0.12, 0.12) * brainR[a]!) as [number, number, number],
      r: brainR.map((r) => r * size * rng.uniform(0.6, 1.0)) as [number, number, number],
    });
  }
  return blobs;
}

/** Smooth multiplicative field exp(quadratic polynomial) over normalised coordinates. */
function biasFieldAt(coef: number[], z: number, y: number, x: number): number {
  const t = [1, z, y, x, z * z, y * y, x * x, z * y, z * x, y * x];
  let s = 0;
  for (let i = 1; i < t.length; i++) s += coef[i]! * t[i]!;
  return Math.exp(s);
}

/**
 * Generates one phantom. Deterministic in `seed`.
 * @example
 * const p = generatePhantom({ seed: 1 });
 * p.modalities.flair.length === 32 * 64 * 64;
 */
export function generatePhantom(options: PhantomOptions = {}): Phantom {
  const shape = options.shape ?? [32, 64, 64];
  const spacing = options.spacing ?? [2, 1.5, 1.5];
  const rng = createRng(options.seed ?? 0);
  const noise = options.noise ?? 0.04;
  const biasStd = options.biasField ?? 0.15;
  const [D, H, W] = shape;
  const n = voxelCount(shape);
  const brainC = [(D - 1) / 2, (H - 1) / 2, (W - 1) / 2];
  const brainR = [D * 0.44, H * 0.42, W * 0.36].map((r) => r * rng.uniform(0.9, 1.05));
  const ventricles: Blob[] = [-1, 1].map((side) => ({
    c: [brainC[0]!, brainC[1]! - 0.05 * H, brainC[2]! + side * 0.07 * W],
    r: [brainR[0]! * 0.3, brainR[1]! * 0.3, brainR[2]! * 0.1],
  }));
  const lesion = randomLesion(rng, brainC, brainR);
  const mimics: Blob[] = Array.from({ length: rng.int((options.distractors ?? 3) + 1) }, () => ({
    c: brainC.map((c, a) => c + rng.uniform(-0.6, 0.6) * brainR[a]!) as [number, number, number],
    r: brainR.map((r) => r * rng.uniform(0.08, 0.16)) as [number, number, number],
  }));
  // Lesion contrast varies between cases, as it does between patients and scanners.
  const lesionGain = rng.uniform(0.75, 1.05);
  const coef = Array.from({ length: 10 }, () => rng.normal() * biasStd);

  const seg = new Uint8Array(n);
  const tissue = new Int8Array(n).fill(-1);
  for (let z = 0, i = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++, i++) {
        const b = blobDistance([{ c: brainC as [number, number, number], r: brainR as [number, number, number] }], z, y, x);
        if (b >= 1) continue;
        const e = blobDistance(lesion, z, y, x);
        if (e < 0.4) {
          seg[i] = 1;
          tissue[i] = 4;
        } else if (e < 0.6) {
          seg[i] = 4;
          tissue[i] = 5;
        } else if (e < 1) {
          seg[i] = 2;
          tissue[i] = 3;
        } else if (mimics.length && blobDistance(mimics, z, y, x) < 1) tissue[i] = 6;
        else if (blobDistance(ventricles, z, y, x) < 1) tissue[i] = 2;
        else tissue[i] = b < 0.75 ? 1 : 0;
      }
    }
  }

  const modalities = {} as Record<BratsModality, Float32Array>;
  for (const m of BRATS_MODALITIES) {
    const out = new Float32Array(n);
    const means = CONTRAST[m];
    for (let z = 0, i = 0; z < D; z++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++, i++) {
          const t = tissue[i]!;
          if (t < 0) continue;
          const bias = biasFieldAt(coef, z / D - 0.5, y / H - 0.5, x / W - 0.5);
          // Keep brain voxels strictly positive so "non-zero" still means "inside the brain".
          const mean = t === 6 ? means[3]! * 0.95 : t >= 3 ? means[t]! * lesionGain + means[0]! * (1 - lesionGain) : means[t]!;
          out[i] = Math.max(1, mean * bias + rng.normal() * noise * 650);
        }
      }
    }
    modalities[m] = out;
  }
  const affine = [
    [spacing[2], 0, 0, -((W - 1) / 2) * spacing[2]],
    [0, spacing[1], 0, -((H - 1) / 2) * spacing[1]],
    [0, 0, spacing[0], -((D - 1) / 2) * spacing[0]],
    [0, 0, 0, 1],
  ];
  return { shape: [D, H, W], spacing: [spacing[0], spacing[1], spacing[2]], affine, modalities, seg };
}

/** Options of {@link writeBratsPhantoms}. */
export interface WritePhantomsOptions extends Omit<PhantomOptions, 'seed'> {
  /** Number of cases; default 8. */
  cases?: number;
  /** Seed of the first case (case k uses seed + k); default 0. */
  seed?: number;
  /** Case name prefix; default `Phantom`. */
  prefix?: string;
}

/**
 * Writes phantoms in the BraTS 2021 layout: `<dir>/<case>/<case>_{flair,t1,t1ce,t2,seg}.nii.gz`
 * (float32 images, uint8 labels, the phantom's affine in sform and qform). Returns the case names.
 */
export async function writeBratsPhantoms(dir: string, options: WritePhantomsOptions = {}): Promise<string[]> {
  const { cases = 8, seed = 0, prefix = 'Phantom', ...rest } = options;
  const names: string[] = [];
  for (let k = 0; k < cases; k++) {
    const name = `${prefix}_${String(k + 1).padStart(3, '0')}`;
    const p = generatePhantom({ ...rest, seed: seed + k });
    const caseDir = join(dir, name);
    mkdirSync(caseDir, { recursive: true });
    const base = { shape: p.shape, spacing: p.spacing, affine: p.affine };
    for (const m of BRATS_MODALITIES) await writeNifti(join(caseDir, `${name}_${m}.nii.gz`), niftiFromVolume({ ...base, data: p.modalities[m] }));
    await writeNifti(join(caseDir, `${name}_seg.nii.gz`), niftiFromVolume({ ...base, data: p.seg }));
    names.push(name);
  }
  return names;
}
