/**
 * Output checks every command runs before its expensive work, and the clean-up of temporary
 * files left by an interrupted run. A bad output (a directory where a file goes, a file where a
 * folder goes, an unwritable folder, one of the command's own inputs) is a {@link UsageError}
 * (exit status 2) naming the flag and the path, raised before any data is loaded.
 * @module
 */
import { accessSync, constants, existsSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** An output of a command: the flag that named it, the path, and whether it is a file or a folder. */
export interface OutputPath {
  flag: string;
  path: string;
  kind: 'file' | 'dir';
}

/** An input of a command (a file or folder it reads), which no output may replace. */
export interface InputPath {
  flag: string;
  path: string;
}

/** The path with symbolic links resolved in its longest existing prefix (so a new file under a linked folder compares equal). */
function canonical(path: string): string {
  const abs = resolve(path);
  let head = abs;
  const tail: string[] = [];
  while (!existsSync(head)) {
    const parent = dirname(head);
    if (parent === head) break;
    tail.unshift(basename(head));
    head = parent;
  }
  try {
    return join(realpathSync(head), ...tail);
  } catch {
    return abs;
  }
}

/** The nearest existing ancestor of a path that does not exist yet. */
function existingAncestor(path: string): string {
  let p = dirname(resolve(path));
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/** True when `a` and `b` are the same file: the same canonical path, or the same inode (hard links). */
function sameFile(a: string, b: string): boolean {
  if (canonical(a) === canonical(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.ino === sb.ino && sa.dev === sb.dev;
  } catch {
    return false;
  }
}

/**
 * Checks each output before any work: a file output must not be a folder, a folder output must
 * not be a file, the nearest existing folder must be a writable folder, and no output may be one
 * of `inputs` (compared after resolving symbolic links, and by inode for hard links).
 * @throws UsageError naming `<command> --flag path` and the problem
 */
export function checkOutputs(command: string, outputs: OutputPath[], inputs: InputPath[] = []): void {
  for (const out of outputs) {
    const where = `${command}: ${out.flag} ${out.path}`;
    if (out.path.trim() === '') throw new UsageError(`${where}: empty path`);
    if (existsSync(out.path)) {
      const st = statSync(out.path);
      if (out.kind === 'file' && st.isDirectory()) throw new UsageError(`${where}: is a directory; give a file name`);
      if (out.kind === 'file' && !st.isFile()) throw new UsageError(`${where}: is not a regular file`);
      if (out.kind === 'dir' && !st.isDirectory()) throw new UsageError(`${where}: exists and is not a directory`);
    }
    const parent = existsSync(out.path) && out.kind === 'dir' ? out.path : existingAncestor(out.path);
    if (!statSync(parent).isDirectory()) throw new UsageError(`${where}: ${parent} is not a directory`);
    try {
      accessSync(parent, constants.W_OK);
    } catch {
      throw new UsageError(`${where}: ${parent} is not writable`);
    }
    for (const input of inputs) {
      if (sameFile(out.path, input.path)) throw new UsageError(`${where}: is also the input ${input.flag} ${input.path}; it would be overwritten`);
    }
  }
}

/** A temporary name used by io-nifti's atomic writer for `file`: `.<name>.<12 hex>.tmp` (or `.nifti.…` for long names). */
const niftiTempPattern = (file: string) => {
  const name = basename(file);
  const stem = name.length > 40 ? 'nifti' : name;
  return (entry: string) => entry.startsWith(`.${stem}.`) && /^\.[^/]*\.[0-9a-f]{12}\.tmp$/.test(entry);
};

/**
 * Removes temporary files a killed run left next to the output `file`: io-nifti's
 * `.<name>.<hex>.tmp`, and this CLI's `<name>.tmp` and `<name>.<pid>.tmp`.
 */
export function removeFileTemps(file: string): void {
  const dir = dirname(resolve(file));
  if (!existsSync(dir)) return;
  const isTemp = niftiTempPattern(file);
  for (const entry of readdirSync(dir)) {
    const cliTemp = entry.startsWith(`${basename(file)}.`) && /^\.(\d+\.)?tmp$/.test(entry.slice(basename(file).length));
    if (isTemp(entry) || cliTemp) rmSync(join(dir, entry), { force: true, recursive: true });
  }
}

const cleanups = new Set<() => void>();

function onSignal(signal: NodeJS.Signals): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: the other clean-ups still run.
    }
  }
  process.stderr.write(`\n${signal}: removed temporary files, stopping\n`);
  process.exit(130);
}

/**
 * Registers `cleanup` (removing the command's temporary files) to run on SIGINT/SIGTERM, after
 * which the process exits with status 130; without it a Ctrl-C during a write would leave the
 * temporary file behind. `main` releases every registration when the command ends. Training
 * commands do not use this: their first Ctrl-C saves a checkpoint instead.
 */
export function cleanupOnSignal(cleanup: () => void): void {
  if (cleanups.size === 0) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  cleanups.add(cleanup);
}

/** Drops every {@link cleanupOnSignal} registration (called by `main` when a command ends). */
export function releaseSignalCleanups(): void {
  cleanups.clear();
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
}
