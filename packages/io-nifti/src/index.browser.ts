/**
 * Browser entry of `@deepigeos/io-nifti`: the same API as the Node entry, without file paths
 * (pass bytes, e.g. from `fetch` or a `File`), gzip through DecompressionStream/CompressionStream.
 * @packageDocumentation
 */
import { NiftiArgumentError } from './errors.js';
import { type EncodeGzipOptions, encodeGzipWith } from './gzip-encode.js';
import type { NiftiImage } from './image.js';
import { BROWSER_MAX_DATA_BYTES } from './layout.js';
import { type ReadNiftiOptions, readNiftiBytes, withDefaultLimit } from './read.js';
import { deflateWeb, inflateWeb } from './web-io.js';

export * from './common.js';
export type { EncodeGzipOptions } from './gzip-encode.js';

/**
 * Reads a NIfTI image from bytes (`.nii`, `.nii.gz`, or a `.hdr` with `options.imageBytes`).
 * @throws {@link NiftiArgumentError} when given a path: browsers have no file system; fetch the bytes first.
 * Voxel data over `options.maxDataBytes` (default 1 GiB in browsers) is refused from the header.
 * @throws {@link NiftiFormatError} when the bytes are not a valid, complete NIfTI file.
 */
export async function readNifti(source: string | Uint8Array | ArrayBuffer, options: ReadNiftiOptions = {}): Promise<NiftiImage> {
  if (typeof source === 'string') {
    throw new NiftiArgumentError(`readNifti got the path ${JSON.stringify(source)}: in browsers pass bytes (e.g. new Uint8Array(await (await fetch(url)).arrayBuffer()))`);
  }
  return readNiftiBytes(source, withDefaultLimit(options, BROWSER_MAX_DATA_BYTES), inflateWeb);
}

/**
 * Not available in browsers (no file system): always throws. Use {@link encodeNifti} or
 * {@link encodeNiftiGzip} and save the bytes (download link, File System Access API, upload).
 * @throws {@link NiftiArgumentError} always.
 */
export async function writeNifti(path: string, _image: NiftiImage, _options: unknown = {}): Promise<void> {
  throw new NiftiArgumentError(`writeNifti(${JSON.stringify(path)}) needs a file system: in browsers use encodeNifti/encodeNiftiGzip and save the bytes`);
}

/** Encodes an image as `.nii.gz` bytes (CompressionStream; `options.level` is ignored). */
export async function encodeNiftiGzip(image: NiftiImage, options: EncodeGzipOptions = {}): Promise<Uint8Array> {
  return encodeGzipWith(image, options, deflateWeb);
}
