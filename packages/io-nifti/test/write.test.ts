// Writing: every fixture written back in every container must read identically here and in
// nibabel (read back by Debian's nibabel through scripts/nibabel_readback.py).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNifti, encodeNifti, encodeNiftiGzip, encodeNiftiPair, NiftiArgumentError, niftiFromVolume, readNifti, toCanonical, writeNifti } from '../src/index.js';
import { checksums, expectMatrixClose, expectSameSum, FIXTURES, type Golden, golden } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts');
const hasNibabel = existsSync(PYTHON) && (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import nibabel'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const work = mkdtempSync(join(tmpdir(), 'io-nifti-write-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// One fixture per datatype/container/feature keeps the nibabel run short.
const SOURCES = Object.keys(golden).filter((n) => /^(dtype-.*-be|container-|ext-two|shape-|scl-slope|codes-q(0-s0|1-s0|0-s3|4-s5)|orient-permuted|pixdim-base)/.test(n));
const TARGETS = [
  { ext: '.nii', options: {} },
  { ext: '.nii.gz', options: { level: 1 } },
  { ext: '.hdr', options: {} },
  { ext: '.img.gz', options: {} },
  { ext: '-v2.nii', options: { version: 2 as const } },
  { ext: '-bigendian.hdr.gz', options: { byteOrder: 'big' as const } },
];

function expectLike(summary: Golden, want: Golden, what: string): void {
  expect(summary.dims, what).toEqual(want.dims);
  expect(summary.datatype, what).toBe(want.datatype);
  expect([summary.qformCode, summary.sformCode], what).toEqual([want.qformCode, want.sformCode]);
  expectMatrixClose(summary.affine, want.affine, 1e-5, `${what} affine`);
  expectSameSum(summary.sum, want.sum, `${what} sum`);
  expectSameSum(summary.weightedSum, want.weightedSum, `${what} weighted sum`);
  // Float sums of ±2^63 int64 extremes cancel differently per summation order: the exact sums above cover them.
  if (want.scaledSum !== undefined && want.datatype !== 1024 && want.datatype !== 1280) expect(summary.scaledSum, what).toBeCloseTo(want.scaledSum, 3);
  expect(summary.extensions, what).toEqual(want.extensions);
}

describe('writeNifti round trips', () => {
  const written: { path: string; source: string }[] = [];

  it('writes every source in .nii, .nii.gz, .hdr/.img, .hdr.gz/.img.gz, NIfTI-2 and big-endian and reads it back identically', async () => {
    for (const source of SOURCES) {
      const image = await readNifti(join(FIXTURES, source));
      for (const { ext, options } of TARGETS) {
        const path = join(work, source.replace(/[.].*$/, '') + ext);
        await writeNifti(path, image, options);
        const back = await readNifti(path);
        expect(back.version, path).toBe(ext.startsWith('-v2') ? 2 : 1);
        expectLike({ ...golden[source]!, ...summaryOf(back) }, golden[source]!, path);
        expect(back.header.descrip).toBe(image.header.descrip);
        written.push({ path: ext === '.img.gz' ? path.replace(/\.img\.gz$/, '.hdr.gz') : path, source });
      }
    }
    expect(readdirSync(work).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it.skipIf(!hasNibabel)('nibabel reads every written file with the same values', () => {
    expect(written.length).toBeGreaterThan(50);
    const out = execFileSync(PYTHON, [join(SCRIPTS, 'nibabel_readback.py'), ...written.map((w) => w.path)], { cwd: SCRIPTS, encoding: 'utf8', maxBuffer: 64 << 20 });
    const summaries: Record<string, Golden> = JSON.parse(out);
    for (const { path, source } of written) expectLike(summaries[path]!, golden[source]!, `nibabel reading ${path}`);
  });

  it.skipIf(!hasNibabel)('canonical images written by us are, for nibabel, its own as_closest_canonical', async () => {
    const sources = Object.keys(golden).filter((n) => /^(orient-|codes-q1-s0|codes-q3-s4|pixdim-|shape-5d|dtype-rgb24-le)/.test(n));
    const paths: string[] = [];
    for (const source of sources) {
      const path = join(work, `canonical-${source.replace(/[.].*$/, '')}.nii`);
      await writeNifti(path, toCanonical(await readNifti(join(FIXTURES, source))));
      paths.push(path);
    }
    const out = execFileSync(PYTHON, [join(SCRIPTS, 'nibabel_readback.py'), ...paths], { cwd: SCRIPTS, encoding: 'utf8' });
    const summaries: Record<string, Golden> = JSON.parse(out);
    sources.forEach((source, i) => {
      const got = summaries[paths[i]!]!;
      const want = golden[source]!.canonical;
      expect(got.dims, source).toEqual(want.dims);
      expectMatrixClose(got.affine, want.affine, 1e-5, `${source} canonical affine as nibabel reads it`);
      expectSameSum(got.weightedSum, want.weightedSum, `${source} canonical voxel order`);
      // Already canonical: the written file needs no further reorientation.
      expect(got.canonical.orientation, source).toEqual([
        [0, 1],
        [1, 1],
        [2, 1],
      ]);
    });
  });
});

function summaryOf(image: Awaited<ReturnType<typeof readNifti>>) {
  const sums = checksums(image.data);
  const scaled = image.data instanceof Uint8Array && image.datatype !== 2 ? undefined : safeScaledSum(image);
  return {
    dims: image.dims,
    datatype: image.datatype,
    qformCode: image.qformCode,
    sformCode: image.sformCode,
    affine: image.affine,
    sum: sums.sum,
    weightedSum: sums.weightedSum,
    extensions: image.extensions.map((e) => [e.code, e.data.length] as [number, number]),
    ...(scaled === undefined ? {} : { scaledSum: scaled }),
  };
}

function safeScaledSum(image: Awaited<ReturnType<typeof readNifti>>): number | undefined {
  try {
    return Array.from(image.scaledData()).reduce((a, b) => a + b, 0);
  } catch {
    return undefined;
  }
}

describe('qform from an arbitrary affine', () => {
  it.skipIf(!hasNibabel)("matches nibabel's set_qform (zooms, qfac, shear removal) for oblique, mirrored and sheared affines", async () => {
    const affines = [
      golden['orient-oblique.nii']!.affine,
      golden['orient-oblique-negdet.nii']!.affine,
      golden['orient-sheared.nii']!.affine,
      golden['orient-pir.nii']!.affine,
    ];
    const script = [
      'import json, sys, numpy as np, nibabel as nb',
      'out = []',
      'for a in json.loads(sys.argv[1]):',
      '    h = nb.Nifti1Header(); h.set_qform(np.array(a), code=1)',
      '    out.append(h.get_qform().tolist())',
      'print(json.dumps(out))',
    ].join('\n');
    const expected: number[][][] = JSON.parse(execFileSync(PYTHON, ['-c', script, JSON.stringify(affines)], { encoding: 'utf8' }));
    for (const [i, affine] of affines.entries()) {
      const image = niftiFromVolume({ data: new Float32Array(8), shape: [2, 2, 2], affine });
      const back = decodeNifti(encodeNifti(image));
      // float32 storage of the quaternion on both sides.
      expectMatrixClose(back.qform, expected[i]!, 2e-6 * 8, `qform of affine ${i}`);
      expectMatrixClose(back.sform, affine, 1e-5, `sform of affine ${i}`);
    }
  });
});

describe('encoders', () => {
  it('encodeNifti bytes decode to the same header fields and data, and keep the quaternion exactly', async () => {
    const image = await readNifti(join(FIXTURES, 'orient-oblique.nii'));
    const bytes = encodeNifti(image);
    expect(bytes.length).toBe(352 + image.data.byteLength);
    const back = decodeNifti(bytes);
    for (const f of ['quatern_b', 'quatern_c', 'quatern_d', 'qoffset_x', 'scl_slope', 'xyzt_units', 'descrip'] as const) {
      expect(back.header[f], f).toBe(image.header[f]);
    }
    expect(back.data).toEqual(image.data);
    // Unchanged files are byte-identical after a round trip (nibabel wrote this one).
    expect(Buffer.from(encodeNifti(back)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('re-encoding any nibabel-written .nii (same version and byte order) gives identical bytes', () => {
    // pixdim-* fixtures hold values nibabel itself normalises on reading (qfac 0, negative zooms).
    const names = Object.keys(golden).filter((n) => n.endsWith('.nii') && !n.startsWith('pixdim-'));
    expect(names.length).toBeGreaterThan(60);
    for (const name of names) {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, name)));
      const image = decodeNifti(bytes);
      const again = encodeNifti(image, { version: image.version, byteOrder: name.includes('-be') ? 'big' : 'little' });
      expect(Buffer.from(again).equals(Buffer.from(bytes)), name).toBe(true);
    }
    expect(() => encodeNifti(decodeNifti(new Uint8Array(readFileSync(join(FIXTURES, 'orient-ras.nii')))), { byteOrder: 'middle' as never })).toThrow(/options.byteOrder must be 'little' or 'big'/);
  });

  it('encodeNiftiGzip and encodeNiftiPair produce readable bytes', async () => {
    const image = await readNifti(join(FIXTURES, 'ext-two.nii'));
    const gz = await encodeNiftiGzip(image, { level: 9 });
    expect(gz[0]).toBe(0x1f);
    expect((await readNifti(gz)).data).toEqual(image.data);
    const { hdr, img } = encodeNiftiPair(image);
    const back = await readNifti(hdr, { imageBytes: img });
    expect(back.data).toEqual(image.data);
    expect(back.extensions).toEqual(image.extensions);
  });

  it('switches to NIfTI-2 when a dimension exceeds 32767, and refuses version 1 then', async () => {
    const image = await readNifti(join(FIXTURES, 'dtype-uint8-le.nii'));
    image.dims = [40000, 1, 1];
    image.data = new Uint8Array(40000).map((_, i) => i % 251);
    const bytes = encodeNifti(image);
    const back = decodeNifti(bytes);
    expect(back.version).toBe(2);
    expect(back.dims).toEqual([40000, 1, 1]);
    expect(back.data).toEqual(image.data);
    expect(() => encodeNifti(image, { version: 1 })).toThrow(/exceed NIfTI-1's limit of 32767/);
  });

  it('rejects inconsistent images with NiftiArgumentError naming the field', async () => {
    const image = await readNifti(join(FIXTURES, 'dtype-int16-le.nii'));
    const bad = (patch: object, pattern: RegExp) => {
      const copy = Object.assign(Object.create(Object.getPrototypeOf(image)), image, patch);
      expect(() => encodeNifti(copy)).toThrow(NiftiArgumentError);
      expect(() => encodeNifti(copy)).toThrow(pattern);
    };
    bad({ data: new Int16Array(5) }, /image.data has 5 values/);
    bad({ data: new Float32Array(24) }, /image.data must be a Int16Array/);
    bad({ dims: [4, 0, 2] }, /image.dims must be whole numbers/);
    bad({ datatype: 1536 }, /image.datatype: .*float128/);
    bad({ sform: [[1, 0, 0]] }, /image.sform must be a 4×4/);
    bad({ header: { ...image.header, descrip: 'x'.repeat(81) } }, /header.descrip is 81 characters/);
    await expect(writeNifti(join(work, 'x.png'), image)).rejects.toThrow(/path must end in .nii/);
    await expect(writeNifti(join(work, 'x.nii.gz'), image, { level: 12 })).rejects.toThrow(/options.level must be an integer 0–9/);
  });

  it('detects gzip from content, not the name, and accepts upper-case extensions', async () => {
    const gz = readFileSync(join(FIXTURES, 'container-v1.nii.gz'));
    const misnamed = join(work, 'really-gzipped.nii');
    await import('node:fs').then((fs) => fs.writeFileSync(misnamed, gz));
    const expected = await readNifti(join(FIXTURES, 'container-v1.nii'));
    expect((await readNifti(misnamed)).data).toEqual(expected.data);
    const upper = join(work, 'UPPER.NII.GZ');
    await writeNifti(upper, expected);
    expect(readFileSync(upper)[0]).toBe(0x1f);
    expect((await readNifti(upper)).data).toEqual(expected.data);
  });

  it('writes atomically: a failed write leaves no file and no temporary', async () => {
    const image = await readNifti(join(FIXTURES, 'dtype-int16-le.nii'));
    const missingDir = join(work, 'no-such-dir', 'out.nii');
    await expect(writeNifti(missingDir, image)).rejects.toThrow();
    const path = join(work, 'atomic.nii');
    await writeNifti(path, image);
    const before = readFileSync(path);
    const broken = Object.assign(Object.create(Object.getPrototypeOf(image)), image, { data: new Int16Array(3) });
    await expect(writeNifti(path, broken)).rejects.toThrow(NiftiArgumentError);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(work).filter((f) => f.startsWith('atomic'))).toEqual(['atomic.nii']);
  });
});
