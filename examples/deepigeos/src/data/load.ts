/**
 * Loading a case from disk into memory with the configured preprocessing, and mapping a mask
 * computed on the preprocessed grid back onto the original image grid (so a written segmentation
 * overlays its source exactly, with the source's affine).
 * @module
 */
import { NiftiImage, readNifti, toCanonical, volumeFromNifti } from '@deepigeos/io-nifti';
import { DatasetError } from '../errors.js';
import type { CaseRef } from './datasets.js';
import { type Box, cropArray, nonZeroBox, resampleToShape, resampleToSpacing, stridesOf, zScoreNonZero } from './preprocess.js';
import { type Case, type ImageVolume, voxelCount } from './volume.js';

/** Preprocessing applied at load time. */
export interface PreprocessOptions {
  /** Reorient to the closest canonical (RAS+) orientation. */
  canonical: boolean;
  /** Resample to this spacing (same axis order as the image shape), or null to keep. */
  spacing: number[] | null;
  /** Crop to the non-zero bounding box. */
  crop: boolean;
  /** Margin (voxels) around the non-zero box. */
  cropMargin: number;
  /** Z-score each channel over non-zero voxels. */
  zscore: boolean;
  /** Percentiles `[lo, hi]` each channel is clipped to before the z-score (null: no clipping; absent: [0.5, 99.5]). */
  clipPercentiles?: number[] | null;
}

/** Everything needed to put a mask computed on a loaded case back on the source image grid. */
export interface CaseGeometry {
  /** The first source image as read (its affine and header are kept for outputs). */
  reference?: NiftiImage;
  /** Whether the case was reoriented. */
  canonical: boolean;
  /** Shape/spacing before resampling (after reorientation) and the target spacing, if resampled. */
  beforeResample?: { shape: number[]; spacing: number[]; target: number[] };
  /** Shape before cropping and the crop box, if cropped. */
  beforeCrop?: { shape: number[]; box: Box };
}

/** A loaded case plus its geometry record. */
export interface LoadedCase extends Case {
  geometry: CaseGeometry;
}

/** Channels of one NIfTI file as `[D, H, W]` volumes (a 4D file gives one per 4th-dim index). */
async function niftiChannels(file: string, canonical: boolean, indices?: number[]) {
  let img: NiftiImage;
  try {
    img = await readNifti(file);
  } catch (e) {
    throw new DatasetError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const source = img;
  if (canonical) img = toCanonical(img);
  if (img.dims.length <= 3) {
    if (indices?.some((i) => i !== 0)) throw new DatasetError(`${file} is 3D; channel indices ${JSON.stringify(indices)} need a 4D image`);
    const v = volumeFromNifti(img);
    const data = Float32Array.from(v.data);
    requireFinite(data, file);
    return { source, shape: [...v.shape], spacing: [...v.spacing], channels: [data] };
  }
  // 4D multi-modal (MSD): the 4th dimension is the slowest axis of the file; split it into channels.
  const [nx, ny, nz, nt] = img.dims as [number, number, number, number];
  if (img.dims.slice(4).some((d) => d !== 1)) throw new DatasetError(`${file} has ${img.dims.length} dimensions; at most 4 are supported`);
  const picks = indices ?? Array.from({ length: nt }, (_, i) => i);
  const bad = picks.find((i) => !Number.isInteger(i) || i < 0 || i >= nt);
  if (bad !== undefined) throw new DatasetError(`${file}: channel index ${bad} is outside 0..${nt - 1}`);
  const all = img.scaledData();
  const n = nx * ny * nz;
  const channels = picks.map((t) => Float32Array.from(all.subarray(t * n, (t + 1) * n)));
  for (const c of channels) requireFinite(c, file);
  return { source, shape: [nz, ny, nx], spacing: [img.pixdim[3]!, img.pixdim[2]!, img.pixdim[1]!], channels };
}

/**
 * Refuses NaN and infinite voxels: one of them turns every loss, weight and metric computed from
 * the image into NaN (training "finishes" with non-finite weights, evaluation reports Dice 0).
 * @throws DatasetError naming the file, the count and the first such voxel
 */
export function requireFinite(values: Float32Array, file: string): void {
  let count = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v - v !== 0) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (count > 0) {
    throw new DatasetError(`${file}: ${count} voxel(s) are NaN or infinite (the first at flat index ${first}, value ${values[first]}); images and labels must hold finite values`);
  }
}

/** Interleaves per-channel planes into one channels-last array. */
function interleave(planes: Float32Array[]): Float32Array {
  const c = planes.length;
  if (c === 1) return planes[0]!;
  const n = planes[0]!.length;
  const out = new Float32Array(n * c);
  for (let k = 0; k < c; k++) {
    const p = planes[k]!;
    for (let i = 0; i < n; i++) out[i * c + k] = p[i]!;
  }
  return out;
}

/** Distinct values above which a file is not taken for a label map (BraTS has 4, atlases ~100–200). */
const MAX_LABELS = 256;

