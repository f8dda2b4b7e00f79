import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateConfig } from '../src/config.js';
import { bratsCases, globCases, msdCases, pairsListCases, splitCases, vocCases } from '../src/data/datasets.js';
import { pairByName } from '../src/data/files.js';
import { labelMapProblem, loadCase, maskFromSource, maskToSource, type PreprocessOptions, probabilityFromSource, probabilityToSource } from '../src/data/load.js';
import { generatePhantom, writeBratsPhantoms } from '../src/data/phantom.js';
import { ConfigError, DatasetError } from '../src/errors.js';
import { createRng } from '../src/rng.js';
import { TRAIN_PNET_SCHEMA } from '../src/train/schema.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const golden = JSON.parse(readFileSync(join(fixtures, 'golden.json'), 'utf8'));
const raw: PreprocessOptions = { canonical: true, spacing: null, crop: false, cropMargin: 0, zscore: false };
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deepigeos-data-'));
  await writeBratsPhantoms(join(dir, 'brats'), { cases: 3, shape: [10, 24, 20], seed: 5 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('BraTS layout', () => {
  it('lists cases, maps labels {1,2,4} to whole tumour and stacks modalities as channels', async () => {
    const refs = bratsCases(join(dir, 'brats'), ['flair', 't1ce']);
    expect(refs.map((r) => r.id)).toEqual(['Phantom_001', 'Phantom_002', 'Phantom_003']);
    const c = await loadCase(refs[1]!, raw);
    const p = generatePhantom({ seed: 6, shape: [10, 24, 20] });
    expect(c.image.shape).toEqual([10, 24, 20]);
    expect(c.image.channels).toBe(2);
    expect(c.image.spacing).toEqual([2, 1.5, 1.5]);
    for (let i = 0; i < p.seg.length; i += 7) {
      expect(c.label![i]).toBe(p.seg[i]! > 0 ? 1 : 0);
      expect(c.image.data[2 * i]).toBeCloseTo(p.modalities.flair[i]!, 3);
      expect(c.image.data[2 * i + 1]).toBeCloseTo(p.modalities.t1ce[i]!, 3);
    }
  });
  it('names a missing modality file', () => {
    expect(() => bratsCases(join(dir, 'brats'), ['flair', 'dwi'])).toThrow(/missing .*Phantom_001_dwi\.nii\.gz/);
  });
});

describe('generic globs', () => {
  it('pairs images and labels by name, with or without modality suffixes', () => {
    expect(pairByName(['/a/x.nii.gz', '/a/y.nii.gz'], ['/b/y.nii.gz', '/b/x.nii.gz']).map((p) => p.label)).toEqual(['/b/x.nii.gz', '/b/y.nii.gz']);
    expect(pairByName(['/d/c1_flair.nii.gz'], ['/d/c1_seg.nii.gz'])[0]!.id).toBe('c1');
    expect(() => pairByName(['/a/x.nii.gz'], ['/b/z.nii.gz'])).toThrow(/no label for \/a\/x\.nii\.gz/);
  });
  it('errors clearly when a glob matches nothing', () => {
    expect(() => globCases(join(dir, 'nothing/*.nii.gz'), undefined)).toThrow(DatasetError);
    expect(() => globCases(join(dir, 'nothing/*.nii.gz'), undefined)).toThrow(/--images: no files match/);
  });
  it('rejects an image and label of different shapes, naming both files', async () => {
    const other = join(dir, 'mismatch');
    await writeBratsPhantoms(other, { cases: 1, shape: [10, 24, 22], seed: 1, prefix: 'Other' });
    const ref = { id: 'x', kind: 'nifti' as const, images: [join(dir, 'brats/Phantom_001/Phantom_001_flair.nii.gz')], label: join(other, 'Other_001/Other_001_seg.nii.gz') };
    await expect(loadCase(ref, raw)).rejects.toThrow(/label .*Other_001_seg\.nii\.gz is 10×24×22 but image .*Phantom_001_flair\.nii\.gz is 10×24×20/);
  });
});

describe('preprocessed geometry round trip', () => {
  it('maps a mask to the source grid and back (reorientation, resampling, crop)', async () => {
    const ref = bratsCases(join(dir, 'brats'))[0]!;
    const prep: PreprocessOptions = { canonical: true, spacing: [2, 1.5, 1.5], crop: true, cropMargin: 1, zscore: true };
    const c = await loadCase(ref, prep);
    expect(c.image.shape.every((s, a) => s <= [10, 24, 20][a]!)).toBe(true);
    const back = maskToSource(c.label!, c.geometry);
    const p = generatePhantom({ seed: 5, shape: [10, 24, 20] });
    // Same spacing: no interpolation, so the label comes back exactly.
    expect(back).toEqual(Uint8Array.from(p.seg, (v) => (v > 0 ? 1 : 0)));
    expect(maskFromSource(back, c.geometry)).toEqual(c.label);
  });
  it('undoes reorientation of a flipped (LPS) MSD image, agreeing with nibabel', async () => {
    const refs = msdCases(join(fixtures, 'msd'));
    const c = await loadCase(refs[0]!, raw);
    const g = golden.msd.BRATS_001;
    expect(c.image.shape).toEqual(g.canonicalShapeDHW);
    expect(c.image.channels).toBe(2);
    expect(c.image.data[0]).toBeCloseTo(g.canonicalFirstVoxel[0], 4);
    expect(c.image.data[1]).toBeCloseTo(g.canonicalFirstVoxel[1], 4);
    const sums = [0, 0];
    for (let i = 0; i < c.image.data.length; i++) sums[i % 2]! += c.image.data[i]!;
    expect(sums[0]).toBeCloseTo(g.channelSums[0], 0);
    expect(sums[1]).toBeCloseTo(g.channelSums[1], 0);
    expect(c.label!.reduce((a, b) => a + b, 0)).toBe(g.labelCount);
    expect(maskFromSource(maskToSource(c.label!, c.geometry), c.geometry)).toEqual(c.label);
  });
  it('selects MSD channels and rejects out-of-range ones', async () => {
    const one = await loadCase(msdCases(join(fixtures, 'msd'), [1])[0]!, raw);
    expect(one.image.channels).toBe(1);
    expect(one.image.data[0]).toBeCloseTo(golden.msd.BRATS_001.canonicalFirstVoxel[1], 4);
    await expect(loadCase(msdCases(join(fixtures, 'msd'), [2])[0]!, raw)).rejects.toThrow(/channel index 2 is outside 0\.\.1/);
  });
});

describe('PASCAL VOC layout', () => {
  it('decodes JPEG like PIL (±2/255) and the class map exactly', async () => {
    const refs = vocCases(join(fixtures, 'voc'), 1);
    expect(refs.map((r) => r.id)).toEqual(Object.keys(golden.voc));
    for (const ref of refs) {
      const g = golden.voc[ref.id];
      const c = await loadCase(ref, raw);
      expect(c.image.shape).toEqual(g.shape);
      expect(c.image.channels).toBe(3);
      const n = g.shape[0] * g.shape[1];
      for (let ch = 0; ch < 3; ch++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += c.image.data[i * 3 + ch]! * 255;
        expect(Math.abs(s - g.rgbSum[ch]) / n).toBeLessThan(2);
      }
      expect(c.label!.reduce((a, b) => a + b, 0)).toBe(g.class1Count);
    }
    // Class 15 (person) instead: the other rectangle; void (255) is background either way.
    const person = await loadCase(vocCases(join(fixtures, 'voc'), 15)[0]!, raw);
    expect(person.label!.reduce((a, b) => a + b, 0)).toBe(70);
  });
  it('errors on a missing image list', () => {
    expect(() => vocCases(join(fixtures, 'voc'), 1, 'val')).toThrow(/missing image list .*val\.txt/);
  });
});

describe('splits and config validation', () => {
  it('splits by seeded ratio (reproducible) or by list', () => {
    const refs = Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, kind: 'nifti' as const, images: [] }));
    const a = splitCases(refs, createRng(1), 0.3);
    expect(a.validation).toHaveLength(3);
    expect(splitCases(refs, createRng(1), 0.3).validation).toEqual(a.validation);
    expect(splitCases(refs, createRng(2), 0.3).validation).not.toEqual(a.validation);
    expect(splitCases(refs, createRng(1), 0.3, ['c2']).validation.map((c) => c.id)).toEqual(['c2']);
    expect(() => splitCases(refs, createRng(1), 0.3, ['nope'])).toThrow(/unknown cases: nope/);
  });
  it('rejects unknown keys with a suggestion, wrong types and out-of-range values', () => {
    expect(() => validateConfig({ epoch: 3 }, TRAIN_PNET_SCHEMA, 'c.json')).toThrow(/c\.json: unknown key "epoch" \(did you mean "epochs"\?\)/);
    expect(() => validateConfig({ augment: { rotaton: 1 } }, TRAIN_PNET_SCHEMA, 'c.json')).toThrow(/c\.json\.augment: unknown key "rotaton" \(did you mean "rotation"\?\)/);
    expect(() => validateConfig({ batch: '4' }, TRAIN_PNET_SCHEMA, 'c.json')).toThrow(/c\.json\.batch must be a finite number, got string "4"/);
    expect(() => validateConfig({ dim: 4 }, TRAIN_PNET_SCHEMA)).toThrow(ConfigError);
    expect(() => validateConfig({ loss: 'focal' }, TRAIN_PNET_SCHEMA)).toThrow(/must be one of "crossEntropy", "dice", "crossEntropy\+dice"/);
    const ok = validateConfig({ dim: 3, augment: { noise: 0 } }, TRAIN_PNET_SCHEMA);
    expect(ok['dim']).toBe(3);
    expect((ok['augment'] as Record<string, unknown>)['noise']).toBe(0);
    expect((ok['augment'] as Record<string, unknown>)['rotation']).toBe(0.26);
  });
});


