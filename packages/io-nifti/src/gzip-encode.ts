import { type EncodeOptions, encodeParts } from './encode.js';
import type { NiftiImage } from './image.js';
import type { Deflater } from './inflate.js';
import { NiftiArgumentError } from './errors.js';

/** Options for gzip encoding. */
export interface EncodeGzipOptions extends EncodeOptions {
  /** Compression level 0–9 (Node only; browsers' CompressionStream has a fixed level). Default 6. */
  level?: number;
}

/** Encodes an image as `.nii.gz` bytes with the given gzip implementation. */
export async function encodeGzipWith(image: NiftiImage, options: EncodeGzipOptions, deflate: Deflater): Promise<Uint8Array> {
  const level = checkedLevel(options.level);
  const { head, body } = encodeParts(image, options, true);
  return deflate([head, body], level);
}

/** The gzip level to use: `level` checked to be an integer 0–9, default 6 (zlib's default). */
export function checkedLevel(level: number | undefined): number {
  const l = level ?? 6;
  if (!Number.isInteger(l) || l < 0 || l > 9) throw new NiftiArgumentError(`options.level must be an integer 0–9, got ${level}`);
  return l;
}
