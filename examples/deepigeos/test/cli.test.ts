import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNifti } from '@deepigeos/io-nifti';
import { convolutionImplementation } from '@deepigeos/pnet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../src/cli/main.js';
import { InterruptedError, runInterruptible } from '../src/commands/interrupt.js';
import { writeBratsPhantoms } from '../src/data/phantom.js';
import { readEventFile } from '../src/report/event-writer.js';
import { parseMetricsJsonl } from '../src/report/metrics-log.js';
import { validateConfig } from '../src/config.js';
import { TRAIN_PNET_SCHEMA, type TrainConfig } from '../src/train/schema.js';
import { trainPNet } from '../src/train/train-pnet.js';
import { cli } from './cli-runner.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
let dir: string;
let images: string;
let labels: string;
const tiny = ['--patch', '16', '--channels', '4', '--batch', '2', '--steps-per-epoch', '2'];


beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deepigeos-cli-'));
  process.chdir(dir);
  await writeBratsPhantoms(join(dir, 'data'), { cases: 4, shape: [8, 32, 32], seed: 11 });
  images = join(dir, 'data/*/*_flair.nii.gz');
  labels = join(dir, 'data/*/*_seg.nii.gz');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('help and usage', () => {
  it('prints --help for every command and exits 0', async () => {
    for (const c of COMMANDS) {
      const r = await cli(c.name, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: deepigeos ${c.name}`);
    }
    const top = await cli('--help');
    expect(top.code).toBe(0);
    for (const c of COMMANDS) expect(top.out).toContain(c.name);
  });
  it('rejects unknown commands and flags with status 2', async () => {
    expect((await cli('trian-pnet')).err).toMatch(/unknown command "trian-pnet"/);
    const r = await cli('train-pnet', '--epoch', '3');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--epoch/);
    const bad = await cli('train-pnet', '--images', images, '--labels', labels, '--out', 'x', '--dim', '4');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--dim must be an integer ≥ 2 ≤ 3, got "4"/);
  });
});

describe('train → evaluate → segment on tiny phantoms', () => {
  it('trains P-Net and R-Net, evaluates with rounds and segments with seeds', async () => {
    const p = await cli('train-pnet', '--images', images, '--labels', labels, '--dim', '2', '--out', 'pnet', '--epochs', '2', ...tiny, '--crf');
    expect(p.err).not.toMatch(/Error/);
    expect(p.code).toBe(0);
    for (const f of ['config.json', 'best/model.json', 'model/weights.bin', 'checkpoint/state.json', 'crf/model.json', 'metrics.jsonl', 'report.html']) {
      expect(existsSync(join(dir, 'pnet', f))).toBe(true);
    }
    const config = JSON.parse(readFileSync(join(dir, 'pnet/config.json'), 'utf8'));
    expect(config.patch).toBe(16);
    expect(config.data.images).toBe(images);
    // JSONL log and TensorBoard events agree (float32 in the event file).
    const rows = parseMetricsJsonl(readFileSync(join(dir, 'pnet/metrics.jsonl'), 'utf8'));
    const losses = rows.filter((r) => typeof r['loss'] === 'number');
    expect(losses).toHaveLength(4);
    const logdir = join(dir, 'experiments/logs/pnet');
    const events = readdirSync(logdir).flatMap((f) => readEventFile(join(logdir, f)));
    const tbLoss = events.filter((e) => 'train/loss' in e.scalars);
    expect(tbLoss.map((e) => e.step)).toEqual([1, 2, 3, 4]);
    for (const [i, e] of tbLoss.entries()) expect(e.scalars['train/loss']).toBeCloseTo(losses[i]!['loss'] as number, 5);
    expect(events.some((e) => 'val/dice' in e.scalars)).toBe(true);
    expect(readFileSync(join(dir, 'pnet/report.html'), 'utf8')).toContain('<svg');
    // --crf: pre-training, CRF-only and joint training, each validated; the best pair is kept.
    const stages = JSON.parse(readFileSync(join(dir, 'pnet/crf/stages.json'), 'utf8'));
    expect(stages.kind).toBe('f');
    for (const k of ['cnn', 'pretrained', 'crfTrained', 'joint']) expect(stages[k]).toBeGreaterThanOrEqual(0);
    expect(stages.steps.crf).toBeGreaterThan(0);
    expect(stages.steps.joint).toBeGreaterThan(0);
    const keptDice = { pretrained: stages.pretrained, crfTrained: stages.crfTrained, joint: stages.joint }[stages.kept as string];
    expect(keptDice).toBe(Math.max(stages.pretrained, stages.crfTrained, stages.joint));
    expect(p.err).toMatch(/CRF-Net\(f\) step 3, CNN \+ CRF fine-tuned jointly/);

    const r = await cli('train-rnet', '--images', images, '--labels', labels, '--pnet', 'pnet', '--out', 'rnet', '--epochs', '1', ...tiny, '--crf');
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'rnet/crf/model.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'rnet/crf/stages.json'), 'utf8')).kind).toBe('fu');

    const ev = await cli('evaluate', '--images', images, '--labels', labels, '--pnet', 'pnet', '--rnet', 'rnet', '--rounds', '2', '--json', 'eval/result.json');
    expect(ev.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'eval/result.json'), 'utf8'));
    expect(report.cases).toHaveLength(4);
    // The default user: the paper's rule plus one click when it places none (as the demo).
    expect(report.settings).toMatchObject({ protocol: 'paper', minClicks: 1 });
    for (const s of [report.mean.pnet, report.mean.pnetCrf, ...report.mean.rounds]) {
      expect(s.dice).toBeGreaterThanOrEqual(0);
      expect(s.dice).toBeLessThanOrEqual(1);
    }
    expect(report.mean.rounds).toHaveLength(2);
    expect(report.cases[0].rounds[0]).toHaveProperty('fgSeeds');
    // The mean is the mean of the cases.
    const meanP = report.cases.reduce((a: number, c: { pnet: { dice: number } }) => a + c.pnet.dice, 0) / 4;
    expect(report.mean.pnet.dice).toBeCloseTo(meanP, 10);

    const image = join(dir, 'data/Phantom_002/Phantom_002_flair.nii.gz');
    const seg = await cli('segment', image, '--pnet', 'pnet', '--out', 'out/seg.nii.gz', '--png', 'out/png');
    expect(seg.code).toBe(0);
    const src = await readNifti(image);
    const mask = await readNifti(join(dir, 'out/seg.nii.gz'));
    expect(mask.dims).toEqual(src.dims);
    expect(mask.affine).toEqual(src.affine);
    expect(mask.sformCode).toBe(src.sformCode);
    expect(readdirSync(join(dir, 'out/png')).length).toBe(1);

    writeFileSync(join(dir, 'seeds.json'), JSON.stringify({ fg: [[16, 16, 4]], bg: [[1, 1, 4]] }));
    const refined = await cli('segment', image, '--pnet', 'pnet', '--rnet', 'rnet', '--seeds', 'seeds.json', '--out', 'out/refined.nii.gz');
    expect(refined.code).toBe(0);
    const rm = await readNifti(join(dir, 'out/refined.nii.gz'));
    expect(rm.affine).toEqual(src.affine);
    // CRF-Net(fu) clamps seeds: the foreground seed is foreground, the background seed is not.
    const at = (i: number, j: number, k: number) => (rm.data as Uint8Array)[i + j * 32 + k * 32 * 32];
    expect(at(16, 16, 4)).toBe(1);
    expect(at(1, 1, 4)).toBe(0);

    writeFileSync(join(dir, 'bad-seeds.json'), JSON.stringify({ fg: [[40, 1, 1]] }));
    const outside = await cli('segment', image, '--pnet', 'pnet', '--rnet', 'rnet', '--seeds', 'bad-seeds.json', '--out', 'out/x.nii.gz');
    expect(outside.code).toBe(2);
    expect(outside.err).toMatch(/fg\[0\] = \[40,1,1\] is not an integer voxel/);
    expect(existsSync(join(dir, 'out/x.nii.gz'))).toBe(false);
  }, 240_000);
});

describe('3D pipeline', () => {
  it('trains tiny 3D P-Net and R-Net and evaluates a refinement round on volumes', async () => {
    const tiny3d = ['--dim', '3', '--patch', '12', '--channels', '2', '--batch', '1', '--steps-per-epoch', '1', '--epochs', '1'];
    expect((await cli('train-pnet', '--images', images, '--labels', labels, '--out', 'p3', ...tiny3d)).code).toBe(0);
    // R-Net as bundled: started from the P-Net, here with every training sample click-free.
    writeFileSync(join(dir, 'r3.json'), JSON.stringify({ initFromPNet: true, noSeedProbability: 1 }));
    const r3 = await cli('train-rnet', '--images', images, '--labels', labels, '--pnet', 'p3', '--out', 'r3', '--config', 'r3.json', ...tiny3d);
    expect(r3.code).toBe(0);
    expect(r3.err).toMatch(/initialised from the P-Net/);
    expect(JSON.parse(readFileSync(join(dir, 'r3/config.json'), 'utf8'))).toMatchObject({ initFromPNet: true, noSeedProbability: 1 });
    const e = await cli('evaluate', '--images', images, '--labels', labels, '--pnet', 'p3', '--rnet', 'r3', '--rounds', '2', '--min-clicks', '1', '--roi-margin', '2', '--json', 'e3.json');
    expect(e.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'e3.json'), 'utf8'));
    expect(report.cases[0].region).toBe('volume');
    expect(report.mean.rounds).toHaveLength(2);
    // With --min-clicks 1 every round either clicks or has nothing left to correct (and keeps its result).
    for (const c of report.cases) {
      for (const r of c.rounds) expect(r.refined ? r.fgSeeds + r.bgSeeds : r.dice).toBeGreaterThanOrEqual(1);
    }
    const wider = await cli('train-rnet', '--images', images, '--labels', labels, '--pnet', 'p3', '--out', 'r3w', '--config', 'r3.json', ...tiny3d, '--channels', '3');
    expect(wider.code).toBe(2);
    expect(wider.err).toMatch(/initFromPNet: .*use the P-Net's channels and dim/);
    expect(existsSync(join(dir, 'r3w'))).toBe(false);
    const mismatch = await cli('train-rnet', '--images', images, '--labels', labels, '--pnet', 'p3', '--dim', '2', '--out', 'r2', ...tiny);
    expect(mismatch.code).toBe(2);
    expect(mismatch.err).toMatch(/--dim 2 differs from the P-Net's dim 3/);
    expect(existsSync(join(dir, 'r2'))).toBe(false);
  }, 180_000);
});

describe('demo with the bundled weights and sample', () => {
  const dice = (out: string, stage: string) => [...out.matchAll(new RegExp(`${stage}\\s+Dice ([01]\\.\\d{4})`, 'g'))].map((m) => Number(m[1]));

  it('runs the 3D pipeline by default with both CRF stages: masks aligned with the sample, clicks honoured, PNG overlays', async () => {
    const r = await cli('demo', '--out', 'demo-out', '--rounds', '2');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/3D pipeline on volume/);
    // The header says which kernels ran the convolutions (pnet's addon on linux-x64 with AVX2).
    const kernels = convolutionImplementation();
    expect(r.out).toMatch(
      kernels === 'tfjs'
        ? /backend wasm\n/
        : kernels.startsWith('wasm-simd')
          ? /backend wasm, WebAssembly SIMD convolutions( on threads)?\n/
          : /backend wasm, native (AVX-512|AVX2) convolutions\n/,
    );
    expect(r.out).toMatch(/pnet3d \(\d+ params, \+ CRF-Net\(f\)\), .*rnet3d \(\d+ params, \+ CRF-Net\(fu\)\)/);
    expect(r.out).toMatch(/region of interest: the reference's bounding box \+ 8 voxels/);
    expect(dice(r.out, 'P-Net')).toHaveLength(1);
    expect(dice(r.out, '\\+ CRF-Net\\(f\\)')).toHaveLength(1);
    expect(dice(r.out, 'R-Net')).toHaveLength(2);
    expect(dice(r.out, '\\+ CRF-Net\\(fu\\)')).toHaveLength(2);
    for (const m of r.out.matchAll(/round \d: (\d+) foreground \+ (\d+) background clicks/g)) expect(Number(m[1]) + Number(m[2])).toBeGreaterThan(0);
    const sample = await readNifti(join(fixtures, '../../sample/Phantom_demo/Phantom_demo_flair.nii.gz'));
    const masks = readdirSync(join(dir, 'demo-out')).filter((f) => f.endsWith('_seg.nii.gz'));
    expect(masks.sort()).toEqual(['pnet_crf_seg.nii.gz', 'pnet_seg.nii.gz', 'round1_seg.nii.gz', 'round2_seg.nii.gz']);
    for (const f of masks) {
      const m = await readNifti(join(dir, 'demo-out', f));
      expect(m.affine).toEqual(sample.affine);
      expect(m.dims).toEqual(sample.dims);
    }
    expect(readdirSync(join(dir, 'demo-out/png')).length).toBe(masks.length);
    // CRF-Net(fu) honours the seeds: the final mask is foreground at every foreground click and
    // background at every background click (clicks land on errors, so these voxels were wrong before).
    const clicks = (await readNifti(join(dir, 'demo-out', 'clicks.nii.gz'))).data;
    const final = (await readNifti(join(dir, 'demo-out', 'round2_seg.nii.gz'))).data;
    const before = (await readNifti(join(dir, 'demo-out', 'pnet_crf_seg.nii.gz'))).data;
    const clicked = [...clicks.keys()].filter((i) => clicks[i] !== 0);
    expect(clicked.length).toBeGreaterThan(0);
    for (const i of clicked) expect([i, final[i]]).toEqual([i, clicks[i] === 1 ? 1 : 0]);
    expect(clicked.some((i) => before[i] !== (clicks[i] === 1 ? 1 : 0))).toBe(true);
  }, 120_000);

  it('--dim 2: CRF stages, and the fallback click makes the rounds interactive where the paper\'s rule places none', async () => {
    const r = await cli('demo', '--dim', '2', '--out', 'demo2', '--rounds', '2');
    expect(r.code).toBe(0);
    expect(dice(r.out, '\\+ CRF-Net\\(f\\)')).toHaveLength(1);
    expect(r.out).toMatch(/round 1: 1 foreground \+ 0 background clicks \(1 by the fallback: interior-most voxel of the largest error region; no region reaches the paper's 30 voxels\)/);
    // On this sample each single click raises Dice, and two lift it far above CRF-Net(f)'s.
    const [crf] = dice(r.out, '\\+ CRF-Net\\(f\\)');
    const [round1, round2] = dice(r.out, '\\+ CRF-Net\\(fu\\)');
    expect(round1!).toBeGreaterThan(crf!);
    expect(round2!).toBeGreaterThan(round1!);
    expect(round2! - crf!).toBeGreaterThan(0.1);
    const paper = await cli('demo', '--dim', '2', '--out', 'demo2-paper', '--rounds', '2', '--min-clicks', '0');
    expect(paper.out).toMatch(/round 1: the simulated user has nothing to click \(no error region of ≥ 30 voxels\); stopping/);
    expect(readdirSync(join(dir, 'demo2-paper')).filter((f) => f.startsWith('round'))).toEqual([]);
  }, 120_000);
});

describe('PASCAL VOC: RGB 2D P-Net on one class', () => {
  it('trains and evaluates on the VOC layout', async () => {
    const root = join(fixtures, 'voc');
    const t = await cli('train-pnet', '--dataset', 'voc', '--root', root, '--class', '1', '--dim', '2', '--out', 'voc', '--epochs', '1', ...tiny);
    expect(t.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'voc/config.json'), 'utf8')).data.classIndex).toBe(1);
    const e = await cli('evaluate', '--dataset', 'voc', '--root', root, '--image-set', 'train', '--pnet', 'voc', '--json', 'voc-eval.json');
    expect(e.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'voc-eval.json'), 'utf8'));
    expect(report.cases.map((c: { region: string }) => c.region)).toEqual(['image', 'image']);
    const missing = await cli('evaluate', '--dataset', 'voc', '--root', root, '--pnet', 'voc');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/missing image list .*val\.txt/);
  }, 120_000);
});

describe('resume', () => {
  it('an interrupted and resumed run ends with the same weights as an uninterrupted one', async () => {
    const base = validateConfig(
      { data: { images, labels }, epochs: 2, stepsPerEpoch: 3, patch: 16, channels: 4, batch: 2, dropout: 0, logDir: join(dir, 'logs') },
      TRAIN_PNET_SCHEMA,
    ) as unknown as TrainConfig;
    const quiet = { log: () => {}, stream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };
    await trainPNet(base, { out: join(dir, 'full'), resume: false, ...quiet });
    const ac = new AbortController();
    const first = await trainPNet(base, { out: join(dir, 'part'), resume: false, signal: ac.signal, onStep: (s) => s === 2 && ac.abort(), ...quiet });
    expect(first.interrupted).toBe(true);
    expect(first.steps).toBe(2);
    const r = await cli('train-pnet', '--resume', '--out', join(dir, 'part'));
    expect(r.code).toBe(0);
    const full = new Float32Array(readFileSync(join(dir, 'full/model/weights.bin')).buffer.slice(0));
    const part = new Float32Array(readFileSync(join(dir, 'part/model/weights.bin')).buffer.slice(0));
    expect(part.length).toBe(full.length);
    let maxDiff = 0;
    for (let i = 0; i < full.length; i++) maxDiff = Math.max(maxDiff, Math.abs(full[i]! - part[i]!));
    expect(maxDiff).toBeLessThan(1e-5);
    const state = (d: string) => JSON.parse(readFileSync(join(dir, d, 'checkpoint/state.json'), 'utf8'));
    expect(state('part').step).toBe(6);
    expect(state('part').rngState).toBe(state('full').rngState);
    // Resuming needs a checkpoint; starting over an existing run needs --resume.
    expect((await cli('train-pnet', '--resume', '--out', join(dir, 'nothing'))).err).toMatch(/has no checkpoint to resume/);
    const again = await cli('train-pnet', '--images', images, '--labels', labels, '--out', join(dir, 'full'));
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds a training run; pass --resume/);
  }, 240_000);

  it('--max-minutes stops cleanly with a validated best checkpoint', async () => {
    const r = await cli('train-pnet', '--images', images, '--labels', labels, '--out', 'timed', '--max-minutes', '0', ...tiny);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/stopped at the time limit after 0 steps/);
    for (const f of ['best/model.json', 'model/model.json', 'checkpoint/state.json']) expect(existsSync(join(dir, 'timed', f))).toBe(true);
  }, 60_000);

  it('Ctrl-C aborts the run through the signal and reports an interruption', async () => {
    const before = process.listenerCount('SIGINT');
    const result = runInterruptible(join(dir, 'x'), async (signal) => {
      process.emit('SIGINT');
      expect(signal.aborted).toBe(true);
      return { steps: 1, bestDice: 0.5, interrupted: true, timedOut: false, stoppedEarly: false, samplesPerSecond: 1 };
    });
    const o = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(result).rejects.toBeInstanceOf(InterruptedError);
    o.mockRestore();
    e.mockRestore();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});

describe('bad input leaves nothing behind', () => {
  it('bad config: unknown key → status 2, message names it, no output folder', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ epochs: 1, learning_rate: 0.1 }));
    const r = await cli('train-pnet', '--config', 'bad.json', '--images', images, '--labels', labels, '--out', 'bad-out');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.json: unknown key "learning_rate"/);
    expect(existsSync(join(dir, 'bad-out'))).toBe(false);
    writeFileSync(join(dir, 'bad2.json'), JSON.stringify({ batch: 'four' }));
    expect((await cli('train-pnet', '--config', 'bad2.json', '--images', images, '--labels', labels, '--out', 'bad-out')).err).toMatch(/batch must be a finite number/);
  });
  it('missing files → status 2, no output folder', async () => {
    const r = await cli('train-pnet', '--images', join(dir, 'nope/*.nii.gz'), '--labels', labels, '--out', 'missing-out', ...tiny);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--images: no files match/);
    expect(existsSync(join(dir, 'missing-out'))).toBe(false);
    const s = await cli('segment', join(dir, 'nope.nii.gz'), '--pnet', 'pnet', '--out', 'o.nii.gz');
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/nope\.nii\.gz does not exist/);
  });
  it('mismatched image/label shapes → status 2 naming both files, no output folder', async () => {
    await writeBratsPhantoms(join(dir, 'odd'), { cases: 1, shape: [8, 32, 30], seed: 99, prefix: 'Phantom' });
    const r = await cli('train-pnet', '--images', images, '--labels', `${join(dir, 'odd')}/*/*_seg.nii.gz`, '--out', 'odd-out', ...tiny);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/(cannot pair|is 8×32×30 but image)/);
    expect(existsSync(join(dir, 'odd-out'))).toBe(false);
  });
});
