/**
 * The in-memory image and case types of the data pipeline ([D, H, W] axis order, see docs/conventions.md).
 * @module
 */

/**
 * An image with `channels` interleaved values per voxel (channels-last), row-major over `shape`
 * (`[D, H, W]` for volumes, `[H, W]` for 2D images), with voxel `spacing` in the same order.
 */
export interface ImageVolume {
  /** Voxel values, length `prod(shape) * channels`. */
  data: Float32Array;
  /** `[D, H, W]` or `[H, W]`. */
  shape: number[];
  /** Values per voxel (modalities, RGB). */
  channels: number;
  /** Voxel size along each axis of `shape` (mm for medical images, 1 for photos). */
  spacing: number[];
}

/** One loaded training/evaluation case: image, optional binary label and where it came from. */
export interface Case {
  /** Case identifier (file or folder name). */
  id: string;
  /** The image (all selected channels). */
  image: ImageVolume;
  /** Binary label (0/1) of `prod(image.shape)` voxels, if the dataset has labels. */
  label?: Uint8Array;
  /** 4×4 voxel-to-world affine of the source NIfTI, in NIfTI (x, y, z) index order. */
  affine?: number[][];
}

/** Number of voxels of a shape. */
export function voxelCount(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}
