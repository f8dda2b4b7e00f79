/**
 * File discovery: glob expansion and pairing of image and label files by name.
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { DatasetError } from '../errors.js';

/** Expands a glob (relative to `cwd`) to sorted absolute paths; errors if nothing matches. */
export function expandGlob(pattern: string, what: string, cwd = process.cwd()): string[] {
  if (!isDynamicPattern(pattern)) {
    const file = resolve(cwd, pattern);
    if (!existsSync(file)) throw new DatasetError(`${what}: file ${pattern} does not exist (relative to ${cwd})`);
    if (!statSync(file).isFile()) throw new DatasetError(`${what}: ${pattern} is not a file`);
    return [file];
  }
  const files = globSync(pattern, { cwd, absolute: true, onlyFiles: true, expandDirectories: false }).sort();
  if (files.length === 0) throw new DatasetError(`${what}: no files match ${JSON.stringify(pattern)} (relative to ${cwd})`);
  return files;
}

/** File name without directory and without `.nii.gz`, `.nii`, `.png`, `.jpg` … extensions. */
export function stem(file: string): string {
  return basename(file).replace(/\.(nii\.gz|nii|hdr\.gz|hdr|img\.gz|img|png|jpe?g)$/i, '');
}

/** Removes a trailing `_token` (e.g. `_flair`, `_seg`, `_label`) from a stem. */
function withoutSuffix(s: string): string {
  return s.replace(/_[^_]+$/, '');
}

/** An image file and its label file. */
export interface FilePair {
  id: string;
  image: string;
  label: string;
}

/**
 * Pairs images with labels by file name: identical stems first (`imagesTr/a.nii.gz` ↔
 * `labelsTr/a.nii.gz`), else stems without their last `_suffix` (`a_flair` ↔ `a_seg`).
 * @throws DatasetError naming the first unpaired file, or duplicate keys
 */
export function pairByName(images: string[], labels: string[]): FilePair[] {
  for (const keyOf of [stem, (f: string) => withoutSuffix(stem(f))]) {
    const labelByKey = new Map<string, string>();
    let unique = true;
    for (const l of labels) {
      if (labelByKey.has(keyOf(l))) unique = false;
      labelByKey.set(keyOf(l), l);
    }
    const imageKeys = images.map(keyOf);
    if (!unique || new Set(imageKeys).size !== images.length) continue;
    if (images.length === labels.length && imageKeys.every((k) => labelByKey.has(k))) {
      return images.map((image, i) => ({ id: imageKeys[i]!, image, label: labelByKey.get(imageKeys[i]!)! }));
    }
  }
  const labelStems = new Set(labels.map(stem));
  const lonely = images.find((f) => !labelStems.has(stem(f)) && !labels.some((l) => withoutSuffix(stem(l)) === withoutSuffix(stem(f))));
  throw new DatasetError(
    `cannot pair ${images.length} images with ${labels.length} labels by file name` +
      (lonely ? `: no label for ${lonely}` : ' (counts differ or names are ambiguous)'),
  );
}

/**
 * The entries of an `--images` / `--labels` value: a comma-separated list of files or globs
 * (a glob with `{a,b}` braces is one entry).
 */
export function splitFileList(value: string): string[] {
  if (/[{}]/.test(value)) return [value];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Whether every entry names one file (no glob patterns): such lists pair by position. */
export function isExplicitList(entries: readonly string[]): boolean {
  return entries.every((e) => !isDynamicPattern(e));
}

/**
 * Pairs explicitly listed files by position (`--images a.nii.gz,b.nii.gz --labels a_seg.nii.gz,b_seg.nii.gz`);
 * ids are the image stems, made unique with `_2`, `_3` … when stems repeat.
 * @throws DatasetError when the counts differ
 */
export function pairByPosition(images: string[], labels: string[]): FilePair[] {
  if (images.length !== labels.length) {
    throw new DatasetError(`--images lists ${images.length} file(s) but --labels lists ${labels.length}; explicit lists pair by position and must have the same length`);
  }
  const seen = new Map<string, number>();
  return images.map((image, i) => {
    const base = stem(image);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { id: n === 1 ? base : `${base}_${n}`, image, label: labels[i]! };
  });
}

/** One row of a pairs list: the image files (one per channel) and the label file, if any. */
export interface ListedCase {
  id: string;
  images: string[];
  label?: string;
}

/**
 * Reads a pairs list (`--pairs list.csv`): one case per line, `image,label` (more columns =
 * more image channels, the label last; `image` alone = no label, allowed when `labels` is false).
 * Paths are relative to the list's folder; blank lines and lines starting with `#` are skipped,
 * and a first line whose last field is not a file (e.g. `image,label`) is taken as a header.
 * @throws DatasetError naming the list, the line and the missing file
 */
export function readPairsList(file: string, labels = true): ListedCase[] {
  if (!existsSync(file)) throw new DatasetError(`--pairs ${file}: file does not exist`);
  const dir = dirname(resolve(file));
  const rows = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line, i) => ({ line: i + 1, fields: line.split(',').map((f) => f.trim()) }))
    .filter((r) => r.fields.join('') !== '' && !r.fields[0]!.startsWith('#'));
  const looksLikeHeader = (fields: string[]) => fields.every((f) => !/\.(nii(\.gz)?|png|jpe?g|hdr|img)$/i.test(f));
  if (rows.length && looksLikeHeader(rows[0]!.fields)) rows.shift();
  if (rows.length === 0) throw new DatasetError(`--pairs ${file}: no cases listed (expected lines "image.nii.gz,label.nii.gz")`);
  const seen = new Map<string, number>();
  return rows.map(({ line, fields }) => {
    if (fields.some((f) => f === '')) throw new DatasetError(`--pairs ${file} line ${line}: empty field in ${JSON.stringify(fields.join(','))}`);
    if (labels && fields.length < 2) throw new DatasetError(`--pairs ${file} line ${line}: expected "image,label", got ${JSON.stringify(fields.join(','))}`);
    const paths = fields.map((f) => resolve(dir, f));
    for (const [k, p] of paths.entries()) {
      if (!existsSync(p)) throw new DatasetError(`--pairs ${file} line ${line}: ${fields[k]} does not exist (resolved to ${p})`);
    }
    const hasLabel = paths.length >= 2;
    const images = hasLabel ? paths.slice(0, -1) : paths;
    const base = stem(images[0]!);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { id: n === 1 ? base : `${base}_${n}`, images, ...(hasLabel ? { label: paths.at(-1)! } : {}) };
  });
}
