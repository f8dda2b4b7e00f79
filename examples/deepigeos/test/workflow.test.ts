/**
 * The refinement workflow without a GUI (segment --prob → refine --init … → refine …) and the
 * evaluation outputs, with the bundled weights on small phantoms.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { niftiFromVolume, readNifti, writeNifti } from '@deepigeos/io-nifti';
import { initBackend } from '@deepigeos/pnet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCase } from '../src/data/load.js';
import { writeBratsPhantoms } from '../src/data/phantom.js';
import { CSV_COLUMNS } from '../src/pipeline/eval-report.js';
import { clicksToReach, evaluateCase, NOC_CAP } from '../src/pipeline/evaluate.js';
import { loadTrainedNet } from '../src/pipeline/networks.js';
import { readInitialSegmentation } from '../src/pipeline/user-files.js';
import { TRAIN_PNET_SCHEMA, TRAIN_RNET_SCHEMA } from '../src/train/schema.js';
import { cli } from './cli-runner.js';

const weights = join(dirname(fileURLToPath(import.meta.url)), '..', 'weights');
const sample = join(dirname(fileURLToPath(import.meta.url)), '..', 'sample', 'Phantom_demo', 'Phantom_demo_flair.nii.gz');
let dir: string;
let image: string;
const D = 8;
const N = 32;


const voxel = (i: number, j: number, k: number) => i + j * N + k * N * N;
const values = async (f: string) => Array.from((await readNifti(f)).scaledData());

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deepigeos-workflow-'));
  process.chdir(dir);
  await writeBratsPhantoms(join(dir, 'data'), { cases: 2, shape: [D, N, N], seed: 21 });
  image = join(dir, 'data/Phantom_001/Phantom_001_flair.nii.gz');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('segment → refine → refine, no P-Net re-run', () => {
  it('segment writes the probability map on the image grid; refine honours seeds and keeps the result outside the box', async () => {
    const seg = await cli('segment', image, '--pnet', join(weights, 'pnet2d'), '--out', 'seg.nii.gz', '--prob', 'prob.nii.gz');
    expect(seg.err).not.toMatch(/Error/);
    expect(seg.code).toBe(0);
    expect(seg.err).toMatch(/segment: P-Net on 8×\d+×\d+ 100% \(8\/8\), \S+ elapsed, ETA 0s/);
    const src = await readNifti(image);
    const prob = await readNifti(join(dir, 'prob.nii.gz'));
    expect(prob.datatype).toBe(16);
    expect(prob.dims).toEqual(src.dims);
    expect(prob.affine).toEqual(src.affine);
    const p = Array.from(prob.scaledData());
    const m = await values('seg.nii.gz');
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(m).toEqual(p.map((v) => (v > 0.5 ? 1 : 0)));

    // One foreground and one background seed on slice 4; a 3-voxel box around them.
    writeFileSync(join(dir, 'seeds.json'), JSON.stringify({ fg: [[16, 16, 4]], bg: [[10, 12, 4]] }));
    const r1 = await cli('refine', '--image', image, '--init', 'prob.nii.gz', '--seeds', 'seeds.json', '--rnet', join(weights, 'rnet2d'), '--out', 'r1.nii.gz', '--prob', 'r1p.nii.gz', '--roi-margin', '3');
    expect(r1.err).not.toMatch(/Error/);
    expect(r1.code).toBe(0);
    expect(r1.out).toMatch(/refined box 1×11×13 at \[4, \d+, \d+\] from the previous probability/);
    expect(r1.err).toMatch(/refine: R-Net refinement 100% \(1\/1\)/);
    const q = await values('r1p.nii.gz');
    expect(q[voxel(16, 16, 4)]).toBe(1);
    expect(q[voxel(10, 12, 4)]).toBe(0);
    // Outside the box (slices other than 4, or more than 3 voxels from the seeds' box) the previous map is kept.
    let outside = 0;
    for (let k = 0; k < D; k++) {
      for (let j = 0; j < N; j++) {
        for (let i = 0; i < N; i++) {
          const inBox = k === 4 && i >= 7 && i <= 19 && j >= 9 && j <= 19;
          if (inBox) continue;
          outside++;
          expect(Math.abs(q[voxel(i, j, k)]! - p[voxel(i, j, k)]!)).toBeLessThan(1e-6);
        }
      }
    }
    expect(outside).toBe(D * N * N - 13 * 11);

    // The next round starts from the refined mask, with a seed map as NIfTI (1 = fg, 2 = bg).
    const map = new Uint8Array(D * N * N);
    map[voxel(16, 16, 4)] = 1;
    map[voxel(10, 12, 4)] = 2;
    map[voxel(20, 20, 5)] = 2;
    await writeNifti(join(dir, 'seeds2.nii.gz'), niftiFromVolume({ data: map, shape: [D, N, N] }, src));
    const r2 = await cli('refine', '--image', image, '--init', 'r1.nii.gz', '--seeds', 'seeds2.nii.gz', '--rnet', join(weights, 'rnet2d'), '--out', 'r2.nii.gz', '--whole-volume');
    expect(r2.code).toBe(0);
    expect(r2.out).toMatch(/refined 2 slices from the previous mask/);
    const m2 = await values('r2.nii.gz');
    expect(m2[voxel(16, 16, 4)]).toBe(1);
    expect(m2[voxel(20, 20, 5)]).toBe(0);
    // Slices without seeds keep the previous mask.
    const r1mask = await values('r1.nii.gz');
    for (let i = 0; i < N * N * 4; i++) expect(m2[i]).toBe(r1mask[i]);

    // A third round: the new seed alone sets the box; the earlier seeds (--previous-seeds, one of
    // them on the same slice far from the box) are encoded and honoured without widening it.
    writeFileSync(join(dir, 'seeds3.json'), JSON.stringify({ bg: [[22, 22, 5]] }));
    const r3 = await cli('refine', '--image', image, '--init', 'r2.nii.gz', '--seeds', 'seeds3.json', '--previous-seeds', 'seeds2.nii.gz', '--rnet', join(weights, 'rnet2d'), '--out', 'r3.nii.gz', '--roi-margin', '2');
    expect(r3.err).not.toMatch(/Error/);
    expect(r3.out).toMatch(/refined box 1×5×5 at \[5, /);
    const m3 = await values('r3.nii.gz');
    expect(m3[voxel(22, 22, 5)]).toBe(0);
    expect(m3[voxel(16, 16, 4)]).toBe(1);
    for (let k = 0; k < D; k++) {
      for (let j = 0; j < N; j++) for (let i = 0; i < N; i++) if (!(k === 5 && Math.abs(i - 22) <= 2 && Math.abs(j - 22) <= 2)) expect(m3[voxel(i, j, k)]).toBe(m2[voxel(i, j, k)]);
    }
  }, 120_000);

  it('refines a 3D volume with the 3D R-Net inside a box around the seeds', async () => {
    writeFileSync(join(dir, 's3.json'), JSON.stringify({ fg: [[37, 22, 20]] }));
    const zeros = await readNifti(sample);
    await writeNifti(join(dir, 'empty.nii.gz'), niftiFromVolume({ data: new Uint8Array(zeros.dims[0]! * zeros.dims[1]! * zeros.dims[2]!), shape: [zeros.dims[2]!, zeros.dims[1]!, zeros.dims[0]!] }, zeros));
    const r = await cli('refine', '--image', sample, '--init', 'empty.nii.gz', '--seeds', 's3.json', '--rnet', join(weights, 'rnet3d'), '--out', 'r3.nii.gz', '--roi-margin', '6');
    expect(r.err).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/refined box 13×13×13 at/);
    expect(r.err).toMatch(/refine: R-Net refinement 100% \(1\/1\)/);
    const out = await readNifti(join(dir, 'r3.nii.gz'));
    const v = out.scaledData();
    expect(v[37 + 22 * zeros.dims[0]! + 20 * zeros.dims[0]! * zeros.dims[1]!]).toBe(1);
    // An empty previous result: R-Net grows foreground around the click, nothing far away.
    const fg = Array.from(v).reduce((a, b) => a + b, 0);
    expect(fg).toBeGreaterThan(1);
    expect(fg).toBeLessThanOrEqual(13 ** 3);
    // The Euclidean encoding (the paper's ablation) runs in 3D too and feeds R-Net other maps.
    const e = await cli('refine', '--image', sample, '--init', 'empty.nii.gz', '--seeds', 's3.json', '--rnet', join(weights, 'rnet3d'), '--out', 'r3e.nii.gz', '--prob', 'r3e_p.nii.gz', '--roi-margin', '6', '--encoding', 'euclidean');
    expect(e.code).toBe(0);
    const g = await cli('refine', '--image', sample, '--init', 'empty.nii.gz', '--seeds', 's3.json', '--rnet', join(weights, 'rnet3d'), '--out', 'r3g.nii.gz', '--prob', 'r3g_p.nii.gz', '--roi-margin', '6');
    expect(g.code).toBe(0);
    expect(await values('r3e_p.nii.gz')).not.toEqual(await values('r3g_p.nii.gz'));
    // Everything outside the 13³ box around the click keeps the (empty) previous result.
    const [nx, ny] = zeros.dims as [number, number];
    for (let n = 0; n < v.length; n++) {
      if (!v[n]) continue;
      const [i, j, k] = [n % nx, Math.floor(n / nx) % ny, Math.floor(n / (nx * ny))];
      expect(Math.max(Math.abs(i - 37), Math.abs(j - 22), Math.abs(k - 20))).toBeLessThanOrEqual(6);
    }
  }, 120_000);

  it('names the file in every file problem and refuses outputs that overwrite inputs', async () => {
    const rnet = join(weights, 'rnet2d');
    writeFileSync(join(dir, 'seeds.json'), JSON.stringify({ fg: [[16, 16, 4]] }));
    const base = ['refine', '--image', image, '--rnet', rnet];
    const missing = await cli(...base, '--init', 'nope.nii.gz', '--seeds', 'seeds.json', '--out', 'x.nii.gz');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--init nope\.nii\.gz: file does not exist/);
    await writeNifti(join(dir, 'small.nii.gz'), niftiFromVolume({ data: new Uint8Array(8), shape: [2, 2, 2] }));
    const grid = await cli(...base, '--init', 'small.nii.gz', '--seeds', 'seeds.json', '--out', 'x.nii.gz');
    expect(grid.err).toMatch(/--init small\.nii\.gz: its grid 2×2×2 differs from the image .*Phantom_001_flair\.nii\.gz \(32×32×8\)/);
    writeFileSync(join(dir, 'bad.json'), '{"fg": [[1, 2]]');
    expect((await cli(...base, '--init', 'seg.nii.gz', '--seeds', 'bad.json', '--out', 'x.nii.gz')).err).toMatch(/--seeds bad\.json: not valid JSON/);
    writeFileSync(join(dir, 'both.json'), JSON.stringify({ fg: [[1, 2, 3]], bg: [[1, 2, 3]] }));
    expect((await cli(...base, '--init', 'seg.nii.gz', '--seeds', 'both.json', '--out', 'x.nii.gz')).err).toMatch(/--seeds both\.json: voxel \d+ is both/);
    const clash = await cli(...base, '--init', 'seg.nii.gz', '--seeds', 'seeds.json', '--out', 'seg.nii.gz');
    expect(clash.code).toBe(2);
    expect(clash.err).toMatch(/--out seg\.nii\.gz is also --init/);
    expect((await cli(...base, '--init', 'seg.nii.gz', '--seeds', 'seeds.json', '--out', 'x.nii.gz', '--whole-volume', '--roi-margin', '2')).err).toMatch(/exclude each other/);
    expect(existsSync(join(dir, 'x.nii.gz'))).toBe(false);
  }, 60_000);
});

describe('evaluate outputs', () => {
  it('writes per-case CSV, JSON with HD95/clicks/time/NoC per round and every foreground slice, and the HTML report', async () => {
    const images = join(dir, 'data/*/*_flair.nii.gz');
    const labels = join(dir, 'data/*/*_seg.nii.gz');
    const r = await cli('evaluate', '--images', images, '--labels', labels, '--pnet', join(weights, 'pnet2d'), '--rnet', join(weights, 'rnet2d'), '--rounds', '2', '--min-clicks', '1', '--csv', 'ev/e.csv', '--json', 'ev/e.json', '--report', 'ev/e.html');
    expect(r.err).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'ev/e.json'), 'utf8'));
    expect(report.settings).toEqual({ protocol: 'paper', minClicks: 1, encoding: 'geodesic', rounds: 2, nocCap: 20, flipAxes: { pnet: [0, 1], rnet: [0, 1] } });
    expect(report.cases).toHaveLength(2);
    for (const c of report.cases) {
      expect(c.region).toMatch(/^stacked 8 slices along axis 0/);
      // Every slice holding foreground is evaluated on its own.
      expect(c.slices.length).toBeGreaterThan(1);
      expect(c.pnet).toHaveProperty('hd95');
      expect(c.rounds).toHaveLength(2);
      // The stacked volume's clicks are the slices' clicks; clicks so far accumulate.
      for (const [i, round] of c.rounds.entries()) {
        const perSlice = c.slices.reduce((a: number, s: { rounds: { fgSeeds: number; bgSeeds: number }[] }) => a + s.rounds[i]!.fgSeeds + s.rounds[i]!.bgSeeds, 0);
        expect(round.fgSeeds + round.bgSeeds).toBe(perSlice);
        expect(round.clicks).toBe(c.rounds.slice(0, i + 1).reduce((a: number, x: { fgSeeds: number; bgSeeds: number }) => a + x.fgSeeds + x.bgSeeds, 0));
        expect(round.seconds).toBeGreaterThanOrEqual(0);
      }
      expect(c.noc90).toBe(clicksToReach((c.pnetCrf ?? c.pnet).dice, c.rounds, 0.9));
    }
    expect(report.meanSlices.rounds).toHaveLength(2);
    const csv = readFileSync(join(dir, 'ev/e.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(CSV_COLUMNS.join(','));
    const sliceRows = report.cases.reduce((a: number, c: { slices: unknown[] }) => a + c.slices.length, 0);
    // pnet, pnet_crf and 2 rounds per case and per slice.
    expect(csv).toHaveLength(1 + 4 * (2 + sliceRows));
    const first = csv[1]!.split(',');
    expect(first[CSV_COLUMNS.indexOf('stage')]).toBe('pnet');
    expect(Number(first[CSV_COLUMNS.indexOf('dice')])).toBeCloseTo(report.cases[0].pnet.dice, 5);
    const html = readFileSync(join(dir, 'ev/e.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Dice vs clicks');
    expect(html).toContain('NoC@90');
  }, 120_000);

  it('--user single clicks once per round and slice; --encoding euclidean runs and says what it feeds the R-Net', async () => {
    const r = await cli('evaluate', '--images', image, '--labels', join(dir, 'data/Phantom_001/Phantom_001_seg.nii.gz'), '--pnet', join(weights, 'pnet2d'), '--rnet', join(weights, 'rnet2d'), '--rounds', '2', '--user', 'single', '--encoding', 'euclidean', '--json', 's.json');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/Euclidean maps to an R-Net trained with geodesic/);
    const report = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
    expect(report.settings.protocol).toBe('single');
    expect(report.settings.encoding).toBe('euclidean');
    for (const s of report.cases[0].slices) for (const round of s.rounds) expect(round.fgSeeds + round.bgSeeds).toBeLessThanOrEqual(1);
    expect((await cli('evaluate', '--images', image, '--pnet', join(weights, 'pnet2d'), '--user', 'many')).err).toMatch(/--user must be paper or single/);
  }, 120_000);

  it('--tta: 2D nets average both flips by default, none runs them once, bad values are refused', async () => {
    const args = ['evaluate', '--images', image, '--labels', join(dir, 'data/Phantom_001/Phantom_001_seg.nii.gz'), '--pnet', join(weights, 'pnet2d')];
    const once = await cli(...args, '--tta', 'none', '--json', 'tta-none.json');
    expect(once.code).toBe(0);
    expect(once.err).toMatch(/test-time flips none/);
    const flipped = await cli(...args, '--json', 'tta-auto.json');
    expect(flipped.err).toMatch(/test-time flips over spatial axes 0, 1/);
    const [a, b] = ['tta-none.json', 'tta-auto.json'].map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
    expect(a.settings.flipAxes).toEqual({ pnet: [] });
    expect(b.settings.flipAxes).toEqual({ pnet: [0, 1] });
    // The averaged logits are another segmentation of the same phantom (not the single pass's).
    expect(b.cases[0].pnet.dice).toBeGreaterThan(0.5);
    expect(b.cases[0].pnet.dice).not.toBe(a.cases[0].pnet.dice);
    expect((await cli(...args, '--tta', 'mirror')).err).toMatch(/--tta must be auto, flip or none, got "mirror"/);
    // `auto` leaves a network trained without flips alone; `flip` still flips it.
    const noFlips = join(dir, 'pnet2d-no-flips');
    cpSync(join(weights, 'pnet2d'), noFlips, { recursive: true });
    const config = JSON.parse(readFileSync(join(noFlips, 'config.json'), 'utf8'));
    writeFileSync(join(noFlips, 'config.json'), JSON.stringify({ ...config, augment: { ...config.augment, flipProbability: 0 } }));
    expect((await loadTrainedNet(noFlips, '--pnet', TRAIN_PNET_SCHEMA, 'auto')).flipAxes).toEqual([]);
    expect((await loadTrainedNet(noFlips, '--pnet', TRAIN_PNET_SCHEMA, 'flip')).flipAxes).toEqual([0, 1]);
    expect((await loadTrainedNet(join(weights, 'pnet2d'), '--pnet', TRAIN_PNET_SCHEMA, 'auto')).flipAxes).toEqual([0, 1]);
  }, 120_000);

  it('NoC counts clicks until the Dice threshold, 0 when P-Net reaches it, capped at 20', () => {
    const rounds = [
      { dice: 0.8, clicks: 3 },
      { dice: 0.88, clicks: 5 },
      { dice: 0.91, clicks: 9 },
    ];
    expect(clicksToReach(0.7, rounds, 0.85)).toBe(5);
    expect(clicksToReach(0.7, rounds, 0.9)).toBe(9);
    expect(clicksToReach(0.9, rounds, 0.9)).toBe(0);
    expect(clicksToReach(0.7, rounds, 0.95)).toBe(NOC_CAP);
    expect(clicksToReach(0.7, [{ dice: 0.95, clicks: 25 }], 0.9)).toBe(NOC_CAP);
  });
});