describe('explicit pairs and pairs lists', () => {
  const file = (c: number, m: string) => join(dir, 'brats', `Phantom_00${c}`, `Phantom_00${c}_${m}.nii.gz`);
  it('pairs one explicit image with one explicit label whatever their names, and lists by position', () => {
    const one = globCases(file(1, 'flair'), file(2, 'seg'));
    expect(one).toEqual([{ id: 'Phantom_001_flair', kind: 'nifti', images: [file(1, 'flair')], label: file(2, 'seg') }]);
    const two = globCases(`${file(1, 'flair')}, ${file(2, 'flair')}`, `${file(2, 'seg')},${file(1, 'seg')}`);
    expect(two.map((c) => c.label)).toEqual([file(2, 'seg'), file(1, 'seg')]);
    // The same image twice gets distinct ids.
    expect(globCases(`${file(1, 'flair')},${file(1, 'flair')}`, `${file(1, 'seg')},${file(2, 'seg')}`).map((c) => c.id)).toEqual(['Phantom_001_flair', 'Phantom_001_flair_2']);
    // A glob on either side pairs by name as before.
    expect(globCases(join(dir, 'brats/*/*_flair.nii.gz'), join(dir, 'brats/*/*_seg.nii.gz')).map((c) => c.id)).toEqual(['Phantom_001', 'Phantom_002', 'Phantom_003']);
    expect(() => globCases(file(1, 'flair'), `${file(1, 'seg')},${file(2, 'seg')}`)).toThrow(/--images lists 1 file\(s\) but --labels lists 2/);
    expect(() => globCases(file(1, 'flair'), join(dir, 'nope.nii.gz'))).toThrow(/--labels: file .*nope\.nii\.gz does not exist/);
  });
  it('reads a pairs list: header, comments, paths relative to the list, extra columns as channels; errors name line and file', () => {
    const lists = join(dir, 'lists');
    mkdirSync(lists, { recursive: true });
    writeFileSync(join(lists, 'ok.csv'), '# train cases\nimage,label\n../brats/Phantom_001/Phantom_001_flair.nii.gz,../brats/Phantom_003/Phantom_003_seg.nii.gz\n\n../brats/Phantom_002/Phantom_002_flair.nii.gz, ../brats/Phantom_002/Phantom_002_t1.nii.gz ,../brats/Phantom_002/Phantom_002_seg.nii.gz\n');
    const cases = pairsListCases(join(lists, 'ok.csv'), [1, 2, 4]);
    expect(cases).toEqual([
      { id: 'Phantom_001_flair', kind: 'nifti', images: [file(1, 'flair')], label: file(3, 'seg'), foreground: [1, 2, 4] },
      { id: 'Phantom_002_flair', kind: 'nifti', images: [file(2, 'flair'), file(2, 't1')], label: file(2, 'seg'), foreground: [1, 2, 4] },
    ]);
    writeFileSync(join(lists, 'missing.csv'), '../brats/Phantom_001/Phantom_001_flair.nii.gz,../brats/Phantom_001/x_seg.nii.gz\n');
    expect(() => pairsListCases(join(lists, 'missing.csv'))).toThrow(/--pairs .*missing\.csv line 1: \.\.\/brats\/Phantom_001\/x_seg\.nii\.gz does not exist/);
    writeFileSync(join(lists, 'short.csv'), 'a.nii.gz\n');
    expect(() => pairsListCases(join(lists, 'short.csv'))).toThrow(/line 1: expected "image,label"/);
    writeFileSync(join(lists, 'empty.csv'), 'image,label\n');
    expect(() => pairsListCases(join(lists, 'empty.csv'))).toThrow(/no cases listed/);
    expect(() => pairsListCases(join(lists, 'none.csv'))).toThrow(/--pairs .*none\.csv: file does not exist/);
  });
  it('warns when a label file is not a label map (e.g. a T1 matched by a glob), naming the file', async () => {
    expect(labelMapProblem(Uint8Array.of(0, 1, 2, 4))).toBeUndefined();
    expect(labelMapProblem(Float32Array.of(0, 1.5))).toMatch(/voxel 1 holds 1\.5/);
    expect(labelMapProblem(Float32Array.of(0, -1))).toMatch(/negative/);
    expect(labelMapProblem(Float32Array.of(0, Number.NaN))).toMatch(/NaN/);
    expect(labelMapProblem(Int32Array.from({ length: 300 }, (_, i) => i))).toMatch(/more than 256 distinct values/);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await loadCase({ id: 'x', kind: 'nifti', images: [file(1, 'flair')], label: file(1, 'seg') }, raw);
      expect(warn).not.toHaveBeenCalled();
      await loadCase({ id: 'x', kind: 'nifti', images: [file(1, 'flair')], label: file(1, 't1') }, raw);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/label file .*Phantom_001_t1\.nii\.gz does not look like a label map/);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('probability maps on the source grid', () => {
  it('round-trips through reorientation (flipped MSD image) and crop, and agrees with the mask mapping', async () => {
    for (const [refs, prep] of [
      [msdCases(join(fixtures, 'msd')), raw],
      [bratsCases(join(dir, 'brats')), { ...raw, crop: true, cropMargin: 1 }],
    ] as const) {
      const c = await loadCase(refs[0]!, prep);
      const rng = createRng(3);
      const p = Float32Array.from(c.label!, (v) => (v ? 0.5 + 0.5 * rng.next() : 0.5 * rng.next()));
      const source = probabilityToSource(p, c.geometry);
      expect(probabilityFromSource(source, c.geometry)).toEqual(p);
      const mask = maskToSource(c.label!, c.geometry);
      expect(Uint8Array.from(source, (v) => (v > 0.5 ? 1 : 0))).toEqual(mask);
    }
  });
});
