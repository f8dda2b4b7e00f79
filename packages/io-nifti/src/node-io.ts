import { randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { type FileHandle, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, createGunzip } from 'node:zlib';
import { decodeNifti } from './decode.js';
import { checkedLevel } from './gzip-encode.js';
import { concatBytes } from './bytes.js';
import { type EncodeOptions, encodeParts } from './encode.js';
import { NiftiArgumentError, NiftiFormatError } from './errors.js';
import type { NiftiImage } from './image.js';
import { type Deflater, type Inflater, isGzip, niftiFileSize } from './inflate.js';
import { dataLayout, formatBytes } from './layout.js';
import { parseHeader } from './header.js';
import { plainImageBytes, plainNiftiBytes, type ReadNiftiOptions } from './read.js';

/** Options for {@link writeNifti}. */
export interface WriteNiftiOptions extends EncodeOptions {
  /** gzip compression level 0–9 for `.gz` paths (default 6, zlib's default). */
  level?: number;
}

/** gzip through Node's zlib stream, collecting the compressed chunks. */
export const deflateNode: Deflater = async (parts, level) => {
  const chunks: Uint8Array[] = [];
  const gzip = createGzip({ level, chunkSize: 1 << 20 });
  gzip.on('data', (chunk: Uint8Array) => chunks.push(chunk));
  await pipeline(Readable.from(parts, { objectMode: false }), gzip);
  return concatBytes(chunks);
};

/** gunzip through Node's zlib stream (handles multi-member files), in 1 MiB chunks. */
export const inflateNode: Inflater = async function* (compressed) {
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  gunzip.end(compressed);
  try {
    yield* gunzip;
  } finally {
    gunzip.destroy();
  }
};

// fs reads are limited to 2 GiB per call.
const READ_CHUNK = 1 << 30;

async function readRange(fh: FileHandle, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let pos = 0;
  while (pos < length) {
    const { bytesRead } = await fh.read(out, pos, Math.min(READ_CHUNK, length - pos), pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
  }
  return out.subarray(0, pos);
}

/**
 * Opens a file for reading if it is a regular file. Opened non-blocking (a FIFO would otherwise
 * wait forever for a writer), then checked with fstat, so nothing else is ever read.
 * @throws {@link NiftiArgumentError} for a missing file, a directory, FIFO, socket or device.
 */
export async function openRegularFile(path: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new NiftiArgumentError(`cannot open ${path}: ${(err as Error).message}`);
  }
  const info = await fh.stat();
  if (!info.isFile()) {
    await fh.close();
    throw new NiftiArgumentError(`${path} is ${fileKind(info)}, not a regular file: only regular files are read`);
  }
  return fh;
}

/**
 * File bytes. For uncompressed files `sizeFromPrefix` may say from the first bytes how many are
 * needed (checking the size limit before anything large is allocated); gzipped files are read whole.
 */
async function readFileBytes(path: string, sizeFromPrefix: (prefix: Uint8Array) => number | undefined): Promise<Uint8Array> {
  const fh = await openRegularFile(path);
  try {
    const { size } = await fh.stat();
    const prefix = await readRange(fh, Math.min(size, 544));
    let length = size;
    if (!isGzip(prefix)) {
      const needed = sizeFromPrefix(prefix);
      if (needed !== undefined && needed < size) length = needed;
    }
    if (length > 2 ** 32 - 1) throw new NiftiFormatError(`${path} is ${formatBytes(length)}: files over 4 GiB cannot be held in memory`);
    return await readRange(fh, length);
  } finally {
    await fh.close();
  }
}

function fileKind(info: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

const PAIR_PATTERN = /\.(hdr|img)(\.gz)?$/i;

/** The header and image paths of a `.hdr`/`.img` pair, trying each extension's case and an optional .gz. */
export async function pairPaths(path: string): Promise<{ hdr: string; img: string } | undefined> {
  const match = PAIR_PATTERN.exec(path);
  if (!match) return undefined;
  const stem = path.slice(0, match.index);
  const isHdr = match[1]!.toLowerCase() === 'hdr';
  const upper = match[1] === match[1]!.toUpperCase();
  const other = isHdr ? 'img' : 'hdr';
  const candidates = upper ? [other.toUpperCase(), other] : [other, other.toUpperCase()];
  for (const ext of candidates) {
    for (const gz of ['', '.gz', '.GZ']) {
      const partner = `${stem}.${ext}${gz}`;
      if (await exists(partner)) return isHdr ? { hdr: path, img: partner } : { hdr: partner, img: path };
    }
  }
  throw new NiftiFormatError(`${path} is half of a .hdr/.img pair, but no ${stem}.${other} (or .${other}.gz) exists next to it`);
}

/** Reads a NIfTI file by path in Node: `.nii`, `.nii.gz`, or a `.hdr`/`.img` pair (either gzipped). */
export async function readNiftiFile(path: string, options: ReadNiftiOptions = {}): Promise<NiftiImage> {
  const pair = await pairPaths(path);
  const hdrPath = pair?.hdr ?? path;
  const max = options.maxDataBytes;
  const hdr = await withFileName(hdrPath, async () => plainNiftiBytes(await readFileBytes(hdrPath, (prefix) => niftiFileSize(prefix, max)), inflateNode, max));
  const decodeOptions = { copy: options.copy ?? false, ...(options.maxDataBytes !== undefined ? { maxDataBytes: options.maxDataBytes } : {}) };
  if (!pair) return withFileName(path, async () => decodeNifti(hdr, decodeOptions));
  const imgPath = pair.img;
  // Validate the header (and the size limit) before reading a possibly huge .img.
  const layout = await withFileName(hdrPath, async () => dataLayout(parseHeader(hdr), max));
  return withFileName(imgPath, async () => {
    const img = await plainImageBytes(await readFileBytes(imgPath, () => layout.dataOffset + layout.dataBytes), hdr, inflateNode, max);
    return decodeNifti(hdr, { ...decodeOptions, imageBytes: img });
  });
}

/** Prefixes format errors with the file they concern. */
export async function withFileName<T>(path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof NiftiFormatError && !err.message.startsWith(path)) throw new NiftiFormatError(`${path}: ${err.message}`);
    throw err;
  }
}

