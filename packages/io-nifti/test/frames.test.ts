// readNiftiFrames streams 4D+ files one 3D frame at a time; frames must equal the slices of a
// whole read (itself checked against nibabel), and work where a whole read is refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NiftiFormatError, type NiftiImage, niftiFromVolume, readNifti, readNiftiFrames, writeNifti } from '../src/index.js';
import { FIXTURES } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'io-nifti-frames-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function collect(path: string, options = {}): Promise<NiftiImage[]> {
  const frames: NiftiImage[] = [];
  for await (const frame of readNiftiFrames(path, options)) frames.push(frame);
  return frames;
}

async function expectFramesMatchWhole(path: string, expectedFrames: number): Promise<void> {
  const whole = await readNifti(path);
  const frames = await collect(path);
  expect(frames).toHaveLength(expectedFrames);
  const frameLength = whole.data.length / expectedFrames;
  frames.forEach((frame, f) => {
    expect(frame.dims).toEqual(whole.dims.slice(0, 3));
    expect(frame.affine).toEqual(whole.affine);
    expect(frame.extensions).toEqual(whole.extensions);
    expect(Array.from(frame.data as ArrayLike<number>)).toEqual(Array.from(whole.data.subarray(f * frameLength, (f + 1) * frameLength) as ArrayLike<number>));
  });
}

describe('readNiftiFrames', () => {
  it('4D .nii.gz, 5D .nii, a big-endian pair and a 3D file', async () => {
    await expectFramesMatchWhole(join(FIXTURES, 'shape-4d.nii.gz'), 4);
    await expectFramesMatchWhole(join(FIXTURES, 'shape-5d.nii'), 6);
    await expectFramesMatchWhole(join(FIXTURES, 'pair-v2-be.img'), 1);
    await expectFramesMatchWhole(join(FIXTURES, 'ext-two.nii'), 1);
  });

  it('streams a file whose whole data exceed the size limit that readNifti refuses', async () => {
    const frame = new Float32Array(16 * 16 * 8).map((_, i) => i);
    const image = niftiFromVolume({ data: frame, shape: [8, 16, 16], spacing: [1, 1, 1] });
    image.dims = [16, 16, 8, 10];
    image.data = new Float32Array(frame.length * 10).map((_, i) => i % 1000);
    const path = join(work, 'long.nii.gz');
    await writeNifti(path, image);
    const limit = frame.byteLength * 2;
    await expect(readNifti(path, { maxDataBytes: limit })).rejects.toThrow(/need 81920 bytes of voxel data, more than the 16384 bytes this reader holds in memory; read it frame by frame with readNiftiFrames/);
    const frames = await collect(path, { maxDataBytes: limit });
    expect(frames).toHaveLength(10);
    expect(frames[9]!.data[0]).toBe((9 * frame.length) % 1000);
  });

  it('reports truncated frames and bad headers as NiftiFormatError naming the file', async () => {
    const bytes = readFileSync(join(FIXTURES, 'shape-5d.nii'));
    const truncated = join(work, 'truncated.nii');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 10));
    const frames: NiftiImage[] = [];
    const error = await (async () => {
      for await (const f of readNiftiFrames(truncated)) frames.push(f);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NiftiFormatError);
    expect((error as Error).message).toMatch(/truncated.nii: file is truncated: frame 5 of 6/);
    expect(frames).toHaveLength(5);
    const bad = join(work, 'bad.nii');
    writeFileSync(bad, Buffer.from(bytes).fill(0, 0, 4));
    await expect(collect(bad)).rejects.toThrow(/bad.nii: sizeof_hdr is 0/);
    const corrupt = join(work, 'corrupt.nii.gz');
    const gz = Buffer.from(readFileSync(join(FIXTURES, 'shape-4d.nii.gz')));
    gz.fill(0x55, 30, 80);
    writeFileSync(corrupt, gz);
    await expect(collect(corrupt)).rejects.toThrow(NiftiFormatError);
  });
});
