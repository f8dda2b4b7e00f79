/**
 * Dataset layouts → lists of case references (files only; nothing is read until a case is
 * loaded): BraTS 2021, Medical Segmentation Decathlon, generic globs and PASCAL VOC 2012.
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';
import type { Rng } from '../rng.js';
import { expandGlob, isExplicitList, pairByName, pairByPosition, readPairsList, splitFileList } from './files.js';

/** Where one case's files are and how to turn its label into a binary mask. */
export interface CaseRef {
  /** Case identifier. */
  id: string;
  /** `nifti`: one file per channel or one 4D file; `voc`: JPEG image + PNG class map. */
  kind: 'nifti' | 'voc';
  /** Image files: one per modality, or a single 4D/RGB file. */
  images: string[];
  /** For a single 4D image: which volumes (4th-dimension indices) become channels. */
  channelIndices?: number[];
  /** Label file, if any. */
  label?: string;
  /** Label values counted as foreground (others → 0); undefined = any value > 0. */
  foreground?: number[];
}

/** BraTS 2021 whole tumour: necrosis (1), oedema (2) and enhancing tumour (4). */
export const BRATS_WHOLE_TUMOUR = [1, 2, 4];

function requireDir(dir: string, what: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DatasetError(`${what}: directory ${dir} does not exist`);
}

function niftiIn(dir: string, base: string): string | undefined {
  for (const ext of ['.nii.gz', '.nii']) if (existsSync(join(dir, base + ext))) return join(dir, base + ext);
  return undefined;
}

/**
 * BraTS 2021 layout: `root/<case>/<case>_<modality>.nii.gz` and `<case>_seg.nii.gz`.
 * @param modalities - e.g. `['flair']` (default) or `['flair', 't1', 't1ce', 't2']`
 * @param requireLabels - error if a case has no `_seg` file (training); false for inference
 */
export function bratsCases(root: string, modalities: string[] = ['flair'], requireLabels = true): CaseRef[] {
  requireDir(root, 'BraTS dataset');
  const cases: CaseRef[] = [];
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (!statSync(dir).isDirectory()) continue;
    const images = modalities.map((m) => {
      const f = niftiIn(dir, `${name}_${m}`);
      if (!f) throw new DatasetError(`BraTS case ${name}: missing ${join(dir, `${name}_${m}.nii.gz`)}`);
      return f;
    });
    const label = niftiIn(dir, `${name}_seg`);
    if (!label && requireLabels) throw new DatasetError(`BraTS case ${name}: missing ${join(dir, `${name}_seg.nii.gz`)}`);
    cases.push({ id: name, kind: 'nifti', images, ...(label ? { label } : {}), foreground: BRATS_WHOLE_TUMOUR });
  }
  if (cases.length === 0) throw new DatasetError(`BraTS dataset: no case folders in ${root}`);
  return cases;
}

/**
 * Medical Segmentation Decathlon layout: `root/imagesTr/*.nii.gz` (3D or 4D multi-modal) with
 * `root/labelsTr/` files of the same name. Hidden `._*` files (macOS) are skipped.
 * @param channelIndices - 4th-dimension volumes to use as channels (default all)
 * @param foreground - label values counted as foreground (default any > 0)
 */
export function msdCases(root: string, channelIndices?: number[], foreground?: number[]): CaseRef[] {
  requireDir(join(root, 'imagesTr'), 'MSD dataset');
  requireDir(join(root, 'labelsTr'), 'MSD dataset');
  const list = (sub: string) =>
    readdirSync(join(root, sub))
      .filter((f) => /\.nii(\.gz)?$/.test(f) && !f.startsWith('.'))
      .sort()
      .map((f) => join(root, sub, f));
  return pairByName(list('imagesTr'), list('labelsTr')).map((p) => ({
    id: p.id,
    kind: 'nifti',
    images: [p.image],
    label: p.label,
    ...(channelIndices ? { channelIndices } : {}),
    ...(foreground ? { foreground } : {}),
  }));
}

/**
 * Generic `--images` / `--labels`: each a glob or a comma-separated list of files or globs.
 * Explicit file lists (no glob pattern on either side, e.g. one image and one label) pair by
 * position; otherwise images and labels pair by file name (see `pairByName`).
 */
