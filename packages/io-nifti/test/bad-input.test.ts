// Bad input must fail with a NiftiFormatError that names the problem, never crash, hang,
// return wrong data or allocate more than the file justifies.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { NiftiArgumentError, NiftiFormatError, readNifti, readNiftiFrames } from '../src/index.js';
import { FIXTURES } from './helpers.js';

const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
const NII = fixture('dtype-int16-le.nii'); // 4×3×2 int16, vox_offset 352
const NII2 = fixture('container-v2.nii');

function patched(bytes: Uint8Array, edit: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  edit(new DataView(copy.buffer), copy);
  return copy;
}

async function expectFormatError(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  const error = await readNifti(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NiftiFormatError);
  expect((error as Error).message).toMatch(pattern);
}

describe('bad input gives a NiftiFormatError naming the problem', () => {
  it('truncated header and truncated data', async () => {
    await expectFormatError(NII.subarray(0, 2), /too short for a NIfTI header/);
    await expectFormatError(NII.subarray(0, 200), /truncated: 200 bytes, but a NIfTI-1 header needs 348/);
    await expectFormatError(NII.subarray(0, NII.length - 1), /truncated: dims 4×3×2 of int16 need 48 bytes from byte 352 .* only 47 bytes/);
  });

  it('wrong sizeof_hdr, bad magic', async () => {
    await expectFormatError(patched(NII, (v) => v.setInt32(0, 349, true)), /sizeof_hdr is 349: expected 348 \(NIfTI-1\) or 540/);
    await expectFormatError(patched(NII, (_, b) => b.set([0x6e, 0x2b, 0x33], 344)), /magic is "n\+3": expected "n\+1" or "ni1"/);
    await expectFormatError(patched(NII2, (_, b) => (b[9] = 0)), /magic of the NIfTI-2 header is damaged/);
  });

  it('zero, negative and out-of-range dims', async () => {
    await expectFormatError(patched(NII, (v) => v.setInt16(40, 0, true)), /dim\[0\] is 0: expected the number of dimensions, 1 to 7/);
    await expectFormatError(patched(NII, (v) => v.setInt16(40, 8, true)), /dim\[0\] is 8/);
    await expectFormatError(patched(NII, (v) => v.setInt16(44, 0, true)), /dim\[2\] is 0: every used dimension/);
    await expectFormatError(patched(NII, (v) => v.setInt16(46, -5, true)), /dim\[3\] is -5/);
  });

  it('oversized volumes are refused before allocating (over 4 GiB, or over maxDataBytes)', async () => {
    const huge = patched(NII2, (v) => {
      v.setBigInt64(16 + 8, 2000n, true);
      v.setBigInt64(16 + 16, 2000n, true);
      v.setBigInt64(16 + 24, 2000n, true);
    });
    await expectFormatError(huge, /need 14\.90 GiB of voxel data, more than the 2\.00 GiB this reader holds in memory/);
    await expect(readNifti(NII, { maxDataBytes: 40 })).rejects.toThrow(/more than the 40 bytes/);
    // By path, for single files and pairs, the limit is checked on the header alone.
    await expect(readNifti(join(FIXTURES, 'dtype-int16-le.nii'), { maxDataBytes: 40 })).rejects.toThrow(/dtype-int16-le.nii: dims 4×3×2 of int16 need 48 bytes of voxel data, more than the 40 bytes/);
    await expect(readNifti(join(FIXTURES, 'pair-v1.img'), { maxDataBytes: 100 })).rejects.toThrow(/pair-v1.hdr: dims 5×4×3 of int16 need 120 bytes/);
    const absurd = patched(NII2, (v) => v.setBigInt64(16 + 8, 2n ** 62n, true));
    await expectFormatError(absurd, /dim\[1\] is 4611686018427387904: larger than 2\^53/);
  });

  it('vox_offset past the end, inside the header, or fractional', async () => {
    await expectFormatError(patched(NII, (v) => v.setFloat32(108, 4096, true)), /need 48 bytes from byte 4096 \(vox_offset\), but only 0 bytes are there/);
    await expectFormatError(patched(NII, (v) => v.setFloat32(108, 100, true)), /vox_offset is 100: a single-file NIfTI-1 stores voxels after the header/);
    await expectFormatError(patched(NII, (v) => v.setFloat32(108, 352.5, true)), /vox_offset is 352\.5: expected a non-negative whole number/);
  });

  it('unknown and unsupported datatypes', async () => {
    await expectFormatError(patched(NII, (v) => v.setInt16(70, 3, true)), /datatype 3 is not a NIfTI datatype code/);
    await expectFormatError(patched(NII, (v) => v.setInt16(70, 1536, true)), /datatype 1536 \(float128\) is not supported/);
  });

  it('a header claiming more voxels than the file holds', async () => {
    await expectFormatError(patched(NII, (v) => v.setInt16(42, 5, true)), /dims 5×3×2 of int16 need 60 bytes .* only 48 bytes are there/);
  });

  it('corrupt and truncated gzip; a gzip too small for the size its header claims', async () => {
    const gz = fixture('container-v1.nii.gz');
    await expectFormatError(patched(gz, (_, b) => b.fill(0x55, 20, 60)), /corrupt gzip data/);
    await expectFormatError(gz.subarray(0, gz.length - 30), /corrupt gzip data|truncated/);
    // A valid header claiming 1.9 GiB, gzipped into a few hundred bytes: refused before allocating.
    const claim = patched(NII2, (v) => {
      v.setBigInt64(16 + 8, 1000n, true);
      v.setBigInt64(16 + 16, 1000n, true);
      v.setBigInt64(16 + 24, 1000n, true);
    });
    const small = gzipSync(claim);
    await expectFormatError(small, /header needs 1\.86 GiB, but a gzip file of \d+ bytes cannot hold more than/);
  });

  it('a .hdr of a pair without its .img, and non-byte sources', async () => {
    await expectFormatError(fixture('pair-v1.hdr'), /header of a .hdr\/.img pair \(magic "ni1"\): pass the .img bytes/);
    await expect(readNifti(42 as unknown as Uint8Array)).rejects.toThrow(NiftiArgumentError);
    await expect(readNifti(join(FIXTURES, 'missing.nii'))).rejects.toThrow(/cannot open .*missing.nii/);
  });
});