describe('evaluate --refine-margin', () => {
  it('equals the whole-image rounds bit for bit when the box covers the image, and runs with a small box', async () => {
    await initBackend();
    const pnet = await loadTrainedNet(join(weights, 'pnet2d'), '--pnet', TRAIN_PNET_SCHEMA);
    const rnet = await loadTrainedNet(join(weights, 'rnet2d'), '--rnet', TRAIN_RNET_SCHEMA);
    const c = await loadCase({ id: 'c', kind: 'nifti', images: [image], label: join(dir, 'data/Phantom_001/Phantom_001_seg.nii.gz') }, pnet.config.preprocess);
    const user = { minClicks: 1 };
    const whole = await evaluateCase(c, pnet, rnet, 2, 0, user);
    const box = await evaluateCase(c, pnet, rnet, 2, 0, { ...user, refineMargin: 1000 });
    expect(box.rounds.map((r) => [r.dice, r.clicks])).toEqual(whole.rounds.map((r) => [r.dice, r.clicks]));
    for (const [i, s] of whole.slices!.entries()) expect(box.slices![i]!.rounds.map((r) => r.rnet.dice)).toEqual(s.rounds.map((r) => r.rnet.dice));
    const small = await evaluateCase(c, pnet, rnet, 2, 0, { ...user, refineMargin: 2 });
    expect(small.rounds.map((r) => r.clicks)[0]).toBe(whole.rounds[0]!.clicks);
    for (const r of small.rounds) expect(r.dice).toBeGreaterThan(0);
  }, 120_000);
});