export function globCases(images: string, labels: string | undefined, foreground?: number[]): CaseRef[] {
  const imageEntries = splitFileList(images);
  const imageFiles = imageEntries.flatMap((e) => expandGlob(e, '--images'));
  if (labels === undefined) return imageFiles.map((f, i) => ({ id: `case${i}`, kind: 'nifti', images: [f] }));
  const labelEntries = splitFileList(labels);
  const labelFiles = labelEntries.flatMap((e) => expandGlob(e, '--labels'));
  const explicit = isExplicitList(imageEntries) && isExplicitList(labelEntries);
  return (explicit ? pairByPosition(imageFiles, labelFiles) : pairByName(imageFiles, labelFiles)).map((p) => ({
    id: p.id,
    kind: 'nifti',
    images: [p.image],
    label: p.label,
    ...(foreground ? { foreground } : {}),
  }));
}

/** `--pairs list.csv`: one case per line, `image[,more channels],label` (see `readPairsList`). */
export function pairsListCases(list: string, foreground?: number[], requireLabels = true): CaseRef[] {
  return readPairsList(list, requireLabels).map((c) => ({
    id: c.id,
    kind: 'nifti',
    images: c.images,
    ...(c.label ? { label: c.label } : {}),
    ...(foreground ? { foreground } : {}),
  }));
}

/**
 * PASCAL VOC 2012 layout as binary segmentation of one class: `root/JPEGImages/<id>.jpg`,
 * `root/SegmentationClassAug/<id>.png` (preferred when present) or `SegmentationClass/`, ids from
 * `root/ImageSets/Segmentation/<imageSet>.txt`.
 * @param classIndex - VOC class index that becomes foreground (1 = aeroplane … 20 = tv monitor)
 */
export function vocCases(root: string, classIndex: number, imageSet = 'train'): CaseRef[] {
  if (!Number.isInteger(classIndex) || classIndex < 1 || classIndex > 20) {
    throw new DatasetError(`VOC class index must be an integer in 1..20, got ${classIndex}`);
  }
  const listFile = join(root, 'ImageSets', 'Segmentation', `${imageSet}.txt`);
  if (!existsSync(listFile)) throw new DatasetError(`VOC dataset: missing image list ${listFile}`);
  const labelDir = ['SegmentationClassAug', 'SegmentationClass'].map((d) => join(root, d)).find((d) => existsSync(d));
  if (!labelDir) throw new DatasetError(`VOC dataset: neither SegmentationClassAug/ nor SegmentationClass/ in ${root}`);
  const ids = readFileSync(listFile, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  return ids.map((id) => {
    const image = join(root, 'JPEGImages', `${id}.jpg`);
    const label = join(labelDir, `${id}.png`);
    for (const f of [image, label]) if (!existsSync(f)) throw new DatasetError(`VOC case ${id}: missing ${f}`);
    return { id, kind: 'voc', images: [image], label, foreground: [classIndex] };
  });
}

/** A train/validation split of case references. */
export interface Split {
  train: CaseRef[];
  validation: CaseRef[];
}

/**
 * Splits cases by a seeded shuffle (`validationFraction` of them, at least one when there are ≥ 2
 * cases) or by an explicit list of validation case ids.
 */
export function splitCases(cases: CaseRef[], rng: Rng, validationFraction: number, validationIds?: string[]): Split {
  if (validationIds) {
    const ids = new Set(validationIds);
    const unknown = validationIds.filter((id) => !cases.some((c) => c.id === id));
    if (unknown.length) throw new DatasetError(`validation list names unknown cases: ${unknown.join(', ')}`);
    return { train: cases.filter((c) => !ids.has(c.id)), validation: cases.filter((c) => ids.has(c.id)) };
  }
  const order = cases.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let nVal = Math.round(cases.length * validationFraction);
  if (validationFraction > 0 && cases.length >= 2) nVal = Math.min(Math.max(nVal, 1), cases.length - 1);
  const val = new Set(order.slice(0, nVal));
  return { train: cases.filter((_, i) => !val.has(i)), validation: cases.filter((_, i) => val.has(i)) };
}
