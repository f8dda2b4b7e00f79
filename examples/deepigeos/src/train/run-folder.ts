/**
 * Keeping a training run folder consistent across kills: recovering a checkpoint whose atomic
 * replacement was cut between its two renames, removing temporary folders of dead runs, checking
 * a checkpoint is complete before `--resume` loads anything, and cutting `metrics.jsonl` back to
 * the resumed step so the log never repeats or goes back in steps.
 * @module
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

/** `<name>.tmp-<pid>` / `<name>.old-<pid>`: the folders `writeDirAtomically` works with. */
const ATOMIC_TEMP = /^(.+)\.(tmp|old)-(\d+)$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Repairs `out` after a killed run, before anything reads it:
 * - a folder (`checkpoint`, `best`, `model`) missing while its `.tmp-<pid>` and `.old-<pid>`
 *   copies exist was killed between the two renames of its replacement: the `.tmp` copy is
 *   complete (it is only renamed after it was filled), so it becomes the folder; with only an
 *   `.old` copy left, that one does;
 * - every other `.tmp-<pid>` / `.old-<pid>` folder of a process that is no longer running is removed.
 * Returns the folders recovered.
 */
export function repairRunFolder(out: string, options: { includeOwn?: boolean } = {}): string[] {
  if (!existsSync(out) || !statSync(out).isDirectory()) return [];
  const entries = readdirSync(out);
  const stale = entries
    .map((entry) => ({ entry, m: ATOMIC_TEMP.exec(entry) }))
    .filter((e): e is { entry: string; m: RegExpExecArray } => e.m !== null && (!alive(Number(e.m[3])) || (options.includeOwn === true && Number(e.m[3]) === process.pid)));
  const recovered: string[] = [];
  for (const name of new Set(stale.map((s) => s.m[1]!))) {
    if (existsSync(join(out, name))) continue;
    const of = (kind: string) => stale.find((s) => s.m[1] === name && s.m[2] === kind)?.entry;
    const tmp = of('tmp');
    const old = of('old');
    const pick = tmp !== undefined && old !== undefined ? tmp : old;
    if (pick === undefined) continue;
    renameSync(join(out, pick), join(out, name));
    recovered.push(name);
  }
  for (const { entry } of stale) if (existsSync(join(out, entry))) rmSync(join(out, entry), { recursive: true, force: true });
  return recovered;
}

/** A file's JSON, or a UsageError naming the flag, the file and what is wrong. */
function readJson(file: string, flag: string): unknown {
  if (!existsSync(file)) throw new UsageError(`${flag}: ${file} is missing; the checkpoint is incomplete`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${flag}: ${file} is damaged (${(e as Error).message}); the checkpoint cannot be resumed`);
  }
}

/** Bytes a list of `{ shape }` specs needs as float32. */
function specBytes(specs: unknown, file: string, flag: string): number {
  if (!Array.isArray(specs)) throw new UsageError(`${flag}: ${file} does not list weights`);
  return specs.reduce((n: number, s: { shape?: unknown; dtype?: string }) => {
    if (!Array.isArray(s?.shape) || !s.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new UsageError(`${flag}: ${file} has a weight without a valid shape`);
    return n + (s.shape as number[]).reduce((a, b) => a * b, 1) * (s.dtype === 'bool' ? 1 : 4);
  }, 0);
}

function expectSize(file: string, bytes: number, flag: string): void {
  const size = existsSync(file) ? statSync(file).size : -1;
  if (size < 0) throw new UsageError(`${flag}: ${file} is missing; the checkpoint is incomplete`);
  if (size !== bytes) throw new UsageError(`${flag}: ${file} has ${size} bytes, expected ${bytes} (truncated?); the checkpoint cannot be resumed`);
}

/**
 * Checks that `dir` (a checkpoint folder) holds a complete checkpoint: `state.json` with whole
 * counters, `model.json` + `weights.bin` and `optimizer.json` + `optimizer.bin` of matching sizes.
 * Runs before `--resume` loads data or weights.
 * @throws UsageError naming `--resume` and the damaged file
 */
export function checkCheckpoint(dir: string, flag = '--resume'): void {
  const state = readJson(join(dir, 'state.json'), flag) as Record<string, unknown> | null;
  const counters = ['step', 'rngState', 'bestStep'];
  if (state === null || typeof state !== 'object' || counters.some((k) => !Number.isSafeInteger(state[k])) || typeof state['bestDice'] !== 'number' || typeof state['elapsedSeconds'] !== 'number') {
    throw new UsageError(`${flag}: ${join(dir, 'state.json')} is damaged (expected { step, rngState, bestDice, bestStep, elapsedSeconds }); the checkpoint cannot be resumed`);
  }
  const model = readJson(join(dir, 'model.json'), flag) as { weightsManifest?: { weights?: unknown }[] } | null;
  const groups = Array.isArray(model?.weightsManifest) ? model.weightsManifest : undefined;
  if (!groups) throw new UsageError(`${flag}: ${join(dir, 'model.json')} has no weightsManifest`);
  expectSize(join(dir, 'weights.bin'), groups.reduce((n, g) => n + specBytes(g?.weights, join(dir, 'model.json'), flag), 0), flag);
  const optimizer = readJson(join(dir, 'optimizer.json'), flag);
  expectSize(join(dir, 'optimizer.bin'), specBytes(optimizer, join(dir, 'optimizer.json'), flag), flag);
}

/**
 * Cuts a JSON-lines metrics log back to the records of steps ≤ `step` (and drops a partial last
 * line), so that a resumed run appends after the checkpoint's step without duplicates.
 */
export function truncateMetrics(file: string, step: number): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: { step?: unknown };
    try {
      record = JSON.parse(line) as { step?: unknown };
    } catch {
      continue; // a line cut by the kill
    }
    if (typeof record.step === 'number' && record.step <= step) kept.push(line);
  }
  const next = kept.length ? `${kept.join('\n')}\n` : '';
  if (next === text) return;
  // Replaced atomically: a kill during the rewrite must not lose the log.
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, next);
  renameSync(tmp, file);
}
