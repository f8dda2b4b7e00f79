import { affineToQform, qformMatrix } from './affine.js';
import { bytesPerVoxel, type DatatypeInfo, datatypeInfo } from './datatypes.js';
import { HOST_LITTLE_ENDIAN, swapBytes } from './byte-order.js';
import { concatBytes } from './bytes.js';
import { NiftiArgumentError } from './errors.js';
import { type NiftiHeader, writeHeader } from './header.js';
import type { NiftiImage } from './image.js';
import type { Matrix4 } from './matrix.js';

/** Options for encoding an image. */
export interface EncodeOptions {
  /**
   * NIfTI version to write. Default: 1, or 2 when a dimension exceeds 32767 (the NIfTI-1 int16
   * limit). Asking for 1 with such dimensions throws.
   */
  version?: 1 | 2;
  /** Byte order of the file (default `'little'`; `'big'` for tools that need it). */
  byteOrder?: 'little' | 'big';
}

/** The bytes of an encoded image: header (+ extensions) and voxel data, not yet concatenated. */
export interface EncodedParts {
  /** Header, extension flag and extensions (for a single file: padded up to vox_offset). */
  head: Uint8Array;
  /** Voxel data in the file's byte order (a view on the image's data when no swap is needed). */
  body: Uint8Array;
}

const INT16_MAX = 32767;

function checkDims(dims: number[]): void {
  if (!Array.isArray(dims) || dims.length < 1 || dims.length > 7) {
    throw new NiftiArgumentError(`image.dims must list 1 to 7 dimension sizes, got ${JSON.stringify(dims)}`);
  }
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 1) throw new NiftiArgumentError(`image.dims must be whole numbers ≥ 1, got ${JSON.stringify(dims)}`);
  }
}

function imageDatatype(code: number): DatatypeInfo {
  try {
    return datatypeInfo(code);
  } catch (err) {
    throw new NiftiArgumentError(`image.datatype: ${(err as Error).message}`);
  }
}

function checkData(image: NiftiImage, info: DatatypeInfo): void {
  const expected = image.dims.reduce((a, b) => a * b, 1) * info.components;
  if (!(image.data instanceof info.ctor)) {
    throw new NiftiArgumentError(`image.data must be a ${info.ctor.name} for datatype ${info.code} (${info.name}), got ${Object.prototype.toString.call(image.data)}`);
  }
  if (image.data.length !== expected) {
    throw new NiftiArgumentError(`image.data has ${image.data.length} values; dims ${image.dims.join('×')} of ${info.name} need ${expected}`);
  }
}

function checkMatrix(m: Matrix4, name: string): void {
  const ok = Array.isArray(m) && m.length === 4 && m.every((row) => Array.isArray(row) && row.length === 4 && row.every(Number.isFinite));
  if (!ok) throw new NiftiArgumentError(`image.${name} must be a 4×4 array of finite numbers`);
}

function chooseVersion(dims: number[], requested: 1 | 2 | undefined): 1 | 2 {
  const tooBig = dims.some((d) => d > INT16_MAX);
  if (requested === 1 && tooBig) throw new NiftiArgumentError(`options.version is 1, but dims ${dims.join('×')} exceed NIfTI-1's limit of ${INT16_MAX}: use version 2`);
  if (requested !== undefined && requested !== 1 && requested !== 2) throw new NiftiArgumentError(`options.version must be 1 or 2, got ${requested}`);
  return requested ?? (tooBig ? 2 : 1);
}

function sameMatrix(a: Matrix4, b: Matrix4): boolean {
  return a.every((row, r) => row.every((v, c) => v === b[r]![c]));
}

/**
 * The image's header with every field derived from the image brought up to date: dim,
 * datatype, bitpix, pixdim, quaternion, srow and form codes. Other fields are kept.
 * The stored quaternion is kept when it still encodes `image.qform` exactly (no float noise from
 * a round trip); otherwise it is derived from `image.qform` as nibabel's `set_qform` does
 * (which also sets pixdim[0] = qfac and pixdim[1..3] = the affine's column norms).
 * @throws {@link NiftiArgumentError} when dims, datatype, data or affines are inconsistent.
 */
