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
  /**
   * `'simple'` (default): ellipsoidal brain, white matter core, grey rim, two ventricles.
   * `'rich'`: closer to a real MRI — an irregular brain outline, a folded cortical ribbon with
   * sulci, subarachnoid CSF, deep grey nuclei, partial-volume edges and tissue texture.
   */
  anatomy?: 'simple' | 'rich';
  /** With `'rich'` anatomy: add skull and scalp around the brain (an unstripped head: the background is not zero). */
  skull?: boolean;
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

// Rich anatomy only: scalp (fat: bright in T1) and skull (dark everywhere).
const SCALP: Record<BratsModality, number> = { flair: 700, t1: 900, t1ce: 900, t2: 650 };
const BONE: Record<BratsModality, number> = { flair: 60, t1: 80, t1ce: 80, t2: 60 };

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

/** A smooth random field on normalised coordinates: a sum of `n` random plane waves of about `freq` cycles per unit, in [-1, 1]. */
function smoothNoise(rng: Rng, n: number, freq: number): (z: number, y: number, x: number) => number {
  const waves = Array.from({ length: n }, () => {
    const dir = [rng.normal(), rng.normal(), rng.normal()];
    const len = Math.hypot(...dir) || 1;
    const f = freq * rng.uniform(0.7, 1.3) * 2 * Math.PI;
    return { k: dir.map((d) => (d / len) * f), phase: rng.uniform(0, 2 * Math.PI) };
  });
  const norm = Math.sqrt(n / 2);
  return (z, y, x) => {
    let s = 0;
    for (const w of waves) s += Math.cos(w.k[0]! * z + w.k[1]! * y + w.k[2]! * x + w.phase);
    return Math.max(-1, Math.min(1, s / norm / 1.5));
  };
}

/** Separable [1, 2, 1] / 4 blur along every axis (partial-volume edges). */
function blur3(data: Float32Array, shape: readonly number[]): Float32Array {
  let cur = data;
  const [, H, W] = shape as [number, number, number];
  const strides = [H * W, W, 1];
  for (let a = 0; a < 3; a++) {
    const len = shape[a]!;
    const st = strides[a]!;
    const out = new Float32Array(cur.length);
    for (let i = 0; i < cur.length; i++) {
      const q = Math.floor(i / st) % len;
      const lo = q > 0 ? cur[i - st]! : cur[i]!;
      const hi = q < len - 1 ? cur[i + st]! : cur[i]!;
      out[i] = 0.25 * lo + 0.5 * cur[i]! + 0.25 * hi;
    }
    cur = out;
  }
  return cur;
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
  const rich = options.anatomy === 'rich';
  // Rich anatomy: outline bumps, cortical folding, sulci, tissue texture, deep grey nuclei.
  // (Their own generator, so simple phantoms stay identical to earlier releases.)
  const anatomyRng = createRng((options.seed ?? 0) ^ 0x51c0ffee);
  const outline = smoothNoise(anatomyRng, 6, 1.2);
  const folds = smoothNoise(anatomyRng, 10, 4);
  const sulci = smoothNoise(anatomyRng, 10, 3.5);
  const texture = smoothNoise(anatomyRng, 8, 3);
  const nuclei: Blob[] = [-1, 1].flatMap((side) => [
    // caudate head beside the ventricle, putamen lateral to it, thalamus behind
    { c: [brainC[0]!, brainC[1]! - 0.16 * H, brainC[2]! + side * 0.12 * W], r: [brainR[0]! * 0.25, brainR[1]! * 0.1, brainR[2]! * 0.08] },
    { c: [brainC[0]!, brainC[1]! - 0.04 * H, brainC[2]! + side * 0.22 * W], r: [brainR[0]! * 0.22, brainR[1]! * 0.16, brainR[2]! * 0.07] },
    { c: [brainC[0]!, brainC[1]! + 0.08 * H, brainC[2]! + side * 0.06 * W], r: [brainR[0]! * 0.2, brainR[1]! * 0.1, brainR[2]! * 0.09] },
  ]) as Blob[];
  for (let z = 0, i = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++, i++) {
        let b = blobDistance([{ c: brainC as [number, number, number], r: brainR as [number, number, number] }], z, y, x);
        const [nz, ny, nx] = [z / D - 0.5, y / H - 0.5, x / W - 0.5];
        if (rich) b *= 1 + 0.07 * outline(nz, ny, nx);
        if (b >= 1) {
          if (!rich) continue;
          // Subarachnoid CSF, then (optionally) skull and scalp: 7 = bone, 8 = scalp.
          if (b < 1.06) tissue[i] = 2;
          else if (options.skull && b < 1.14) tissue[i] = 7;
          else if (options.skull && b < 1.26) tissue[i] = 8;
          continue;
        }
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
        else if (rich && blobDistance(nuclei, z, y, x) < 1) tissue[i] = 0;
        else if (!rich) tissue[i] = b < 0.75 ? 1 : 0;
        // Folded cortex: the grey/white boundary moves with the fold field; sulci cut CSF into the ribbon.
        else if (b > 0.8 && Math.abs(sulci(nz, ny, nx)) < 0.1 * (b - 0.8) / 0.2) tissue[i] = 2;
        else tissue[i] = b < 0.8 + 0.09 * folds(nz, ny, nx) ? 1 : 0;
      }
    }
  }

  // Tissue texture, shared by the modalities (one field per case).
  const grain = new Float32Array(rich ? n : 0);
  if (rich) for (let z = 0, i = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++, i++) grain[i] = 1 + 0.06 * texture(z / D - 0.5, y / H - 0.5, x / W - 0.5);
  const modalities = {} as Record<BratsModality, Float32Array>;
  for (const m of BRATS_MODALITIES) {
    let out: Float32Array = new Float32Array(n);
    const means = CONTRAST[m];
    for (let z = 0, i = 0; z < D; z++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++, i++) {
          const t = tissue[i]!;
          if (t < 0) continue;
          const mean =
            t === 8 ? SCALP[m] : t === 7 ? BONE[m] : t === 6 ? means[3]! * 0.95 : t >= 3 ? means[t]! * lesionGain + means[0]! * (1 - lesionGain) : means[t]!;
          out[i] = rich ? mean * grain[i]! : mean;
        }
      }
    }
    if (rich) out = blur3(out, shape);
    for (let z = 0, i = 0; z < D; z++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++, i++) {
          if (tissue[i]! < 0) {
            out[i] = 0;
            continue;
          }
          const bias = biasFieldAt(coef, z / D - 0.5, y / H - 0.5, x / W - 0.5);
          // Keep brain voxels strictly positive so "non-zero" still means "inside the brain".
          out[i] = Math.max(1, out[i]! * bias + rng.normal() * noise * 650);
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
