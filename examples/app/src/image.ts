// Opening images: one or several co-registered NIfTI files (or a 4D file) become the channels of
// one volume on the first file's voxel grid. The app keeps everything (display, seeds, masks) on
// that source grid; the networks get the volume in canonical RAS+ voxel order, as in training,
// through a voxel permutation computed once.
import { encodeNifti, encodeNiftiGzip, type Matrix4, NiftiImage, niftiFromVolume, readNifti, toCanonical } from '@deepigeos/io-nifti';
import type { Roi } from '@deepigeos/rnet';
import { AppError } from './errors.js';
import { yieldToPage } from './tasks.js';

/** How to read a 4D file: every volume as a channel, or one volume (0-based index). */
export type Frames4D = 'channels' | number;

/** An opened image: its channels on the source grid and the mapping to canonical order. */
export interface AppImage {
  /** File name(s), for the title and saved files. */
  name: string;
  /** The first file as read (header and affine of saved masks). */
  reference: NiftiImage;
  /** Source grid `[nz, ny, nx]` (NIfTI storage order, i fastest). */
  shape: [number, number, number];
  /** Voxel size `[sz, sy, sx]` in mm. */
  spacing: [number, number, number];
  /** Voxel → world affine (sform, else qform, else pixdim: nibabel's rule). */
  affine: Matrix4;
  /** One array per channel, source order. */
  channels: Float32Array[];
  /** A name per channel (file name, or file name + volume index). */
  channelNames: string[];
  /** Canonical (RAS+) grid: `shape`, `spacing`, and `perm[k]` = source index of canonical voxel k. */
  canonical: { shape: [number, number, number]; spacing: [number, number, number]; perm: Int32Array };
}

async function read(file: File): Promise<NiftiImage> {
  try {
    return await readNifti(new Uint8Array(await file.arrayBuffer()));
  } catch (error) {
    throw new AppError(`${file.name} cannot be opened as NIfTI (.nii / .nii.gz): ${(error as Error).message}`);
  }
}

function spatialDims(image: NiftiImage): [number, number, number] {
  return [image.dims[0] ?? 1, image.dims[1] ?? 1, image.dims[2] ?? 1];
}

/** The 3D volumes of one file (one, or one per 4D volume) as float32 arrays. */
function volumesOf(image: NiftiImage, name: string, frames: Frames4D): { data: Float32Array; name: string }[] {
  const [nx, ny, nz, nt = 1, ...rest] = image.dims;
  if (rest.some((d) => d > 1)) throw new AppError(`${name} has ${image.dims.length} dimensions (${image.dims.join('×')}); the app opens 3D and 4D images`);
  let values: Float32Array | Float64Array;
  try {
    values = image.scaledData();
  } catch (error) {
    throw new AppError(`${name}: ${(error as Error).message}`);
  }
  const n = nx! * ny! * (nz ?? 1);
  const frame = (t: number) => ({ data: Float32Array.from(values.subarray(t * n, (t + 1) * n)), name: nt > 1 ? `${name} [${t}]` : name });
  if (nt === 1) return [frame(0)];
  if (frames === 'channels') return Array.from({ length: nt }, (_, t) => frame(t));
  if (!Number.isInteger(frames) || frames < 0 || frames >= nt) throw new AppError(`${name} has ${nt} volumes; volume ${frames} does not exist`);
  return [frame(frames)];
}

function sameGrid(a: Matrix4, b: Matrix4): boolean {
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) if (Math.abs(a[r]![c]! - b[r]![c]!) > 1e-3) return false;
  return true;
}

/** Opens co-registered files (same grid and affine) as the channels of one volume. */
export async function openImages(files: File[], frames: Frames4D = 'channels'): Promise<AppImage> {
  if (files.length === 0) throw new AppError('no file chosen');
  // One step per task (decoding, conversion, the canonical permutation), so the page stays responsive.
  const images: NiftiImage[] = [];
  for (const file of files) {
    images.push(await read(file));
    await yieldToPage();
  }
  const reference = images[0]!;
  const dims = spatialDims(reference);
  const channels: Float32Array[] = [];
  const channelNames: string[] = [];
  for (const [i, image] of images.entries()) {
    const name = files[i]!.name;
    const d = spatialDims(image);
    if (d.some((v, a) => v !== dims[a])) throw new AppError(`${name} is ${d.join('×')} but ${files[0]!.name} is ${dims.join('×')}: channels must share one grid`);
    if (!sameGrid(image.affine, reference.affine)) throw new AppError(`${name} has a different affine from ${files[0]!.name}: channels must be co-registered`);
    for (const v of volumesOf(image, name, frames)) {
      channels.push(v.data);
      channelNames.push(v.name);
      await yieldToPage();
    }
  }
  const [nx, ny, nz] = dims;
  const p = reference.pixdim;
  return {
    name: files.map((f) => f.name).join(' + '),
    reference,
    shape: [nz, ny, nx],
    spacing: [p[3] || 1, p[2] || 1, p[1] || 1],
    affine: reference.affine,
    channels,
    channelNames,
    canonical: canonicalOf(reference),
  };
}

