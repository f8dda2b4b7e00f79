import { type DecodeOptions, decodeNifti } from './decode.js';
import { NiftiArgumentError } from './errors.js';
import { parseHeader } from './header.js';
import type { NiftiImage } from './image.js';
import { type Inflater, inflateSized, isGzip, niftiFileSize } from './inflate.js';
import { dataLayout } from './layout.js';

/** Options for {@link readNifti}. */
export interface ReadNiftiOptions {
  /**
   * Bytes of the `.img` file (gzipped or not) when `source` is the bytes of a `.hdr`.
   * Not needed when reading by path in Node: the `.img` is found next to the `.hdr`.
   */
  imageBytes?: Uint8Array | ArrayBuffer;
  /**
   * Refuse volumes whose voxel data exceed this many bytes, checked on the header before any
   * voxel is inflated or allocated. Default 2 GiB in Node ({@link NODE_MAX_DATA_BYTES}), 1 GiB in
   * browsers ({@link BROWSER_MAX_DATA_BYTES}); at most 4 GiB − 1 ({@link DEFAULT_MAX_DATA_BYTES}).
   */
  maxDataBytes?: number;
  /** Always copy voxel data instead of viewing the input bytes (default false). */
  copy?: boolean;
}

/** `options` with `maxDataBytes` defaulting to the entry's limit. */
export function withDefaultLimit(options: ReadNiftiOptions, limit: number): ReadNiftiOptions {
  return options.maxDataBytes === undefined ? { ...options, maxDataBytes: limit } : options;
}

/** A Uint8Array over the given bytes (no copy); Node Buffers keep their byteOffset. */
export function asBytes(source: unknown, name: string): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  throw new NiftiArgumentError(`${name} must be a Uint8Array or an ArrayBuffer, got ${Object.prototype.toString.call(source)}`);
}

/** Header-file bytes, decompressed when gzipped (sized from the header, stopping at the end of the data). */
export async function plainNiftiBytes(bytes: Uint8Array, inflate: Inflater, maxDataBytes?: number): Promise<Uint8Array> {
  return isGzip(bytes) ? inflateSized(bytes, inflate, (prefix) => niftiFileSize(prefix, maxDataBytes)) : bytes;
}

/** `.img` bytes of a pair, decompressed when gzipped, sized from the already read header. */
export async function plainImageBytes(img: Uint8Array, hdr: Uint8Array, inflate: Inflater, maxDataBytes?: number): Promise<Uint8Array> {
  if (!isGzip(img)) return img;
  const layout = dataLayout(parseHeader(hdr), maxDataBytes);
  return inflateSized(img, inflate, () => layout.dataOffset + layout.dataBytes);
}

/** Reads NIfTI bytes (gzipped or not, single file or pair) with the given gunzip implementation. */
export async function readNiftiBytes(source: Uint8Array | ArrayBuffer, options: ReadNiftiOptions, inflate: Inflater): Promise<NiftiImage> {
  const hdr = await plainNiftiBytes(asBytes(source, 'source'), inflate, options.maxDataBytes);
  const decodeOptions: DecodeOptions = { copy: options.copy ?? false };
  if (options.maxDataBytes !== undefined) decodeOptions.maxDataBytes = options.maxDataBytes;
  if (options.imageBytes !== undefined) {
    decodeOptions.imageBytes = await plainImageBytes(asBytes(options.imageBytes, 'options.imageBytes'), hdr, inflate, options.maxDataBytes);
  }
  return decodeNifti(hdr, decodeOptions);
}