/**
 * A temporary name in the same folder as `path` (so the final rename is atomic) that fits any
 * file system's name limit whatever the length of `path`'s name: `.<name>.<12 hex>.tmp` for names
 * of up to 40 characters (at most 180 bytes), `.nifti.<12 hex>.tmp` for longer ones. Hidden
 * (leading dot) so listings and globs skip it.
 */
export function tempPathFor(path: string): string {
  const name = basename(path);
  return join(dirname(path), `.${name.length > 40 ? 'nifti' : name}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Writes `parts` to `path` through a temporary file in the same folder, renamed into place when complete. */
async function writeAtomic(path: string, parts: Uint8Array[], gzipLevel: number | undefined): Promise<void> {
  const temp = tempPathFor(path);
  try {
    if (gzipLevel === undefined) {
      const fh = await open(temp, 'w');
      try {
        await fh.writev(parts);
      } finally {
        await fh.close();
      }
    } else {
      await pipeline(Readable.from(parts, { objectMode: false }), createGzip({ level: gzipLevel, chunkSize: 1 << 20 }), createWriteStream(temp));
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

function gzipLevel(path: string, level: number | undefined): number | undefined {
  if (!/\.gz$/i.test(path)) return undefined;
  return checkedLevel(level);
}

/**
 * Writes an image to `path` in Node. The extension picks the format: `.nii`, `.nii.gz`, or a pair
 * (`.hdr` + `.img`, `.hdr.gz` + `.img.gz`; either name may be given). Each file is written to a
 * temporary name and renamed into place, so readers never see a partial file.
 * @throws {@link NiftiArgumentError} for an unknown extension or an inconsistent image.
 */
export async function writeNiftiFile(path: string, image: NiftiImage, options: WriteNiftiOptions = {}): Promise<void> {
  if (typeof path !== 'string') throw new NiftiArgumentError(`path must be a string, got ${typeof path}`);
  const match = PAIR_PATTERN.exec(path);
  if (match) {
    const stem = path.slice(0, match.index);
    const gz = match[2] ?? '';
    const { head, body } = encodeParts(image, options, false);
    const level = gzipLevel(path, options.level);
    await writeAtomic(`${stem}.hdr${gz}`, [head], level);
    await writeAtomic(`${stem}.img${gz}`, [body], level);
    return;
  }
  if (!/\.nii(\.gz)?$/i.test(path)) throw new NiftiArgumentError(`path must end in .nii, .nii.gz, .hdr, .img, .hdr.gz or .img.gz, got ${path}`);
  const { head, body } = encodeParts(image, options, true);
  await writeAtomic(path, [head, body], gzipLevel(path, options.level));
}