/** The canonical grid and voxel permutation of `reference` (its reorientation applied to voxel indices). */
function canonicalOf(reference: NiftiImage): AppImage['canonical'] {
  const [nx, ny, nz] = spatialDims(reference);
  const indices = new Int32Array(nx * ny * nz);
  for (let i = 0; i < indices.length; i++) indices[i] = i;
  const like = new NiftiImage({ ...reference, dims: [nx, ny, nz], data: indices, datatype: 8 });
  const canonical = toCanonical(like);
  const [cx = 1, cy = 1, cz = 1] = canonical.dims;
  const q = canonical.pixdim;
  return { shape: [cz, cy, cx], spacing: [q[3] || 1, q[2] || 1, q[1] || 1], perm: canonical.data as Int32Array };
}

/** Voxels handled between two yields to the event loop: about 20 ms of copying, so the page stays responsive. */
const CHUNK = 1 << 20;

/** `out[k] = source[perm[k]]` or, `inverse`, `out[perm[k]] = source[k]`, in chunks. */
async function permute<T extends Float32Array | Uint8Array>(image: AppImage, source: T, inverse: boolean): Promise<T> {
  const { perm } = image.canonical;
  const out = new (source.constructor as new (n: number) => T)(perm.length);
  for (let start = 0; start < perm.length; start += CHUNK) {
    const end = Math.min(perm.length, start + CHUNK);
    if (inverse) for (let k = start; k < end; k++) out[perm[k]!] = source[k]!;
    else for (let k = start; k < end; k++) out[k] = source[perm[k]!]!;
    if (end < perm.length) await yieldToPage();
  }
  return out;
}

/** Source-order values → canonical order. */
export function toCanonicalOrder<T extends Float32Array | Uint8Array>(image: AppImage, source: T): Promise<T> {
  return permute(image, source, false);
}

/** Canonical-order values → source order. */
export function fromCanonicalOrder<T extends Float32Array | Uint8Array>(image: AppImage, canonical: T): Promise<T> {
  return permute(image, canonical, true);
}

/** `index[perm[k]] = k` for k in [start, end). */
function invertRange(perm: Int32Array, index: Int32Array, start: number, end: number): void {
  for (let k = start; k < end; k++) index[perm[k]!] = k;
}

/** Canonical index of every source voxel (the inverse of `perm`), per image. */
const canonicalIndices = new WeakMap<AppImage, Int32Array>();
function canonicalIndexOf(image: AppImage): Int32Array {
  let index = canonicalIndices.get(image);
  if (!index) {
    const { perm } = image.canonical;
    index = new Int32Array(perm.length);
    invertRange(perm, index, 0, perm.length);
    canonicalIndices.set(image, index);
  }
  return index;
}

/** Builds the canonical index of `image` in chunks between yields (so a large volume never blocks the page); idempotent. */
export async function prepareCanonicalIndex(image: AppImage): Promise<void> {
  if (canonicalIndices.has(image)) return;
  const { perm } = image.canonical;
  const index = new Int32Array(perm.length);
  for (let start = 0; start < perm.length; start += CHUNK) {
    const end = Math.min(perm.length, start + CHUNK);
    invertRange(perm, index, start, end);
    if (end < perm.length) await yieldToPage();
    if (canonicalIndices.has(image)) return; // built meanwhile by a refinement
  }
  canonicalIndices.set(image, index);
}

/** Canonical `[z, y, x]` of each source voxel index in `voxels`. */
export function canonicalVoxels(image: AppImage, voxels: ArrayLike<number>): [number, number, number][] {
  const index = canonicalIndexOf(image);
  const [, H, W] = image.canonical.shape;
  return Array.from({ length: voxels.length }, (_, i) => {
    const k = index[voxels[i]!]!;
    return [Math.floor(k / (H * W)), Math.floor(k / W) % H, k % W];
  });
}

