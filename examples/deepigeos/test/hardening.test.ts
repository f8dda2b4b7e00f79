// The CLI checks its outputs before any expensive work, never overwrites an input, reports every
// file problem with exit status 2 naming the flag and the file, and repairs what a kill left
// behind. Each case failed (hung, overwrote, exited 1 or left files) before its fix.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { niftiFromVolume, readNifti, volumeFromNifti, writeNifti } from '@deepigeos/io-nifti';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBratsPhantoms } from '../src/data/phantom.js';
import { repairRunFolder, truncateMetrics } from '../src/train/run-folder.js';
import { cli } from './cli-runner.js';

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), '..');
const WEIGHTS = join(PACKAGE, 'weights');
const SAMPLE = join(PACKAGE, 'sample', 'Phantom_demo', 'Phantom_demo_flair.nii.gz');
let dir: string;
let images: string;
let labels: string;
const tiny = ['--patch', '16', '--channels', '4', '--batch', '1', '--steps-per-epoch', '2', '--epochs', '1'];


beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deepigeos-hardening-'));
  process.chdir(dir);
  await writeBratsPhantoms(join(dir, 'data'), { cases: 3, shape: [8, 32, 32], seed: 5 });
  images = join(dir, 'data/*/*_flair.nii.gz');
  labels = join(dir, 'data/*/*_seg.nii.gz');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('outputs are checked before any work', () => {
  it('segment X --out X is refused and X is left untouched', async () => {
    const image = join(dir, 'image.nii.gz');
    copyFileSync(SAMPLE, image);
    const before = readFileSync(image);
    const r = await cli('segment', image, '--pnet', join(WEIGHTS, 'pnet3d'), '--out', image);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/segment: --out .*image\.nii\.gz:? is also (the input )?IMAGE/);
    expect(readFileSync(image).equals(before)).toBe(true);
    // Through a symbolic link to the input's folder too.
    execFileSync('ln', ['-s', dir, join(dir, 'link')]);
    expect((await cli('segment', image, '--pnet', join(WEIGHTS, 'pnet3d'), '--out', join(dir, 'link', 'image.nii.gz'))).err).toMatch(/is also (the input )?IMAGE/);
  });

  it('an existing directory as a file output, or a file as a folder output: exit 2 at once, naming the flag', async () => {
    mkdirSync(join(dir, 'taken.nii.gz'));
    const s = await cli('segment', SAMPLE, '--pnet', join(WEIGHTS, 'pnet3d'), '--out', join(dir, 'taken.nii.gz'));
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/--out .*taken\.nii\.gz: is a directory/);
    writeFileSync(join(dir, 'plain-file'), 'x');
    // train-pnet used to load and preprocess the whole dataset before failing with a raw EEXIST.
    const t = await cli('train-pnet', '--images', images, '--labels', labels, '--out', join(dir, 'plain-file'), ...tiny);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/train-pnet: --out .*plain-file: exists and is not a directory/);
    expect(t.ms).toBeLessThan(1000);
    const under = await cli('train-pnet', '--images', images, '--labels', labels, '--out', join(dir, 'plain-file', 'run'), ...tiny);
    expect(under.err).toMatch(/plain-file is not a directory/);
  });

  it('evaluate --json DIR fails before evaluating and leaves no .tmp', async () => {
    mkdirSync(join(dir, 'report-dir'));
    const r = await cli('evaluate', '--images', images, '--labels', labels, '--pnet', join(WEIGHTS, 'pnet3d'), '--json', join(dir, 'report-dir'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/evaluate: --json .*report-dir: is a directory/);
    expect(r.out).toBe('');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--pnet 2D with --rnet 3D is a clear usage error (was RangeError: offset is out of bounds)', async () => {
    writeFileSync(join(dir, 'seeds.json'), JSON.stringify({ fg: [[30, 30, 10]] }));
    const r = await cli('segment', SAMPLE, '--pnet', join(WEIGHTS, 'pnet2d'), '--rnet', join(WEIGHTS, 'rnet3d'), '--seeds', join(dir, 'seeds.json'), '--out', join(dir, 'mixed.nii.gz'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--pnet .*pnet2d is a 2D network but --rnet .*rnet3d is 3D/);
    const e = await cli('evaluate', '--images', images, '--labels', labels, '--pnet', join(WEIGHTS, 'pnet2d'), '--rnet', join(WEIGHTS, 'rnet3d'));
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/is a 2D network but --rnet/);
  });
});

