// torchrun with two CPU processes (gloo) trains P-Net and R-Net on synthetic phantoms; the
// folders load in the deepigeos CLI with logits equal to PyTorch's; resume, single-process
// equivalence, fine-tuning of a JavaScript-trained run, and dataset errors on every rank.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadCase, loadTrainedNet, TRAIN_PNET_SCHEMA, writeBratsPhantoms } from '@deepigeos/examples';
import { exportTorchStateDict, initBackend, readSafetensors } from '@deepigeos/pnet';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, here, maxAbsDiff, PYTHON, type RunResult, tensors, tool, torchrunAsync, torchrunOk, trainSingle, workDir } from './harness.js';

const work = workDir('torch-ddp-');
const dir = work.dir;
afterAll(work.remove);

const DATA = ['--images', 'data/*/*_flair.nii.gz', '--labels', 'data/*/*_seg.nii.gz'];
const SMALL2D = [...DATA, '--dim', '2', '--patch', '16', '--channels', '4', '--config', 'det.json'];
const IMAGE = 'data/Phantom_001/Phantom_001_flair.nii.gz';

beforeAll(async () => {
  await initBackend('cpu');
  await writeBratsPhantoms(join(dir, 'data'), { cases: 3, shape: [12, 24, 24] });
  // No dropout: a DDP run and a single-process run then see the same function (see equivalence test).
  writeFileSync(join(dir, 'det.json'), JSON.stringify({ dropout: 0, batch: 4, stepsPerEpoch: 2, logDir: 'logs' }));
});