describe('previous results from other tools', () => {
  it('reads label maps (any label > 0 is foreground) and probability maps with float rounding; refuses NaN, naming the file', async () => {
    const write = async (name: string, data: Float32Array) => {
      await writeNifti(join(dir, name), niftiFromVolume({ data, shape: [1, 2, 2] }));
      return join(dir, name);
    };
    const labels = await readInitialSegmentation(await write('l.nii.gz', Float32Array.of(0, 2, 4, 1)), [2, 2, 1]);
    expect(labels).toEqual({ probability: Float32Array.of(0, 1, 1, 1), kind: 'mask' });
    const rounded = await readInitialSegmentation(await write('p.nii.gz', Float32Array.of(0.25, 1.0000001, -1e-9, 0.5)), [2, 2, 1]);
    expect(rounded.kind).toBe('probability');
    expect(Array.from(rounded.probability)).toEqual([0.25, 1, 0, 0.5]);
    await expect(readInitialSegmentation(await write('n.nii.gz', Float32Array.of(0, Number.NaN, 0, 1)), [2, 2, 1])).rejects.toThrow(/--init .*n\.nii\.gz: voxel 1 is NaN/);
    await expect(readInitialSegmentation(await write('f.nii.gz', Float32Array.of(0, 2.5, 0, 1)), [2, 2, 1])).rejects.toThrow(/f\.nii\.gz: holds non-integer values above 1/);
  });
});