/** Visits the canonical box `roi`'s voxels in canonical order: `visit(sourceIndex, indexInBox)`. */
function forEachCanonicalVoxel(image: AppImage, roi: Roi, visit: (source: number, box: number) => void): void {
  const { perm, shape } = image.canonical;
  const [z0, y0, x0] = roi.start as [number, number, number];
  const [d, h, w] = roi.size as [number, number, number];
  let box = 0;
  for (let z = z0; z < z0 + d; z++) {
    for (let y = y0; y < y0 + h; y++) {
      const row = (z * shape[1] + y) * shape[2];
      for (let x = x0; x < x0 + w; x++) visit(perm[row + x]!, box++);
    }
  }
}

/** The values of a source-order array inside a canonical box, in canonical order (what the networks read). */
export function canonicalRegion<T extends Float32Array | Uint8Array>(image: AppImage, source: T, roi: Roi): T {
  const out = new (source.constructor as new (n: number) => T)(roi.size.reduce((a, b) => a * b, 1));
  forEachCanonicalVoxel(image, roi, (v, b) => {
    out[b] = source[v]!;
  });
  return out;
}

/** Writes canonical-order values of a canonical box into a source-order array (in place); returns it. */
export function pasteCanonicalRegion<T extends Float32Array | Uint8Array>(image: AppImage, target: T, roi: Roi, values: ArrayLike<number>): T {
  forEachCanonicalVoxel(image, roi, (v, b) => {
    target[v] = values[b]!;
  });
  return target;
}

/**
 * The network input: the chosen channels interleaved in canonical order, raw intensities (the
 * pipeline worker z-scores them as the networks were trained: `setVolume({ normalize: true })`).
 */
export async function networkInput(image: AppImage, channelIndices: number[]): Promise<Float32Array> {
  const { perm } = image.canonical;
  const c = channelIndices.length;
  const out = new Float32Array(perm.length * c);
  for (const [j, ch] of channelIndices.entries()) {
    const src = image.channels[ch]!;
    for (let start = 0; start < perm.length; start += CHUNK) {
      const end = Math.min(perm.length, start + CHUNK);
      for (let k = start; k < end; k++) out[k * c + j] = src[perm[k]!]!;
      await yieldToPage();
    }
  }
  return out;
}

/** Array types the viewer can be given, narrowest first. */
export type DisplayArray = Uint8Array | Int16Array | Float32Array;

/**
 * The narrowest array type that holds every value of every channel exactly: uint8 or int16 for
 * integer-valued images (most MRI), else float32. The viewer's textures, and the time to build them,
 * shrink with it; all channels share one type so the viewer can switch between them in place.
 * Yields to the page between channels.
 */
export async function displayArrayType(channels: readonly Float32Array[]): Promise<new (values: ArrayLike<number>) => DisplayArray> {
  let lo = 0;
  let hi = 0;
  for (const values of channels) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if ((v | 0) !== v) return Float32Array; // fractions, NaN, ±Inf and values beyond int32
      if (v < lo) lo = v;
      else if (v > hi) hi = v;
    }
    await yieldToPage();
  }
  if (lo >= 0 && hi <= 255) return Uint8Array;
  return lo >= -32768 && hi <= 32767 ? Int16Array : Float32Array;
}

/** `.nii` bytes of one channel with only the sform (the nibabel-rule affine), for the viewer. */
export function displayNifti(image: AppImage, data: DisplayArray): Uint8Array {
  const nifti = niftiFromVolume({ data, shape: image.shape, spacing: image.spacing, affine: image.affine });
  nifti.qformCode = 0;
  nifti.sformCode = Math.max(1, image.reference.sformCode);
  return encodeNifti(nifti);
}

/** The mask as `.nii.gz` on the source grid, with the first file's header and affine. */
export function encodeMask(image: AppImage, mask: Uint8Array): Promise<Uint8Array> {
  const like = new NiftiImage({ ...image.reference, dims: [image.shape[2], image.shape[1], image.shape[0]] });
  return encodeNiftiGzip(niftiFromVolume({ data: mask, shape: image.shape }, like));
}

/** A label/mask file on the image's grid as a 0/1 mask (any non-zero label counts). */
export async function openMask(file: File, image: AppImage): Promise<Uint8Array> {
  const nifti = await read(file);
  const d = spatialDims(nifti);
  const [nz, ny, nx] = image.shape;
  if (d[0] !== nx || d[1] !== ny || d[2] !== nz) throw new AppError(`${file.name} is ${d.join('×')} but the image is ${nx}×${ny}×${nz}`);
  if (!sameGrid(nifti.affine, image.affine)) throw new AppError(`${file.name} has a different affine from the image: it is not on the image's grid`);
  const values = volumesOf(nifti, file.name, 0)[0]!.data;
  return Uint8Array.from(values, (v) => (v > 0 ? 1 : 0));
}
