/**
 * File discovery: glob expansion and pairing of image and label files by name.
 * @module
 */
import { basename } from 'node:path';
import { globSync } from 'tinyglobby';
import { DatasetError } from '../errors.js';

/** Expands a glob (relative to `cwd`) to sorted absolute paths; errors if nothing matches. */
export function expandGlob(pattern: string, what: string, cwd = process.cwd()): string[] {
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
