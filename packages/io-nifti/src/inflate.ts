import { concatBytes } from './bytes.js';
import { NiftiFormatError } from './errors.js';
import { detectVersion, headerSize, parseHeader } from './header.js';
import { dataLayout, formatBytes } from './layout.js';

/** True when bytes start with the gzip magic number (1F 8B). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip bytes (all members of a multi-member file) as a stream of chunks. */
export type Inflater = (compressed: Uint8Array) => AsyncIterable<Uint8Array>;
/** Compresses byte parts, in order, into one gzip member. */
export type Deflater = (parts: Uint8Array[], level: number) => Promise<Uint8Array>;

// Deflate cannot expand data by more than 1032:1, so a gzip file of n bytes holds at most
// about 1032·n bytes: larger header claims are refused before allocating.
const MAX_DEFLATE_RATIO = 1032;

/**
 * Total bytes a NIfTI file needs, known from its first bytes: header + extensions + voxels for
 * a single file; `Infinity` for a `.hdr` of a pair (read to the end); `undefined` while the
 * prefix is too short to tell.
 */
export function niftiFileSize(prefix: Uint8Array, maxDataBytes?: number): number | undefined {
  if (prefix.length < 4) return undefined;
  const { version } = detectVersion(prefix);
  if (prefix.length < headerSize(version)) return undefined;
  const parsed = parseHeader(prefix);
  if (!parsed.singleFile) return Number.POSITIVE_INFINITY;
  const layout = dataLayout(parsed, maxDataBytes);
  return layout.dataOffset + layout.dataBytes;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}

/**
 * Inflates gzip bytes into one buffer sized from the header (`sizeFromPrefix`), so voxel data
 * is copied once from zlib's chunks and decompression stops as soon as the file is complete.
 * Returns fewer bytes than the header claims when the stream ends early (the decoder then
 * reports the truncation).
 * @throws {@link NiftiFormatError} for corrupt gzip data or a size no gzip file of this length can hold.
 */
export async function inflateSized(compressed: Uint8Array, inflate: Inflater, sizeFromPrefix: (prefix: Uint8Array) => number | undefined): Promise<Uint8Array> {
  const bound = compressed.length * MAX_DEFLATE_RATIO + 1024;
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let out: Uint8Array | undefined;
  let filled = 0;
  try {
    for await (const chunk of inflate(compressed)) {
      if (!out) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes > bound) break;
        const size = sizeFromPrefix(concat(pending));
        if (size === undefined || size === Number.POSITIVE_INFINITY) continue;
        if (size > bound) {
          throw new NiftiFormatError(`header needs ${formatBytes(size)}, but a gzip file of ${formatBytes(compressed.length)} cannot hold more than ${formatBytes(bound)}`);
        }
        out = new Uint8Array(size);
        for (const c of pending) {
          const n = Math.min(c.length, size - filled);
          out.set(c.subarray(0, n), filled);
          filled += n;
        }
      } else {
        const n = Math.min(chunk.length, out.length - filled);
        out.set(chunk.subarray(0, n), filled);
        filled += n;
      }
      if (out && filled === out.length) break;
    }
  } catch (err) {
    if (err instanceof NiftiFormatError) throw err;
    throw new NiftiFormatError(`corrupt gzip data: ${(err as Error)?.message ?? String(err)}`);
  }
  if (!out) return concat(pending).subarray(0, Math.min(pendingBytes, bound));
  return out.subarray(0, filled);
}
