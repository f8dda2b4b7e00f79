import { baseAffine, normalisedPixdim, qformMatrix, sformMatrix } from './affine.js';
import { HOST_LITTLE_ENDIAN, swapBytes } from './byte-order.js';
import type { DatatypeInfo, NiftiData } from './datatypes.js';
import { NiftiFormatError } from './errors.js';
import { type ParsedHeader, parseHeader } from './header.js';
import { NiftiImage, type NiftiExtension } from './image.js';
import { type DataLayout, dataLayout, formatBytes } from './layout.js';

/** Options for decoding NIfTI bytes. */
export interface DecodeOptions {
  /** Voxel bytes of a `.hdr`/`.img` pair (the `.img` file, already decompressed). */
  imageBytes?: Uint8Array;
  /** Refuse volumes whose voxel data exceed this many bytes (default 4 GiB − 1). */
  maxDataBytes?: number;
  /** Copy voxel data even when a view on the input would do (default false). */
  copy?: boolean;
}

/** Extensions stored between `start` and `end` (a sequence of esize, ecode, content). */
export function readExtensions(bytes: Uint8Array, start: number, end: number, littleEndian: boolean): NiftiExtension[] {
  // Four bytes after the header: extension[0] ≠ 0 means extensions follow.
  if (end < start + 4 || bytes[start] === 0) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: NiftiExtension[] = [];
  let pos = start + 4;
  // nibabel reads extensions while at least 16 bytes remain before vox_offset.
  while (pos + 16 <= end) {
    const esize = view.getInt32(pos, littleEndian);
    const code = view.getInt32(pos + 4, littleEndian);
    if (esize < 8 || pos + esize > end) {
      throw new NiftiFormatError(`extension at byte ${pos} has esize ${esize}: expected at least 8 and to end by byte ${end} (vox_offset or end of header file)`);
    }
    // Like nibabel, keep the content without the trailing NUL padding.
    let contentEnd = pos + esize;
    while (contentEnd > pos + 8 && bytes[contentEnd - 1] === 0) contentEnd--;
    out.push({ code, data: new Uint8Array(bytes.subarray(pos + 8, contentEnd)) });
    pos += esize;
  }
  return out;
}

/** Voxels as a typed array: a view when aligned and native-endian, else an aligned (swapped) copy. */
export function typedData(source: Uint8Array, layout: DataLayout, littleEndian: boolean, copy: boolean): NiftiData {
  const { info, dataOffset, dataBytes } = layout;
  const length = dataBytes / info.componentBytes;
  const start = source.byteOffset + dataOffset;
  const nativeOrder = littleEndian === HOST_LITTLE_ENDIAN || info.componentBytes === 1;
  if (!copy && nativeOrder && start % info.componentBytes === 0) {
    return new (info.ctor as typeof Uint8Array)(source.buffer as ArrayBuffer, start, length) as NiftiData;
  }
  // A copy even when `source` is a Node Buffer (whose slice() is a view).
  const bytes = new Uint8Array(source.subarray(dataOffset, dataOffset + dataBytes));
  if (!nativeOrder) swapBytes(bytes, info.componentBytes);
  return new (info.ctor as typeof Uint8Array)(bytes.buffer, 0, length) as NiftiData;
}

function checkDataFits(source: Uint8Array, layout: DataLayout, what: string): void {
  const available = Math.max(0, source.length - layout.dataOffset);
  if (available < layout.dataBytes) {
    throw new NiftiFormatError(
      `${what} is truncated: dims ${layout.dims.join('×')} of ${layout.info.name} need ${formatBytes(layout.dataBytes)} from byte ${layout.dataOffset} (vox_offset), ` +
        `but only ${formatBytes(available)} are there`,
    );
  }
}

/** The image parts that depend only on the header. */
export function imageGeometry(parsed: ParsedHeader, info: DatatypeInfo, dims: number[]) {
  const { header } = parsed;
  const pixdim = normalisedPixdim(header.pixdim);
  let qform: number[][];
  try {
    qform = qformMatrix(header, pixdim);
  } catch (err) {
    // An unusable quaternion only matters when the qform is the chosen affine.
    if (header.qform_code !== 0 && header.sform_code === 0) throw err;
    qform = baseAffine(dims, pixdim);
  }
  return { pixdim, qform, sform: sformMatrix(header), datatype: info.code };
}

/**
 * Decodes uncompressed NIfTI-1/NIfTI-2 bytes (a `.nii`, or a `.hdr` with `options.imageBytes`).
 * Voxel data is a view on `bytes` when possible (see {@link DecodeOptions.copy}).
 * @throws {@link NiftiFormatError} for anything that is not a valid, complete NIfTI file.
 */
export function decodeNifti(bytes: Uint8Array, options: DecodeOptions = {}): NiftiImage {
  const parsed = parseHeader(bytes);
  const layout = dataLayout(parsed, options.maxDataBytes);
  const extensionEnd = parsed.singleFile ? Math.min(layout.dataOffset, bytes.length) : bytes.length;
  const extensions = readExtensions(bytes, parsed.headerBytes, extensionEnd, parsed.littleEndian);
  let source = bytes;
  if (!parsed.singleFile) {
    if (!options.imageBytes) {
      throw new NiftiFormatError(`this is the header of a .hdr/.img pair (magic "${parsed.header.magic}"): pass the .img bytes as options.imageBytes, or read the .hdr by path in Node`);
    }
    source = options.imageBytes;
  }
  checkDataFits(source, layout, parsed.singleFile ? 'file' : '.img file');
  const data = typedData(source, layout, parsed.littleEndian, options.copy ?? false);
  const geometry = imageGeometry(parsed, layout.info, layout.dims);
  return new NiftiImage({
    version: parsed.version,
    header: parsed.header,
    dims: layout.dims,
    data,
    extensions,
    qformCode: parsed.header.qform_code,
    sformCode: parsed.header.sform_code,
    ...geometry,
  });
}
