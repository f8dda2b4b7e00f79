// Shared helpers of the cross-language tests: Debian's Python (with torch, nibabel, scipy),
// torchrun with two CPU processes (gloo), the deepigeos CLI, and safetensors exchange files.
import { spawn, type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '@deepigeos/pnet';

export const here = dirname(fileURLToPath(import.meta.url));
export const PYTHON = '/usr/bin/python3';
export const TRAIN = join(here, '..', 'train.py');
const TOOL = join(here, 'tool.py');
const CLI = join(here, '..', '..', 'deepigeos', 'bin', 'deepigeos.js');

/** The environment of every Python process: one math thread each (2 cores, 2 ranks). */
const env = { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' };

function check(what: string, r: SpawnSyncReturns<string>): SpawnSyncReturns<string> {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Runs test/tool.py; throws with its output on failure. */
export function tool(...args: string[]): string {
  return check(`tool.py ${args[0]}`, spawnSync(PYTHON, [TOOL, ...args], { encoding: 'utf8', env })).stdout;
}

/** torchrun's own flags: `--standalone` picks a free port, so parallel runs never collide. */
const launcher = (nproc: number) => ['--standalone', '--nproc_per_node', String(nproc), '--monitor_interval', '1'];

/** `torchrun --nproc_per_node N train.py ARGS` in `cwd` (not checked: tests look at the status). */
export function torchrun(cwd: string, args: string[], nproc = 2, extraEnv: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync('torchrun', [...launcher(nproc), TRAIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...env, ...extraEnv },
    timeout: 200_000,
  });
}

/** Outcome of an asynchronous torchrun. */
export interface RunResult {
  status: number | null;
  signal: string | null;
  stderr: string;
  timedOut: boolean;
}

/** torchrun without blocking (independent runs in parallel); killed after `timeoutMs`. */
export function torchrunAsync(cwd: string, args: string[], nproc = 2, timeoutMs = 150_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn('torchrun', [...launcher(nproc), TRAIN, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stderr, timedOut });
    });
  });
}

/** torchrun that must succeed. */
export function torchrunOk(cwd: string, args: string[], nproc = 2, extraEnv: Record<string, string> = {}): SpawnSyncReturns<string> {
  return check(`torchrun train.py ${args.join(' ')}`, torchrun(cwd, args, nproc, extraEnv));
}

/** train.py in one plain process (no torchrun, no process group). */
export function trainSingle(cwd: string, args: string[]): SpawnSyncReturns<string> {
  return check(`train.py ${args.join(' ')}`, spawnSync(PYTHON, [TRAIN, ...args], { cwd, encoding: 'utf8', env, timeout: 200_000 }));
}

/** The deepigeos CLI; throws with its output on failure. */
export function cli(cwd: string, args: string[]): string {
  return check(`deepigeos ${args[0]}`, spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 200_000 })).stdout;
}

/** Tensors of a safetensors file. */
export function tensors(file: string) {
  return readSafetensors(new Uint8Array(readFileSync(file))).tensors;
}

/** A fresh temporary folder, removed by the returned function. */
export function workDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Largest absolute difference of two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