describe('bad input files are typed errors with exit status 2', () => {
  it('NaN voxels: train-pnet and segment refuse the file by name (training used to finish with NaN weights)', async () => {
    const nanDir = join(dir, 'nan');
    await writeBratsPhantoms(nanDir, { cases: 2, shape: [8, 32, 32], seed: 8 });
    const file = readdirSync(join(nanDir, 'Phantom_001')).find((f) => f.endsWith('_flair.nii.gz'))!;
    const path = join(nanDir, 'Phantom_001', file);
    const volume = volumeFromNifti(await readNifti(path, { copy: true }));
    const data = Float32Array.from(volume.data);
    data[100] = Number.NaN;
    data[200] = Number.POSITIVE_INFINITY;
    await writeNifti(path, niftiFromVolume({ ...volume, data }));
    const t = await cli('train-pnet', '--images', `${nanDir}/*/*_flair.nii.gz`, '--labels', `${nanDir}/*/*_seg.nii.gz`, '--out', join(dir, 'nan-run'), ...tiny);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(new RegExp(`${file.replace(/\./g, '\\.')}: 2 voxel\\(s\\) are NaN or infinite`));
    const s = await cli('segment', path, '--pnet', join(WEIGHTS, 'pnet3d'), '--out', join(dir, 'nan-seg.nii.gz'));
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/NaN or infinite/);
  });

  it('segment on a named pipe fails at once instead of blocking forever', async () => {
    const fifo = join(dir, 'pipe.nii.gz');
    execFileSync('mkfifo', [fifo]);
    const r = await cli('segment', fifo, '--pnet', join(WEIGHTS, 'pnet3d'), '--out', join(dir, 'pipe-seg.nii.gz'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/pipe\.nii\.gz is a named pipe \(FIFO\), not a regular file/);
  }, 30_000);
});

