/**
 * Files a user hands to `segment` and `refine`: seeds (a JSON list of voxels, or a NIfTI label
 * map) and a previous result (a mask or probability map), read on the image's source voxel grid.
 * Every error names the file and what was expected.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { readNifti } from '@deepigeos/io-nifti';
import { UsageError } from '../errors.js';

/**
 * Seeds JSON: voxel indices `[i, j, k]` of the image (NIfTI index order, 0-based, as viewers
 * show them); `[i, j]` for 2D images. Either key may be missing.
 *
 * ```json
 * { "fg": [[90, 120, 75], [91, 120, 75]], "bg": [[60, 100, 75]] }
 * ```
 */
export interface SeedsFile {
  /** Foreground seeds (object the result misses). */
  fg?: number[][];
  /** Background seeds (where the result leaks). */
  bg?: number[][];
}

/** Seed masks on the source voxel grid (NIfTI order, i fastest). */
export interface SourceSeeds {
  fg: Uint8Array;
  bg: Uint8Array;
}

const isNifti = (file: string) => /\.nii(\.gz)?$/i.test(file);

/** Reads a NIfTI file, naming it in any error. */
async function readNiftiNamed(file: string, flag: string) {
  if (!existsSync(file)) throw new UsageError(`${flag} ${file}: file does not exist`);
  try {
    return await readNifti(file);
  } catch (e) {
    throw new UsageError(`${flag} ${file}: cannot read it as NIfTI (${(e as Error).message})`);
  }
}

/** Checks that a NIfTI file lies on the image's voxel grid. */
function checkGrid(file: string, flag: string, dims: readonly number[], image: string, fileDims: readonly number[]): void {
  const spatial = (d: readonly number[]) => [d[0] ?? 1, d[1] ?? 1, d[2] ?? 1];
  const extra = fileDims.slice(3).some((d) => d !== 1);
  if (extra || spatial(fileDims).some((d, i) => d !== spatial(dims)[i])) {
    throw new UsageError(`${flag} ${file}: its grid ${fileDims.join('×')} differs from the image ${image} (${dims.join('×')}); it must be on the image's voxel grid`);
  }
}

/**
 * Reads seeds: a JSON file ({@link SeedsFile}), or a NIfTI label map on the image's grid with
 * 1 = foreground and 2 = background (as `deepigeos demo` writes `clicks.nii.gz`; 0 = no seed).
 * @param dims - the image's dims `[nx, ny, nz]`
 * @param image - the image's path, for messages
 * @throws UsageError naming the file: missing, malformed, points outside the image, no seeds
 */
export async function readSeeds(file: string, dims: readonly number[], image = 'IMAGE'): Promise<SourceSeeds> {
  const [nx, ny, nz = 1] = dims as [number, number, number?];
  const masks = { fg: new Uint8Array(nx * ny * nz), bg: new Uint8Array(nx * ny * nz) };
  if (isNifti(file)) {
    const img = await readNiftiNamed(file, '--seeds');
    checkGrid(file, '--seeds', dims, image, img.dims);
    const values = img.scaledData();
    for (let i = 0; i < masks.fg.length; i++) {
      const v = values[i]!;
      if (v === 1) masks.fg[i] = 1;
      else if (v === 2) masks.bg[i] = 1;
      else if (v !== 0) throw new UsageError(`--seeds ${file}: voxel ${i} has value ${v}; a seed map holds 0 (none), 1 (foreground) or 2 (background)`);
    }
  } else {
    if (!existsSync(file)) throw new UsageError(`--seeds ${file}: file does not exist`);
    let parsed: SeedsFile;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as SeedsFile;
    } catch (e) {
      throw new UsageError(`--seeds ${file}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`--seeds ${file}: expected an object { "fg": [[i,j,k],…], "bg": [[i,j,k],…] }`);
    }
    for (const key of Object.keys(parsed)) if (key !== 'fg' && key !== 'bg') throw new UsageError(`--seeds ${file}: unknown key "${key}" (allowed: fg, bg)`);
    for (const key of ['fg', 'bg'] as const) {
      const points = parsed[key] ?? [];
      if (!Array.isArray(points)) throw new UsageError(`--seeds ${file}: "${key}" must be an array of [i, j, k] points`);
      points.forEach((p, n) => {
        const [i, j, k = 0] = Array.isArray(p) ? p : [];
        const ok = Array.isArray(p) && (p.length === 3 || (p.length === 2 && nz === 1)) && [i, j, k].every((v) => Number.isInteger(v));
        if (!ok || i! < 0 || i! >= nx || j! < 0 || j! >= ny || k < 0 || k >= nz) {
          throw new UsageError(`--seeds ${file}: ${key}[${n}] = ${JSON.stringify(p)} is not an integer voxel [i, j, k] inside ${nx}×${ny}×${nz}`);
        }
        masks[key][i! + j! * nx + k * nx * ny] = 1;
      });
    }
  }
  for (let i = 0; i < masks.fg.length; i++) {
    if (masks.fg[i] && masks.bg[i]) throw new UsageError(`--seeds ${file}: voxel ${i} is both a foreground and a background seed`);
  }
  if (!masks.fg.some(Boolean) && !masks.bg.some(Boolean)) throw new UsageError(`--seeds ${file}: no seeds`);
  return masks;
}

/**
 * Reads a previous result on the image's grid: a probability map (values in [0, 1]) or a label
 * mask (integers ≥ 0; any value > 0 is foreground, e.g. a `segment` or `refine` output).
 * @returns foreground probability per voxel (source grid, NIfTI order) and which kind it was
 * @throws UsageError naming the file: missing, unreadable, other grid, NaN/Inf, negative or non-integer values above 1
 */
export async function readInitialSegmentation(file: string, dims: readonly number[], image = 'IMAGE'): Promise<{ probability: Float32Array; kind: 'probability' | 'mask' }> {
  const img = await readNiftiNamed(file, '--init');
  checkGrid(file, '--init', dims, image, img.dims);
  // Float rounding of other tools (1.0000001, -1e-9) is not a reason to refuse a probability map.
  const values = Float32Array.from(img.scaledData(), (v) => (v > 1 && v < 1 + 1e-5 ? 1 : v < 0 && v > -1e-5 ? 0 : v));
  let fraction = false;
  let aboveOne = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || v < 0) throw new UsageError(`--init ${file}: voxel ${i} is ${v}; a segmentation holds probabilities in [0, 1] or labels ≥ 0`);
    if (v > 1) aboveOne = true;
    if (!Number.isInteger(v)) fraction = true;
  }
  if (fraction && aboveOne) throw new UsageError(`--init ${file}: holds non-integer values above 1; expected a probability map in [0, 1] or a label mask`);
  const probability = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) probability[i] = aboveOne ? (values[i]! > 0 ? 1 : 0) : values[i]!;
  return { probability, kind: fraction ? 'probability' : 'mask' };
}
