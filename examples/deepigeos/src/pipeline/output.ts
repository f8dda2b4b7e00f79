/**
 * Writing results: a mask as NIfTI on the source image's grid with the source's affine and header
 * (so it overlays the input exactly in any viewer), and PNG overlays of slices.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { niftiFromVolume, writeNifti } from '@deepigeos/io-nifti';
import { type CaseGeometry, maskToSource, probabilityToSource } from '../data/load.js';
import { UsageError } from '../errors.js';
import { encodeOverlayPng } from '../report/overlay.js';

/** Writes a mask on the loaded case's grid as NIfTI aligned with the case's source image. */
export async function writeMaskNifti(path: string, mask: Uint8Array, geometry: CaseGeometry): Promise<void> {
  if (!geometry.reference) throw new UsageError(`cannot write ${path}: the case has no NIfTI source image`);
  await writeSourceNifti(path, maskToSource(mask, geometry), geometry);
}

/**
 * Writes a foreground probability map on the loaded case's grid as float32 NIfTI aligned with
 * the case's source image (0 outside the preprocessing crop).
 */
export async function writeProbabilityNifti(path: string, probability: Float32Array, geometry: CaseGeometry): Promise<void> {
  if (!geometry.reference) throw new UsageError(`cannot write ${path}: the case has no NIfTI source image`);
  await writeSourceNifti(path, probabilityToSource(probability, geometry), geometry);
}

/** Writes values already on the source grid with the source's header and affine. */
async function writeSourceNifti(path: string, source: Uint8Array | Float32Array, geometry: CaseGeometry): Promise<void> {
  const ref = geometry.reference!;
  const [nx, ny, nz = 1] = ref.dims as [number, number, number?];
  const volume = {
    data: source,
    shape: [nz, ny, nx] as [number, number, number],
    spacing: [ref.pixdim[3] ?? 1, ref.pixdim[2]!, ref.pixdim[1]!] as [number, number, number],
    affine: ref.affine,
  };
  // A 3D reference lends its whole header; a 4D one (MSD) only its affine.
  mkdirSync(dirname(path), { recursive: true });
  await writeNifti(path, niftiFromVolume(volume, ref.dims.length <= 3 ? ref : undefined));
}

/**
 * Writes PNG overlays (grey image, red prediction, green reference outline) of the given slices
 * of a `[D, H, W]` or `[H, W]` image, and returns the file paths.
 */
export function writeOverlayPngs(
  dir: string,
  name: string,
  image: { data: Float32Array; shape: number[]; channels: number },
  mask: Uint8Array,
  slices: number[],
  truth?: Uint8Array,
): string[] {
  mkdirSync(dir, { recursive: true });
  const [h, w] = image.shape.slice(-2) as [number, number];
  const plane = h * w;
  return slices.map((z) => {
    const grey = new Float32Array(plane);
    for (let i = 0; i < plane; i++) grey[i] = image.data[(z * plane + i) * image.channels]!;
    const png = encodeOverlayPng({
      caption: `${name} slice ${z}`,
      width: w,
      height: h,
      image: grey,
      prediction: mask.subarray(z * plane, (z + 1) * plane),
      ...(truth ? { groundTruth: truth.subarray(z * plane, (z + 1) * plane) } : {}),
    });
    const file = join(dir, image.shape.length === 3 ? `${name}_slice${String(z).padStart(3, '0')}.png` : `${name}.png`);
    writeFileSync(file, png);
    return file;
  });
}

/** The axial slice index with the largest mask area (middle slice if the mask is empty). */
export function largestSlice(mask: Uint8Array, shape: number[]): number {
  if (shape.length < 3) return 0;
  const plane = shape[1]! * shape[2]!;
  let best = Math.floor(shape[0]! / 2);
  let bestCount = 0;
  for (let z = 0; z < shape[0]!; z++) {
    let c = 0;
    for (let i = 0; i < plane; i++) c += mask[z * plane + i]!;
    if (c > bestCount) [best, bestCount] = [z, c];
  }
  return best;
}