// Deterministic PRNG so failures reproduce.
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(bytes: Uint8Array, rand: () => number): Uint8Array {
  const kind = rand();
  if (kind < 0.15) return bytes.slice(0, Math.floor(rand() * bytes.length));
  const out = bytes.slice();
  const edits = 1 + Math.floor(rand() * 6);
  for (let e = 0; e < edits; e++) {
    // Most edits hit the header, where the decisions are made.
    const pos = rand() < 0.8 ? Math.floor(rand() * Math.min(out.length, 560)) : Math.floor(rand() * out.length);
    out[pos] = rand() < 0.3 ? [0, 0xff, 0x7f, 0x80][Math.floor(rand() * 4)]! : Math.floor(rand() * 256);
  }
  return out;
}

describe('fuzzing: thousands of mutated files', () => {
  const seeds = ['dtype-int16-le.nii', 'dtype-float64-be.nii', 'container-v2.nii', 'container-v2-be.nii', 'ext-two.nii', 'container-v1.nii.gz', 'dtype-complex64-le.nii', 'shape-5d.nii'];

  it('only NiftiFormatError is thrown, results stay within what the file justifies, nothing hangs', async () => {
    // bench/fuzz.mjs reruns this with FUZZ_ROUNDS and FUZZ_SEED for a long run.
    const rand = mulberry32(Number(process.env['FUZZ_SEED'] ?? 12345));
    const rounds = Number(process.env['FUZZ_ROUNDS'] ?? 4000);
    let failures = 0;
    let successes = 0;
    const start = performance.now();
    for (let round = 0; round < rounds; round++) {
      const original = fixture(seeds[round % seeds.length]!);
      const bytes = mutate(original, rand);
      try {
        const image = await readNifti(bytes);
        successes++;
        const limit = original[0] === 0x1f ? bytes.length * 1032 + 1024 : bytes.length;
        expect(image.data.byteLength).toBeLessThanOrEqual(limit);
        expect(image.dims.reduce((a, b) => a * b, 1)).toBeGreaterThan(0);
      } catch (err) {
        if (!(err instanceof NiftiFormatError)) throw new Error(`round ${round}: ${String(err)} is not a NiftiFormatError`);
        expect(err.message.length).toBeGreaterThan(10);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(500);
    expect(successes).toBeGreaterThan(100);
    expect(performance.now() - start).toBeLessThan(rounds * 15);
  }, process.env['FUZZ_ROUNDS'] ? 3_600_000 : 120_000);

  it('readNiftiFrames on mutated files: only NiftiFormatError, never more frames than the file holds', async () => {
    const rand = mulberry32(777);
    const dir = mkdtempSync(join(tmpdir(), 'io-nifti-fuzz-'));
    try {
      let failures = 0;
      for (let round = 0; round < 300; round++) {
        const name = ['shape-5d.nii', 'shape-4d.nii.gz', 'container-v2.nii'][round % 3]!;
        const bytes = mutate(fixture(name), rand);
        const path = join(dir, `m${round % 3}${name.slice(name.indexOf('.'))}`);
        writeFileSync(path, bytes);
        try {
          let voxels = 0;
          for await (const frame of readNiftiFrames(path)) voxels += frame.data.byteLength;
          expect(voxels).toBeLessThanOrEqual(name.endsWith('.gz') ? bytes.length * 1032 + 1024 : bytes.length);
        } catch (err) {
          if (!(err instanceof NiftiFormatError)) throw new Error(`round ${round}: ${String(err)} is not a NiftiFormatError`);
          failures++;
        }
      }
      expect(failures).toBeGreaterThan(50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