const weights = (file: string) => tensors(join(dir, file));
const metrics = (run: string) => readFileSync(join(dir, run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
const lossSteps = (run: string) => metrics(run).filter((m) => 'loss' in m).map((m) => m['step']);

function sameWeights(a: string, b: string): void {
  const ta = weights(a);
  const tb = weights(b);
  expect([...ta.keys()].sort()).toEqual([...tb.keys()].sort());
  for (const [k, t] of ta) expect(Buffer.from(tb.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
}

function maxWeightDiff(a: string, b: string): number {
  const tb = weights(b);
  let m = 0;
  for (const [k, t] of weights(a)) m = Math.max(m, maxAbsDiff(t.data, tb.get(k)!.data));
  return m;
}

describe('torchrun --nproc_per_node 2 (gloo on CPU)', () => {
  it('P-Net 2D: both ranks end with identical weights; rank-0 outputs, TensorBoard events; resume continues', () => {
    const r = torchrunOk(dir, ['pnet', ...SMALL2D, '--out', 'p2', '--steps', '2'], 2, { DEEPIGEOS_TORCH_RANK_DUMP: join(dir, 'dump-p2') });
    expect(r.stderr).toMatch(/2 process\(es\) on cpu, global batch 4/);
    sameWeights('dump-p2/rank0.safetensors', 'dump-p2/rank1.safetensors');
    for (const f of ['config.json', 'model/model.safetensors', 'best/model.safetensors', 'checkpoint/checkpoint.pt']) expect(existsSync(join(dir, 'p2', f)), f).toBe(true);
    expect(lossSteps('p2')).toEqual([1, 2]);
    const events = readdirSync(join(dir, 'logs', 'p2')).filter((f) => f.startsWith('events.out.tfevents.'));
    expect(events).toHaveLength(1);
    const decoder = join(here, '..', '..', 'deepigeos', 'src', 'report', 'test', 'fixtures', 'tfevents_reference.py');
    const decoded = spawnSync(PYTHON, [decoder, 'decode', join(dir, 'logs', 'p2', events[0]!)], { encoding: 'utf8' });
    expect(decoded.status, decoded.stderr).toBe(0);
    expect(decoded.stdout).toContain('train/loss');
    expect(decoded.stdout).toContain('val/dice');

    torchrunOk(dir, ['pnet', '--out', 'p2', '--resume', '--steps', '4']);
    expect(lossSteps('p2')).toEqual([1, 2, 3, 4]);
    expect(JSON.parse(readFileSync(join(dir, 'p2', 'checkpoint', 'state.json'), 'utf8')).step).toBe(4);
  });

  it('2 processes (2 + 2 resumed steps) equal 1 process with the same global batch to 1e-5', () => {
    trainSingle(dir, ['pnet', ...SMALL2D, '--out', 'single', '--steps', '4']);
    const diff = maxWeightDiff('p2/model/model.safetensors', 'single/model/model.safetensors');
    expect(diff).toBeLessThan(1e-5);
    // …and training moved the weights (the comparison is not between two untouched inits).
    trainSingle(dir, ['pnet', ...SMALL2D, '--out', 'single1', '--steps', '1']);
    expect(maxWeightDiff('single1/model/model.safetensors', 'single/model/model.safetensors')).toBeGreaterThan(1e-4);
  });

  it('R-Net 2D on simulated clicks against the frozen P-Net: ranks identical; CLI refines with it', () => {
    torchrunOk(dir, ['rnet', ...SMALL2D, '--pnet', 'p2', '--out', 'r2', '--steps', '2'], 2, { DEEPIGEOS_TORCH_RANK_DUMP: join(dir, 'dump-r2') });
    sameWeights('dump-r2/rank0.safetensors', 'dump-r2/rank1.safetensors');
    expect(weights('r2/model/model.safetensors').get('block1.0.weight')!.shape).toEqual([4, 4, 3, 3]); // image + 3
    writeFileSync(join(dir, 'seeds.json'), JSON.stringify({ fg: [[12, 12, 6]], bg: [[2, 2, 6]] }));
    expect(cli(dir, ['segment', IMAGE, '--pnet', 'p2', '--rnet', 'r2', '--seeds', 'seeds.json', '--out', 'refined.nii.gz'])).toMatch(/wrote refined\.nii\.gz/);
    const report = cli(dir, ['evaluate', ...DATA, '--pnet', 'p2', '--rnet', 'r2', '--rounds', '1', '--json', 'eval.json']);
    expect(report.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'eval.json'))).toBe(true);
  });

  it('P-Net 3D (P_RNet3D layout) trains on two ranks', () => {
    torchrunOk(dir, ['pnet', ...DATA, '--dim', '3', '--patch', '8', '--channels', '4', '--config', 'det.json', '--out', 'p3', '--steps', '2'], 2, { DEEPIGEOS_TORCH_RANK_DUMP: join(dir, 'dump-p3') });
    sameWeights('dump-p3/rank0.safetensors', 'dump-p3/rank1.safetensors');
    expect(weights('p3/model/model.safetensors').get('block6.4.weight')!.shape).toEqual([2, 4, 3, 3, 3]);
  });

  it('R-Net 3D (3D geodesic maps of simulated clicks) trains on two ranks; CLI refines a volume with it', () => {
    const args = ['rnet', ...DATA, '--dim', '3', '--patch', '8', '--channels', '4', '--config', 'det.json', '--pnet', 'p3', '--out', 'r3', '--steps', '1'];
    torchrunOk(dir, args, 2, { DEEPIGEOS_TORCH_RANK_DUMP: join(dir, 'dump-r3') });
    sameWeights('dump-r3/rank0.safetensors', 'dump-r3/rank1.safetensors');
    expect(weights('r3/model/model.safetensors').get('block1.0.weight')!.shape).toEqual([4, 4, 3, 3, 3]);
    writeFileSync(join(dir, 'seeds3.json'), JSON.stringify({ fg: [[12, 12, 6]], bg: [[2, 2, 6]] }));
    expect(cli(dir, ['segment', IMAGE, '--pnet', 'p3', '--rnet', 'r3', '--seeds', 'seeds3.json', '--out', 'refined3.nii.gz'])).toMatch(/wrote refined3\.nii\.gz/);
  });
});

describe('the written folders in the deepigeos CLI', () => {
  const MRI = '/usr/lib/python3/dist-packages/nibabel/tests/data/anatomical.nii';
  beforeAll(() => {
    tool('forward', join(dir, 'fw-phantom'), join(dir, IMAGE), join(dir, 'p2'), join(dir, 'p3'));
    tool('forward', join(dir, 'fw-mri'), MRI, join(dir, 'p2'), join(dir, 'p3'));
  }, 240_000);

  for (const [run, dim] of [['p2', 2], ['p3', 3]] as const) {
    for (const [what, image, fw] of [['phantom', IMAGE, 'fw-phantom'], ['real MRI (nibabel anatomical.nii)', MRI, 'fw-mri']] as const) {
      it(`${dim}D on a ${what}: loadTrainedNet's logits equal PyTorch's forward pass to 1e-4`, async () => {
        const net = await loadTrainedNet(join(dir, run), '--pnet', TRAIN_PNET_SCHEMA);
        const c = await loadCase({ id: 'x', kind: 'nifti', images: [image.startsWith('/') ? image : join(dir, image)] }, net.config.preprocess);
        const py = tensors(join(dir, fw, `${run}.safetensors`));
        expect(maxAbsDiff(c.image.data, py.get('image')!.data)).toBeLessThan(1e-5); // same preprocessing
        const [D, H, W] = c.image.shape as [number, number, number];
        const shape = dim === 2 ? [D, H, W, 1] : [1, D, H, W, 1];
        const logits = tf.tidy(() => (net.model.predict(tf.tensor(c.image.data, shape)) as tf.Tensor).dataSync());
        const expected = py.get('logits')!;
        expect(expected.shape).toEqual([D, H, W, 2]);
        expect(maxAbsDiff(logits, expected.data)).toBeLessThan(1e-4);
        expect(Math.max(...expected.data.map(Math.abs))).toBeGreaterThan(1e-3);
      });
    }
    it(`${dim}D: deepigeos segment --pnet loads the folder directly`, () => {
      expect(cli(dir, ['segment', IMAGE, '--pnet', run, '--out', `seg-${run}.nii.gz`])).toMatch(/wrote seg-/);
    });
  }
});

describe('fine-tuning a run of the JavaScript CLI', () => {
  beforeAll(() => {
    cli(dir, ['train-pnet', ...DATA, '--dim', '2', '--patch', '16', '--channels', '4', '--batch', '2', '--epochs', '1', '--steps-per-epoch', '1', '--out', 'js', '--log-dir', 'logs', '--backend', 'cpu']);
    writeFileSync(join(dir, 'frozen.json'), JSON.stringify({ learningRate: 0, batch: 2, logDir: 'logs' }));
  }, 240_000);

  it('train.py pnet --pnet JS_RUN starts from the JavaScript weights exactly', async () => {
    trainSingle(dir, ['pnet', ...DATA, '--dim', '2', '--patch', '16', '--channels', '4', '--config', 'frozen.json', '--pnet', 'js', '--out', 'ft', '--steps', '1']);
    const js = await loadTrainedNet(join(dir, 'js'), '--pnet', TRAIN_PNET_SCHEMA);
    const expected = readSafetensors(exportTorchStateDict(js.model)).tensors;
    const got = weights('ft/model/model.safetensors');
    for (const [k, t] of expected) expect(maxAbsDiff(got.get(k)!.data, t.data), k).toBe(0); // learning rate 0
  });

  it('train.py pnet --out JS_RUN --resume continues the JavaScript run under torchrun', () => {
    const r = torchrunOk(dir, ['pnet', '--out', 'js', '--resume', '--steps', '3']);
    expect(r.stderr).toMatch(/fine-tuning the JavaScript run/);
    expect(lossSteps('js').slice(-2)).toEqual([2, 3]);
    expect(existsSync(join(dir, 'js', 'model', 'model.safetensors'))).toBe(true);
    expect(cli(dir, ['segment', IMAGE, '--pnet', 'js', '--out', 'seg-js.nii.gz'])).toMatch(/wrote seg-js/);
  });
});

describe('bad input: a clear message on rank 0, every rank exits non-zero, nothing hangs', () => {
  const cases = [
    ['missing pairs', 'pairs', /cannot pair 2 images with 1 labels by file name: no label for .*Phantom_002_flair/],
    ['shape mismatch', 'shape', /label .*Phantom_002_seg\.nii\.gz is 12×24×23 but image .* is 12×24×24/],
    ['NaN voxels', 'nan', /Phantom_002_flair\.nii\.gz has 1 NaN or infinite voxel/],
  ] as const;
  const results = new Map<string, RunResult>();
  beforeAll(async () => {
    tool('bad', join(dir, 'data'), join(dir, 'bad'));
    // One after the other: three launches at once overload a busy 2-core machine's rendezvous.
    for (const [, folder] of cases) {
      const args = ['pnet', '--images', `bad/${folder}/*_flair.nii.gz`, '--labels', `bad/${folder}/*_seg.nii.gz`, '--dim', '2', '--out', `bad-${folder}`, '--steps', '2'];
      results.set(folder, await torchrunAsync(dir, args));
    }
  }, 400_000);
  for (const [name, folder, message] of cases) {
    it(name, () => {
      const r = results.get(folder)!;
      expect(r.timedOut).toBe(false);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.match(/train\.py: error:/g)).toHaveLength(1); // said once, by rank 0
      expect(existsSync(join(dir, `bad-${folder}`, 'checkpoint'))).toBe(false);
    });
  }
});