export function headerFromImage(image: NiftiImage): NiftiHeader {
  checkDims(image.dims);
  const info = imageDatatype(image.datatype);
  checkData(image, info);
  checkMatrix(image.qform, 'qform');
  checkMatrix(image.sform, 'sform');
  const pixdim = image.pixdim.slice(0, 8);
  while (pixdim.length < 8) pixdim.push(1);
  const header: NiftiHeader = { ...image.header, pixdim, srow_x: image.sform[0]!.slice(), srow_y: image.sform[1]!.slice(), srow_z: image.sform[2]!.slice() };
  let keepQuaternion = false;
  try {
    keepQuaternion = sameMatrix(qformMatrix(header, pixdim), image.qform);
  } catch {
    keepQuaternion = false;
  }
  if (!keepQuaternion) {
    const q = affineToQform(image.qform);
    Object.assign(header, { quatern_b: q.quatern_b, quatern_c: q.quatern_c, quatern_d: q.quatern_d, qoffset_x: q.qoffset_x, qoffset_y: q.qoffset_y, qoffset_z: q.qoffset_z });
    pixdim[0] = q.qfac;
    [pixdim[1], pixdim[2], pixdim[3]] = q.zooms;
  }
  const dim = [image.dims.length, ...image.dims];
  while (dim.length < 8) dim.push(1);
  return {
    ...header,
    dim,
    datatype: info.code,
    bitpix: bytesPerVoxel(info) * 8,
    qform_code: image.qformCode,
    sform_code: image.sformCode,
  };
}

function byteOrderOption(order: EncodeOptions['byteOrder']): boolean {
  if (order === undefined || order === 'little') return true;
  if (order === 'big') return false;
  throw new NiftiArgumentError(`options.byteOrder must be 'little' or 'big', got ${JSON.stringify(order)}`);
}

const align16 = (n: number) => Math.ceil(n / 16) * 16;

function extensionBytes(image: NiftiImage): number {
  return image.extensions.reduce((sum, e) => sum + align16(8 + e.data.length), 0);
}

function writeExtensions(image: NiftiImage, bytes: Uint8Array, start: number, littleEndian: boolean): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (image.extensions.length > 0) bytes[start] = 1;
  let pos = start + 4;
  for (const [i, e] of image.extensions.entries()) {
    if (!(e.data instanceof Uint8Array) || !Number.isInteger(e.code)) throw new NiftiArgumentError(`image.extensions[${i}] must be { code: integer, data: Uint8Array }`);
    const esize = align16(8 + e.data.length);
    v.setInt32(pos, esize, littleEndian);
    v.setInt32(pos + 4, e.code, littleEndian);
    bytes.set(e.data, pos + 8);
    pos += esize;
  }
}

/** Voxel bytes in the file's byte order: a view of the data when that is the host's order, else a swapped copy. */
function dataBytes(image: NiftiImage, info: DatatypeInfo, littleEndian: boolean): Uint8Array {
  const d = image.data;
  const view = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (littleEndian === HOST_LITTLE_ENDIAN) return view;
  const swapped = new Uint8Array(view);
  swapBytes(swapped, info.componentBytes);
  return swapped;
}

/**
 * Encodes an image into header bytes and voxel bytes without concatenating them (writers can
 * send both to a file or a compressor without copying the voxels).
 * @param singleFile true for `.nii` (voxels after the header), false for a `.hdr`/`.img` pair.
 * @throws {@link NiftiArgumentError} when the image's fields are inconsistent.
 */
export function encodeParts(image: NiftiImage, options: EncodeOptions = {}, singleFile = true): EncodedParts {
  const fromImage = headerFromImage(image);
  const version = chooseVersion(image.dims, options.version);
  const fixed = version === 1 ? 348 : 540;
  const headLength = fixed + 4 + extensionBytes(image);
  const voxOffset = singleFile ? align16(headLength) : 0;
  const head = new Uint8Array(singleFile ? voxOffset : headLength);
  const header: NiftiHeader = { ...fromImage, sizeof_hdr: fixed, vox_offset: voxOffset, magic: `${singleFile ? 'n+' : 'ni'}${version}` };
  const littleEndian = byteOrderOption(options.byteOrder);
  writeHeader(header, version, head, littleEndian);
  writeExtensions(image, head, fixed, littleEndian);
  return { head, body: dataBytes(image, imageDatatype(image.datatype), littleEndian) };
}

/**
 * Encodes an image as an uncompressed single-file NIfTI (`.nii` bytes). NIfTI-1 by default,
 * NIfTI-2 when asked or when a dimension exceeds 32767. Keeps datatype, both affines with their
 * codes, extensions and all other header fields.
 * @throws {@link NiftiArgumentError} when the image's fields are inconsistent.
 */
export function encodeNifti(image: NiftiImage, options: EncodeOptions = {}): Uint8Array {
  const { head, body } = encodeParts(image, options, true);
  return concatBytes([head, body]);
}

/** Bytes of the two files of a `.hdr`/`.img` pair. */
export interface NiftiPairBytes {
  /** The `.hdr` file: header, extension flag and extensions. */
  hdr: Uint8Array;
  /** The `.img` file: voxel data only. */
  img: Uint8Array;
}

/**
 * Encodes an image as a `.hdr`/`.img` pair (magic `ni1`/`ni2`, vox_offset 0).
 * @throws {@link NiftiArgumentError} when the image's fields are inconsistent.
 */
export function encodeNiftiPair(image: NiftiImage, options: EncodeOptions = {}): NiftiPairBytes {
  const { head, body } = encodeParts(image, options, false);
  return { hdr: head, img: body.slice() };
}
