/**
 * NIfTI-1/NIfTI-2 reading and writing for Node.js and browsers that agrees with nibabel.
 * This is the Node entry: file paths, zlib streams. Browsers get `index.browser` (same API,
 * bytes only, DecompressionStream/CompressionStream).
 * @packageDocumentation
 */
import { type EncodeGzipOptions, encodeGzipWith } from './gzip-encode.js';
import type { NiftiImage } from './image.js';
import { deflateNode, inflateNode, readNiftiFile, type WriteNiftiOptions, writeNiftiFile } from './node-io.js';
import { NODE_MAX_DATA_BYTES } from './layout.js';
import { type ReadNiftiOptions, readNiftiBytes, withDefaultLimit } from './read.js';

export * from './common.js';
export { readNiftiFrames } from './frames.js';
export type { EncodeGzipOptions } from './gzip-encode.js';
export type { WriteNiftiOptions } from './node-io.js';

/**
 * Reads a NIfTI image from a file path (Node) or from bytes (anywhere).
 *
 * Paths: `.nii`, `.nii.gz`, `.hdr`/`.img` pairs (give either name; either file may be gzipped).
 * Bytes: a `.nii` or `.nii.gz`; for a pair pass the `.hdr` bytes and `options.imageBytes`.
 * gzip is detected from the content, multi-member gzip included. Only regular files are read:
 * a directory, FIFO, socket or device is refused without blocking. Voxel data over
 * `options.maxDataBytes` (default 2 GiB in Node) is refused from the header, before inflating.
 * @throws {@link NiftiFormatError} when the file is not a valid, complete NIfTI-1/NIfTI-2 file,
 *   or its voxel data exceed `maxDataBytes`.
 * @throws {@link NiftiArgumentError} for a missing file, a path that is not a regular file, or a
 *   source of the wrong type.
 * @example
 * ```ts
 * const image = await readNifti('brain.nii.gz');
 * console.log(image.dims, image.affine);
 * ```
 */
export async function readNifti(source: string | Uint8Array | ArrayBuffer, options: ReadNiftiOptions = {}): Promise<NiftiImage> {
  const limited = withDefaultLimit(options, NODE_MAX_DATA_BYTES);
  if (typeof source === 'string') return readNiftiFile(source, limited);
  return readNiftiBytes(source, limited, inflateNode);
}

/**
 * Writes an image to a file (Node only). The extension picks the format: `.nii`, `.nii.gz`,
 * `.hdr`/`.img` (or `.hdr.gz`/`.img.gz`). NIfTI-1 unless `options.version` is 2 or a dimension
 * exceeds 32767. Writes go to a temporary file renamed into place (atomic per file).
 * @throws {@link NiftiArgumentError} for an unknown extension or an inconsistent image.
 */
export async function writeNifti(path: string, image: NiftiImage, options: WriteNiftiOptions = {}): Promise<void> {
  return writeNiftiFile(path, image, options);
}

/** Encodes an image as `.nii.gz` bytes (zlib in Node). */
export async function encodeNiftiGzip(image: NiftiImage, options: EncodeGzipOptions = {}): Promise<Uint8Array> {
  return encodeGzipWith(image, options, deflateNode);
}
