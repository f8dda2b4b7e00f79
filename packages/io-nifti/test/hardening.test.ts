// Reading never blocks or over-allocates on hostile paths and headers; writing works on every
// valid file name. Each case failed before the fix it guards.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { NiftiArgumentError, NiftiFormatError, NODE_MAX_DATA_BYTES, readNifti, readNiftiFrames, writeNifti } from '../src/index.js';
import { FIXTURES } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'io-nifti-hardening-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const NII = new Uint8Array(readFileSync(join(FIXTURES, 'dtype-int16-le.nii'))); // 4×3×2 int16

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error) => e,
  );
}

describe('readNifti reads only regular files', () => {
  it('a named pipe is refused at once (a blocking open would wait forever for a writer)', async () => {
    const fifo = join(work, 'pipe.nii');
    execFileSync('mkfifo', [fifo]);
    const t0 = performance.now();
    const error = await rejection(readNifti(fifo));
    expect(error).toBeInstanceOf(NiftiArgumentError);
    expect(error.message).toMatch(/pipe\.nii is a named pipe \(FIFO\), not a regular file/);
    const frames = await rejection(readNiftiFrames(fifo).next());
    expect(frames).toBeInstanceOf(NiftiArgumentError);
    expect(performance.now() - t0).toBeLessThan(2000);
  }, 5000);

  it('a directory gives a typed error naming it', async () => {
    const dir = join(work, 'folder.nii.gz');
    mkdirSync(dir);
    const error = await rejection(readNifti(dir));
    expect(error).toBeInstanceOf(NiftiArgumentError);
    expect(error.message).toMatch(/folder\.nii\.gz is a directory, not a regular file/);
  });

  it('a character device is refused', async () => {
    const error = await rejection(readNifti('/dev/zero'));
    expect(error).toBeInstanceOf(NiftiArgumentError);
    expect(error.message).toMatch(/\/dev\/zero is a device/);
  });
});

describe('decoded-size limit', () => {
  // A 4 MiB gzip of random bytes whose header claims 3.7 GiB: within what deflate could expand
  // 4 MiB to, so only the default limit stops the reader from allocating 3.7 GiB.
  const claim = patchedDims(NII, [1000, 1000, 1000], 4); // int32 1000³ = 3.73 GiB
  const body = new Uint8Array(4 << 20);
  for (let i = 0; i < body.length; i++) body[i] = (i * 2654435761) >>> 24;
  const bomb = gzipSync(Buffer.concat([claim.subarray(0, 352), body]), { level: 1 });

  it('the Node default (2 GiB) refuses a small .nii.gz declaring 3.7 GiB before inflating', async () => {
    expect(NODE_MAX_DATA_BYTES).toBe(2 ** 31);
    const before = process.memoryUsage().arrayBuffers;
    const error = await rejection(readNifti(bomb));
    expect(error).toBeInstanceOf(NiftiFormatError);
    expect(error.message).toMatch(/need 3\.73 GiB of voxel data, more than the 2\.00 GiB/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(256 << 20);
  });

  it('the caller may lower or raise it (up to 4 GiB − 1)', async () => {
    await expect(readNifti(NII, { maxDataBytes: 47 })).rejects.toThrow(/more than the 47 bytes/);
    expect((await readNifti(NII, { maxDataBytes: 48 })).dims).toEqual([4, 3, 2]);
  });
});

describe('writeNifti temporary names', () => {
  it('writes to a 255-byte file name (the temp name must not exceed NAME_MAX) and leaves no temp file', async () => {
    const image = await readNifti(NII);
    const dir = join(work, 'long');
    mkdirSync(dir);
    for (const ext of ['.nii', '.nii.gz']) {
      const name = `${'x'.repeat(255 - ext.length)}${ext}`;
      await writeNifti(join(dir, name), image);
      expect((await readNifti(join(dir, name))).dims).toEqual([4, 3, 2]);
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

/** A copy of a NIfTI-1 file with new dims and datatype code/bitpix (int32 = 8/32). */
function patchedDims(bytes: Uint8Array, dims: number[], bytesPerVoxel: number): Uint8Array {
  const copy = bytes.slice();
  const v = new DataView(copy.buffer);
  v.setInt16(40, dims.length, true);
  dims.forEach((d, i) => {
    v.setInt16(42 + 2 * i, d, true);
  });
  v.setInt16(70, bytesPerVoxel === 4 ? 8 : 4, true);
  v.setInt16(72, bytesPerVoxel * 8, true);
  return copy;
}