describe('resume after kills', () => {
  let run = '';
  beforeAll(async () => {
    run = join(dir, 'run');
    const r = await cli('train-pnet', '--images', images, '--labels', labels, '--dim', '2', '--out', run, ...tiny);
    expect(r.code).toBe(0);
  }, 120_000);
  const copyRun = (name: string) => {
    const to = join(dir, name);
    cpSync(run, to, { recursive: true });
    return to;
  };

  it('a truncated weights.bin or state.json is an exit-2 error naming the file (was a tfjs shape error / SyntaxError)', async () => {
    const weights = copyRun('cut-weights');
    truncateSync(join(weights, 'checkpoint', 'weights.bin'), 100);
    const w = await cli('train-pnet', '--resume', '--out', weights, '--epochs', '2');
    expect(w.code).toBe(2);
    expect(w.err).toMatch(/--resume: .*checkpoint\/weights\.bin has 100 bytes, expected \d+ \(truncated\?\)/);
    const state = copyRun('cut-state');
    truncateSync(join(state, 'checkpoint', 'state.json'), 10);
    const s = await cli('train-pnet', '--resume', '--out', state, '--epochs', '2');
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/--resume: .*checkpoint\/state\.json is damaged/);
  });

  it('a damaged model folder given to segment names the flag', async () => {
    const net = copyRun('cut-model');
    for (const d of ['best', 'model']) truncateSync(join(net, d, 'weights.bin'), 64);
    const r = await cli('segment', SAMPLE, '--pnet', net, '--out', join(dir, 'cut.nii.gz'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--pnet .*cut-model: .*the weight data has 64 bytes/);
  });

  it('a kill between the two renames (only checkpoint.old-* and checkpoint.tmp-* left) is recovered; stale temp folders go', async () => {
    const killed = copyRun('killed');
    const deadPid = 2 ** 22 + 17; // above Linux's pid_max default: never a running process
    renameSync(join(killed, 'checkpoint'), join(killed, `checkpoint.tmp-${deadPid}`));
    cpSync(join(killed, `checkpoint.tmp-${deadPid}`), join(killed, `checkpoint.old-${deadPid}`), { recursive: true });
    mkdirSync(join(killed, `best.tmp-${deadPid}`));
    writeFileSync(join(killed, `best.tmp-${deadPid}`, 'weights.bin.123.tmp'), 'partial');
    const r = await cli('train-pnet', '--resume', '--out', killed, '--epochs', '2');
    expect(r.err).not.toMatch(/no checkpoint/);
    expect(r.code).toBe(0);
    expect(readdirSync(killed).filter((f) => /\.(tmp|old)-\d+$/.test(f))).toEqual([]);
    expect(JSON.parse(readFileSync(join(killed, 'checkpoint', 'state.json'), 'utf8')).step).toBe(4);
  }, 120_000);

  it('metrics.jsonl is cut back to the resumed step: no duplicate or backward steps', async () => {
    const resumed = copyRun('metrics');
    const file = join(resumed, 'metrics.jsonl');
    // Steps logged after the last checkpoint by a run that was then killed, and a cut last line.
    appendFileSync(file, `${JSON.stringify({ step: 3, epoch: 2, loss: 0.5, time: 0 })}\n{"step": 4, "ep`);
    const r = await cli('train-pnet', '--resume', '--out', resumed, '--epochs', '2');
    expect(r.code).toBe(0);
    const steps = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; loss?: number })
      .filter((m) => m.loss !== undefined)
      .map((m) => m.step);
    expect(steps).toEqual([1, 2, 3, 4]);
  }, 120_000);

  it('a forced stop (second Ctrl-C) repairs its own half-done replacement before exiting', () => {
    const out = join(dir, 'forced');
    mkdirSync(join(out, `checkpoint.old-${process.pid}`), { recursive: true });
    writeFileSync(join(out, `checkpoint.old-${process.pid}`, 'state.json'), '{"step":2}');
    mkdirSync(join(out, `checkpoint.tmp-${process.pid}`));
    writeFileSync(join(out, `checkpoint.tmp-${process.pid}`, 'state.json'), '{"step":4}');
    mkdirSync(join(out, `best.tmp-${process.pid}`));
    expect(repairRunFolder(out)).toEqual([]); // a live process's folders are left alone
    expect(repairRunFolder(out, { includeOwn: true })).toEqual(['checkpoint']);
    expect(readFileSync(join(out, 'checkpoint', 'state.json'), 'utf8')).toBe('{"step":4}');
    expect(readdirSync(out)).toEqual(['checkpoint']);
  });

  it('truncateMetrics keeps records up to the step', () => {
    const file = join(dir, 'm.jsonl');
    writeFileSync(file, ['{"step":1}', '{"step":2}', '{"step":3}', '{"step":2}', 'garbage'].join('\n'));
    truncateMetrics(file, 2);
    expect(readFileSync(file, 'utf8')).toBe('{"step":1}\n{"step":2}\n{"step":2}\n');
  });
});

describe('temporary files', () => {
  it('a temp file a killed segment left is removed by the next run; a signal during a run removes its own', async () => {
    const out = join(dir, 'seg-out', 'mask.nii.gz');
    mkdirSync(dirname(out));
    const stale = join(dir, 'seg-out', '.mask.nii.gz.0123456789ab.tmp');
    writeFileSync(stale, 'partial');
    writeFileSync(`${out}.tmp`, 'partial');
    const r = await cli('segment', SAMPLE, '--pnet', join(WEIGHTS, 'pnet3d'), '--out', out);
    expect(r.code).toBe(0);
    expect(readdirSync(dirname(out))).toEqual(['mask.nii.gz']);
    // A real process: SIGINT while a command runs leaves no temp file and exits 130.
    const outputs = pathToFileURL(join(PACKAGE, 'dist', 'cli', 'outputs.js')).href;
    const victim = join(dir, 'seg-out', '.victim.nii.gz.abcdefabcdef.tmp');
    const script = `import { cleanupOnSignal, removeFileTemps } from '${outputs}';
import { writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(victim)}, 'partial');
cleanupOnSignal(() => removeFileTemps(${JSON.stringify(join(dir, 'seg-out', 'victim.nii.gz'))}));
process.kill(process.pid, 'SIGINT');
setTimeout(() => {}, 5000);`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.status).toBe(130);
    expect(existsSync(victim)).toBe(false);
  }, 60_000);
});
