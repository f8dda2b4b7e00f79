import { type DatatypeInfo, bytesPerVoxel, datatypeInfo } from './datatypes.js';
import { NiftiFormatError } from './errors.js';
import type { ParsedHeader } from './header.js';

/**
 * Largest voxel data this package can hold in memory: 4 GiB minus one byte, the largest buffer
 * Node 20 allocates, and the largest `maxDataBytes` a caller may set. Larger volumes are refused,
 * never truncated.
 */
export const DEFAULT_MAX_DATA_BYTES = 2 ** 32 - 1;

/**
 * `readNifti`'s default `maxDataBytes` in Node: 2 GiB (a 1024³ float16 or 812³ float32 volume).
 * A header claiming more is refused before anything is inflated or allocated; raise it per call.
 */
export const NODE_MAX_DATA_BYTES = 2 ** 31;

/** `readNifti`'s default `maxDataBytes` in browsers: 1 GiB (tabs rarely get much more memory). */
export const BROWSER_MAX_DATA_BYTES = 2 ** 30;

/** Where the voxels are and how many bytes they take, derived from a validated header. */
export interface DataLayout {
  /** Sizes of the used dimensions (dim[1..dim[0]]). */
  dims: number[];
  info: DatatypeInfo;
  voxelCount: number;
  dataBytes: number;
  /** Byte offset of the voxels in their file (the .nii or the .img). */
  dataOffset: number;
}

function validateDims(dim: number[]): number[] {
  const ndim = dim[0]!;
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > 7) {
    throw new NiftiFormatError(`dim[0] is ${ndim}: expected the number of dimensions, 1 to 7`);
  }
  const dims = dim.slice(1, ndim + 1);
  dims.forEach((size, i) => {
    if (size < 1) throw new NiftiFormatError(`dim[${i + 1}] is ${size}: every used dimension (dim[1..${ndim}]) must be at least 1`);
  });
  return dims;
}

function validateOffset(parsed: ParsedHeader): number {
  const offset = parsed.header.vox_offset;
  if (!Number.isFinite(offset) || offset < 0 || !Number.isInteger(offset)) {
    throw new NiftiFormatError(`vox_offset is ${offset}: expected a non-negative whole number of bytes`);
  }
  const minimum = parsed.headerBytes + 4;
  if (parsed.singleFile && offset < minimum) {
    throw new NiftiFormatError(`vox_offset is ${offset}: a single-file NIfTI-${parsed.version} stores voxels after the header and extension flag (vox_offset ≥ ${minimum})`);
  }
  return offset;
}

/** The effective size limit: `maxDataBytes` capped at {@link DEFAULT_MAX_DATA_BYTES}. */
export function sizeLimit(maxDataBytes?: number): number {
  return Math.min(maxDataBytes ?? DEFAULT_MAX_DATA_BYTES, DEFAULT_MAX_DATA_BYTES);
}

/**
 * Validates dims, datatype and vox_offset and computes the data layout, without a size limit.
 * @throws {@link NiftiFormatError} naming the offending field.
 */
export function unlimitedLayout(parsed: ParsedHeader): DataLayout {
  const dims = validateDims(parsed.header.dim);
  const info = datatypeInfo(parsed.header.datatype);
  const dataOffset = validateOffset(parsed);
  const voxelCount = dims.reduce((a, b) => a * b, 1);
  const dataBytes = voxelCount * bytesPerVoxel(info);
  if (!Number.isSafeInteger(dataBytes)) throw new NiftiFormatError(`dims ${dims.join('×')} of ${info.name} need more than 2^53 bytes: no file can hold that`);
  return { dims, info, voxelCount, dataBytes, dataOffset };
}

/**
 * Validates dims, datatype and vox_offset and computes the data layout.
 * @param maxDataBytes refuse volumes whose voxel data exceed this many bytes.
 * @throws {@link NiftiFormatError} naming the offending field.
 */
export function dataLayout(parsed: ParsedHeader, maxDataBytes?: number): DataLayout {
  const layout = unlimitedLayout(parsed);
  const limit = sizeLimit(maxDataBytes);
  if (layout.dataBytes > limit) {
    const { dims, info } = layout;
    // 4D+ files whose single 3D frames fit can still be streamed frame by frame.
    const hint = dims.length > 3 ? 'read it frame by frame with readNiftiFrames (Node), or crop or split it' : 'crop or split the volume';
    throw new NiftiFormatError(`dims ${dims.join('×')} of ${info.name} need ${formatBytes(layout.dataBytes)} of voxel data, more than the ${formatBytes(limit)} this reader holds in memory; ${hint}`);
  }
  return layout;
}

/** Human-readable byte count for error messages. */
export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  return `${n} bytes`;
}
