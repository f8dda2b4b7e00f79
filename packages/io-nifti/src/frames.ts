import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { ChunkReader } from './chunk-reader.js';
import { imageGeometry, readExtensions, typedData } from './decode.js';
import { NiftiFormatError } from './errors.js';
import { detectVersion, headerSize, parseHeader } from './header.js';
import { NiftiImage } from './image.js';
import { isGzip } from './inflate.js';
import { bytesPerVoxel } from './datatypes.js';
import { formatBytes, sizeLimit, unlimitedLayout } from './layout.js';
import { openRegularFile, pairPaths } from './node-io.js';
import type { ReadNiftiOptions } from './read.js';

/** A file as a stream of (decompressed) chunks, with the most bytes it can decompress to. */
async function openChunks(path: string): Promise<{ reader: ChunkReader; maxBytes: number }> {
  let size: number;
  let magic: Uint8Array;
  const fh = await openRegularFile(path);
  try {
    size = (await fh.stat()).size;
    magic = new Uint8Array(2);
    await fh.read(magic, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  if (!isGzip(magic)) return { reader: new ChunkReader(file), maxBytes: size };
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  file.on('error', (err) => gunzip.destroy(err));
  gunzip.on('close', () => file.destroy());
  file.pipe(gunzip);
  // Deflate expands at most 1032:1.
  return { reader: new ChunkReader(gunzip), maxBytes: size * 1032 + 1024 };
}

async function readExactly(reader: ChunkReader, n: number, what: string): Promise<Uint8Array> {
  const bytes = await reader.read(n);
  if (bytes.length < n) throw new NiftiFormatError(`file is truncated: ${what} needs ${n} bytes, only ${bytes.length} are there`);
  return bytes;
}

/**
 * Streams a 4D+ NIfTI file (Node) as one 3D image per frame, in file order (4th dimension
 * fastest, then 5th, …), holding one frame in memory at a time. Works for files far larger
 * than {@link readNifti} can hold (over 4 GiB), `.nii`, `.nii.gz` and pairs alike. Each frame
 * has the file's affines, codes, pixdim, header and extensions; a 3D file yields one frame.
 * @throws {@link NiftiFormatError} for invalid or truncated files, or a single frame larger than
 *   `options.maxDataBytes` (default and maximum 4 GiB − 1).
 * @example
 * ```ts
 * for await (const frame of readNiftiFrames('dwi.nii.gz')) console.log(volumeFromNifti(frame).shape);
 * ```
 */
export async function* readNiftiFrames(path: string, options: Pick<ReadNiftiOptions, 'maxDataBytes'> = {}): AsyncGenerator<NiftiImage> {
  const pair = await pairPaths(path);
  const hdrPath = pair?.hdr ?? path;
  const opened: ChunkReader[] = [];
  let current = hdrPath;
  try {
    const { reader: hdr, maxBytes } = await openChunks(hdrPath);
    opened.push(hdr);
    const start = await readExactly(hdr, 4, 'the header');
    const { version } = detectVersion(start);
    const rest = await readExactly(hdr, headerSize(version) - 4, 'the header');
    const headBytes = new Uint8Array(headerSize(version));
    headBytes.set(start);
    headBytes.set(rest, 4);
    const parsed = parseHeader(headBytes);
    const layout = unlimitedLayout(parsed);
    if (parsed.singleFile && layout.dataOffset > maxBytes) throw new NiftiFormatError(`vox_offset ${layout.dataOffset} is past the end of the file`);
    // Extensions: up to vox_offset in a .nii, to the end of a .hdr.
    const extBytes = parsed.singleFile
      ? await readExactly(hdr, layout.dataOffset - parsed.headerBytes, 'the extensions before vox_offset')
      : await hdr.readRest(maxBytes, 'the .hdr file');
    const full = new Uint8Array(parsed.headerBytes + extBytes.length);
    full.set(headBytes);
    full.set(extBytes, parsed.headerBytes);
    const extensions = readExtensions(full, parsed.headerBytes, full.length, parsed.littleEndian);

    let data = hdr;
    if (pair) {
      current = pair.img;
      data = (await openChunks(pair.img)).reader;
      opened.push(data);
      await readExactly(data, layout.dataOffset, 'the bytes before vox_offset');
    }
    const dims3 = [0, 1, 2].map((i) => layout.dims[i] ?? 1);
    const frameVoxels = dims3[0]! * dims3[1]! * dims3[2]!;
    const frameBytes = frameVoxels * bytesPerVoxel(layout.info);
    const limit = sizeLimit(options.maxDataBytes);
    if (frameBytes > limit) throw new NiftiFormatError(`one ${dims3.join('×')} frame of ${layout.info.name} needs ${formatBytes(frameBytes)}, more than the ${formatBytes(limit)} limit`);
    const frames = layout.voxelCount / frameVoxels;
    const geometry = imageGeometry(parsed, layout.info, dims3);
    const frameLayout = { ...layout, dims: dims3, voxelCount: frameVoxels, dataBytes: frameBytes, dataOffset: 0 };
    for (let f = 0; f < frames; f++) {
      const bytes = await data.read(frameBytes);
      if (bytes.length < frameBytes) throw new NiftiFormatError(`file is truncated: frame ${f} of ${frames} needs ${formatBytes(frameBytes)}, only ${formatBytes(bytes.length)} are there`);
      yield new NiftiImage({
        version: parsed.version,
        header: { ...parsed.header },
        dims: dims3,
        data: typedData(bytes, frameLayout, parsed.littleEndian, false),
        extensions: extensions.map((e) => ({ code: e.code, data: new Uint8Array(e.data) })),
        qformCode: parsed.header.qform_code,
        sformCode: parsed.header.sform_code,
        ...geometry,
      });
    }
  } catch (err) {
    if (err instanceof NiftiFormatError && !err.message.startsWith(current)) throw new NiftiFormatError(`${current}: ${err.message}`);
    throw err;
  } finally {
    for (const reader of opened) await reader.close();
  }
}