/**
 * Why `values` do not look like a label map (non-integer, negative or NaN values, too many
 * distinct values — e.g. a T1 image matched by a `--labels` glob), or undefined when they do.
 */
export function labelMapProblem(values: ArrayLike<number>): string | undefined {
  const distinct = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v)) return `voxel ${i} holds ${v}, not an integer label`;
    if (v < 0) return `voxel ${i} holds the negative value ${v}`;
    if (distinct.size <= MAX_LABELS) distinct.add(v);
  }
  return distinct.size > MAX_LABELS ? `it holds more than ${MAX_LABELS} distinct values` : undefined;
}

/** Reads a label file into a binary mask of the given foreground values (undefined = any > 0). */
async function niftiLabel(file: string, canonical: boolean, foreground: number[] | undefined) {
  const { shape, spacing, channels } = await niftiChannels(file, canonical);
  const values = channels[0]!;
  const problem = labelMapProblem(values);
  // A warning, not an error: such a file still gives a mask (values rounded, foreground as configured).
  if (problem) console.warn(`warning: label file ${file} does not look like a label map (${problem}); is it an image matched by the labels glob?`);
  const fg = foreground ? new Set(foreground) : undefined;
  const mask = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(values[i]!);
    mask[i] = fg ? (fg.has(v) ? 1 : 0) : v > 0 ? 1 : 0;
  }
  return { shape, spacing, mask };
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Loads a case and applies preprocessing in the order: reorientation, resampling, crop, z-score.
 * @throws DatasetError if a file is unreadable, or image channels and label differ in shape
 */
export async function loadCase(ref: CaseRef, prep: PreprocessOptions): Promise<LoadedCase> {
  if (ref.kind === 'voc') {
    // Loaded on demand: the VOC decoders read files with node:fs, and the web app imports this
    // module (for maskToSource) in the browser, where a static node:fs import fails in dev mode.
    const { readClassPng, readJpegRgb } = await import('./voc.js');
    const image = readJpegRgb(ref.images[0]!);
    const label = ref.label ? readClassPng(ref.label, ref.foreground ?? [1]) : undefined;
    if (label && !sameShape(label.shape, image.shape)) {
      throw new DatasetError(`case ${ref.id}: image ${ref.images[0]} is ${image.shape.join('×')} but label ${ref.label} is ${label.shape.join('×')}`);
    }
    return { id: ref.id, image, ...(label ? { label: label.label } : {}), geometry: { canonical: false } };
  }
  const parts = [];
  for (const f of ref.images) parts.push(await niftiChannels(f, prep.canonical, ref.channelIndices));
  const first = parts[0]!;
  for (let k = 1; k < parts.length; k++) {
    if (!sameShape(parts[k]!.shape, first.shape)) {
      throw new DatasetError(`case ${ref.id}: ${ref.images[k]} is ${parts[k]!.shape.join('×')} but ${ref.images[0]} is ${first.shape.join('×')} ([D, H, W])`);
    }
  }
  let image: ImageVolume = {
    data: interleave(parts.flatMap((p) => p.channels)),
    shape: first.shape,
    channels: parts.reduce((s, p) => s + p.channels.length, 0),
    spacing: first.spacing,
  };
  let label: Uint8Array | undefined;
  if (ref.label) {
    const l = await niftiLabel(ref.label, prep.canonical, ref.foreground);
    if (!sameShape(l.shape, image.shape)) {
      throw new DatasetError(`case ${ref.id}: label ${ref.label} is ${l.shape.join('×')} but image ${ref.images[0]} is ${image.shape.join('×')} ([D, H, W])`);
    }
    label = l.mask;
  }
  const geometry: CaseGeometry = { reference: first.source, canonical: prep.canonical };
  if (prep.spacing) {
    geometry.beforeResample = { shape: [...image.shape], spacing: [...image.spacing], target: [...prep.spacing] };
    const r = resampleToSpacing(image, prep.spacing, label);
    image = r.image;
    label = r.label;
  }
  if (prep.crop) {
    const box = nonZeroBox(image, prep.cropMargin);
    geometry.beforeCrop = { shape: [...image.shape], box };
    image = { ...image, data: cropArray(image.data, image.shape, image.channels, box), shape: box.end.map((e, a) => e - box.start[a]!) };
    if (label) label = cropArray(label, geometry.beforeCrop.shape, 1, box);
  }
  if (prep.zscore) image = zScoreNonZero(image, prep.clipPercentiles === undefined ? [0.5, 99.5] : prep.clipPercentiles);
  return { id: ref.id, image, ...(label ? { label } : {}), affine: first.source.affine, geometry };
}

/** Pastes a cropped mask (labels kept) or map into a zero array of the full shape. */
function uncrop<T extends Uint8Array | Float32Array>(mask: T, shape: number[], box: Box): T {
  const out = new (mask.constructor as new (n: number) => T)(voxelCount(shape));
  const inner = box.end.map((e, a) => e - box.start[a]!);
  const st = stridesOf(shape);
  const ist = stridesOf(inner);
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    let rem = i;
    let o = 0;
    for (let a = 0; a < inner.length; a++) {
      const q = Math.floor(rem / ist[a]!);
      rem -= q * ist[a]!;
      o += (q + box.start[a]!) * st[a]!;
    }
    out[o] = mask[i]!;
  }
  return out;
}

/**
 * Maps a mask (binary or small integer labels) on the loaded case's grid back to the source image's voxel grid (undoing
 * crop, resampling — nearest neighbour — and reorientation), in NIfTI order (x fastest), ready to
 * be written with the source's affine.
 */
export function maskToSource(mask: Uint8Array, geometry: CaseGeometry): Uint8Array {
  return toSourceGrid(mask, geometry, (m, shape, original, spacing) =>
    resampleToShape({ data: new Float32Array(m.length), shape, channels: 1, spacing }, original, m).label!,
  );
}

/**
 * The steps back to the source grid shared by masks and probability maps: uncrop, `resample`
 * (from `shape` at the target `spacing` to the `original` shape) and undo the reorientation.
 */
function toSourceGrid<T extends Uint8Array | Float32Array>(
  values: T,
  geometry: CaseGeometry,
  resample: (m: T, shape: number[], original: number[], spacing: number[]) => T,
): T {
  let m = values;
  let shape: number[] | undefined;
  if (geometry.beforeCrop) {
    m = uncrop(m, geometry.beforeCrop.shape, geometry.beforeCrop.box);
    shape = geometry.beforeCrop.shape;
  }
  if (geometry.beforeResample) {
    const { shape: original, spacing, target } = geometry.beforeResample;
    const cur = shape ?? original.map((s, a) => Math.max(1, Math.round((s * spacing[a]!) / target[a]!)));
    m = resample(m, cur, original, target);
  }
  const ref = geometry.reference;
  if (!geometry.canonical || !ref) return m;
  // Reorientation is a permutation of voxels: reorient an image of voxel indices to learn it.
  const n = m.length;
  const perm = toCanonical(likeReference(ref, Int32Array.from({ length: n }, (_, i) => i))).data as Int32Array;
  const out = new (m.constructor as new (n: number) => T)(n);
  for (let k = 0; k < n; k++) out[perm[k]!] = m[k]!;
  return out;
}

/** A 3D image like the geometry's reference (first three dims) holding `data`, for reorientation. */
function likeReference(ref: NiftiImage, data: Uint8Array | Int32Array | Float32Array): NiftiImage {
  const [nx, ny, nz] = ref.dims as [number, number, number];
  const datatype = data instanceof Uint8Array ? 2 : data instanceof Int32Array ? 8 : 16;
  return new NiftiImage({ ...ref, dims: [nx, ny, nz ?? 1], data, datatype });
}

/**
 * Maps a probability map on the loaded case's grid back to the source image's voxel grid, like
 * {@link maskToSource} but with linear interpolation when the case was resampled (0 outside the
 * crop box).
 */
export function probabilityToSource(values: Float32Array, geometry: CaseGeometry): Float32Array {
  return toSourceGrid(values, geometry, (m, shape, original, spacing) => resampleToShape({ data: m, shape, channels: 1, spacing }, original).image.data);
}

/**
 * Maps a probability map (or 0/1 mask) on the source image's voxel grid onto the loaded case's
 * grid: the inverse of {@link probabilityToSource} (linear interpolation when resampled).
 */
export function probabilityFromSource(values: Float32Array, geometry: CaseGeometry): Float32Array {
  let m = values;
  if (geometry.canonical && geometry.reference) m = Float32Array.from(toCanonical(likeReference(geometry.reference, values)).data as ArrayLike<number>);
  if (geometry.beforeResample) {
    const { shape, spacing, target } = geometry.beforeResample;
    m = resampleToSpacing({ data: m, shape, channels: 1, spacing }, target).image.data;
  }
  if (geometry.beforeCrop) m = cropArray(m, geometry.beforeCrop.shape, 1, geometry.beforeCrop.box);
  return m;
}

/**
 * Maps a mask on the source image's voxel grid (NIfTI order, x fastest) onto the loaded case's
 * grid (reorientation, nearest-neighbour resampling, crop) — e.g. user seeds given in source
 * voxel coordinates. The inverse of {@link maskToSource}.
 */
export function maskFromSource(mask: Uint8Array, geometry: CaseGeometry): Uint8Array {
  let m = mask;
  if (geometry.canonical && geometry.reference) m = toCanonical(likeReference(geometry.reference, mask)).data as Uint8Array;
  if (geometry.beforeResample) {
    const { shape, spacing, target } = geometry.beforeResample;
    m = resampleToSpacing({ data: new Float32Array(m.length), shape, channels: 1, spacing }, target, m).label!;
  }
  if (geometry.beforeCrop) m = cropArray(m, geometry.beforeCrop.shape, 1, geometry.beforeCrop.box);
  return m;
}
