/**
 * Configuration schemas of `train-pnet` and `train-rnet` (JSON config files and the flags that
 * override them). Every key is documented here; `--help` prints them.
 * @module
 */
import type { Schema } from '../config.js';
import { DEFAULT_PERTURB_SIGMA } from './perturb.js';

/** Where the training images come from. */
export const DATA_SCHEMA: Schema = {
  format: { type: 'string', enum: ['glob', 'pairs', 'brats', 'msd', 'voc'], default: 'glob', help: 'dataset layout' },
  images: { type: 'string', help: 'glob of image files (format "glob"; flag --images)' },
  labels: { type: 'string', help: 'glob of label files paired by file name (format "glob"; flag --labels)' },
  pairs: { type: 'string', help: 'CSV list of image,label lines, paths relative to the list (format "pairs"; flag --pairs)' },
  root: { type: 'string', help: 'dataset root folder (formats brats, msd, voc)' },
  modalities: { type: 'string[]', default: ['flair'], help: 'BraTS modalities used as channels' },
  channels: { type: 'number[]', nullable: true, help: 'MSD: 4th-dimension volumes used as channels (default all)' },
  foreground: { type: 'number[]', nullable: true, help: 'label values counted as foreground (default: any > 0; BraTS: 1,2,4)' },
  classIndex: { type: 'integer', min: 1, max: 20, default: 1, help: 'VOC class index that is foreground (1 = aeroplane)' },
  imageSet: { type: 'string', default: 'train', help: 'VOC ImageSets/Segmentation list name' },
  validationFraction: { type: 'number', min: 0, max: 0.9, default: 0.2, help: 'fraction of cases held out (seeded shuffle)' },
  validationCases: { type: 'string[]', nullable: true, help: 'explicit validation case ids (overrides validationFraction)' },
};

/** Preprocessing applied when a case is loaded. */
export const PREPROCESS_SCHEMA: Schema = {
  canonical: { type: 'boolean', default: true, help: 'reorient NIfTI volumes to the closest canonical (RAS+) orientation' },
  spacing: { type: 'number[]', nullable: true, default: null, min: 0.01, help: 'resample to this voxel spacing [sz, sy, sx] in mm (null = keep)' },
  crop: { type: 'boolean', default: true, help: 'crop to the bounding box of non-zero voxels' },
  cropMargin: { type: 'integer', min: 0, default: 2, help: 'voxels kept around the non-zero box' },
  zscore: { type: 'boolean', default: true, help: 'z-score each channel over non-zero voxels' },
  clipPercentiles: {
    type: 'number[]',
    nullable: true,
    default: [0.5, 99.5],
    min: 0,
    help: 'before the z-score, clip each channel to these percentiles of its non-zero voxels (robust to outliers; null = no clipping)',
  },
};

/** Seeded augmentation (see `AugmentOptions`). */
export const AUGMENT_SCHEMA: Schema = {
  enabled: { type: 'boolean', default: true, help: 'apply augmentation to training samples' },
  flipProbability: { type: 'number', min: 0, max: 1, default: 0.5, help: 'probability of a flip per axis' },
  rotation: { type: 'number', min: 0, max: Math.PI, default: 0.26, help: 'max rotation in radians' },
  scale: { type: 'number', min: 0, max: 0.9, default: 0.1, help: 'max relative scaling' },
  elasticSigma: { type: 'number', min: 0, default: 0, help: 'elastic displacement std in voxels (0 = off)' },
  elasticGrid: { type: 'integer', min: 2, default: 4, help: 'elastic control points per axis' },
  biasField: { type: 'number', min: 0, default: 0.1, help: 'MRI bias field strength (0 = off)' },
  gamma: { type: 'number', min: 0, default: 0.2, help: 'max |log gamma| (0 = off)' },
  noise: { type: 'number', min: 0, default: 0.05, help: 'Gaussian noise std (0 = off)' },
  spatialProbability: { type: 'number', min: 0, max: 1, default: 0.5, help: 'probability of the affine/elastic transform' },
};

/** Keys shared by both training commands. */
const COMMON: Schema = {
  dim: { type: 'integer', min: 2, max: 3, default: 2, help: '2 (slices, or 2D images) or 3 (volumes)' },
  epochs: {
    type: 'integer',
    min: 1,
    nullable: true,
    default: null,
    help: 'training epochs of stepsPerEpoch steps (null: the whole maxMinutes budget, or 10 epochs without one)',
  },
  stepsPerEpoch: { type: 'integer', min: 1, default: 50, help: 'optimiser steps per epoch' },
  batch: { type: 'integer', min: 1, default: 4, help: 'samples per step' },
  patch: { type: 'integer', min: 8, nullable: true, default: null, help: 'side of square/cubic patches (default 64 in 2D, 32 in 3D)' },
  channels: { type: 'integer', min: 1, nullable: true, default: null, help: 'network width (default 32 in 2D, 16 in 3D)' },
  dropout: { type: 'number', min: 0, max: 0.95, default: 0.2, help: 'classifier dropout rate (the paper: 0.5)' },
  kernelInit: { type: 'string', enum: ['glorot', 'he'], default: 'he', help: 'initial kernels: he (uniform, variance 2 / fan-in) or glorot (uniform)' },
  learningRate: { type: 'number', min: 0, default: 0.001, help: 'Adam learning rate (peak of the schedule)' },
  lrSchedule: {
    type: 'string',
    enum: ['cosine', 'constant'],
    default: 'cosine',
    help: 'learning-rate schedule over the step or time budget (cosine: short warm-up, then decay to minLearningRate × learningRate)',
  },
  minLearningRate: { type: 'number', min: 0, max: 1, default: 0.05, help: 'final learning rate of the cosine schedule, as a fraction of learningRate' },
  earlyStopping: {
    type: 'integer',
    min: 0,
    default: 16,
    help: 'stop after this many validations without a better Dice (0 = never; validation Dice swings by 0.01–0.03 until the learning rate has decayed)',
  },
  loss: { type: 'string', enum: ['crossEntropy', 'dice', 'crossEntropy+dice'], default: 'crossEntropy+dice', help: 'training loss' },
  seed: { type: 'integer', default: 0, help: 'seed of every random choice (split, sampling, augmentation)' },
  maxMinutes: { type: 'number', min: 0, nullable: true, default: null, help: 'stop cleanly after this many minutes (best checkpoint kept)' },
  sliceAxis: { type: 'integer', min: 0, max: 2, default: 0, help: '2D from volumes: slice axis (0 axial, 1 coronal, 2 sagittal)' },
  foregroundProbability: { type: 'number', min: 0, max: 1, default: 0.5, help: 'fraction of samples centred on foreground' },
  validationSamples: { type: 'integer', min: 1, default: 12, help: 'fixed validation slices/patches evaluated after each epoch' },
  backend: { type: 'string', enum: ['auto', 'wasm', 'cpu'], default: 'auto', help: 'tfjs backend' },
  logDir: { type: 'string', default: 'experiments/logs', help: 'TensorBoard event files go to <logDir>/<run name>' },
  cacheCases: { type: 'integer', min: 1, default: 64, help: 'loaded cases kept in memory' },
  crf: {
    type: 'boolean',
    default: false,
    help: 'after the CNN, train a CRF-Net (f for P-Net, fu for R-Net): Pairwise-Net pre-training, CRF-only, then joint CNN + CRF training; saved in <out>/crf',
  },
  crfSteps: { type: 'integer', min: 1, default: 60, help: 'Pairwise-Net pre-training steps when crf is enabled' },
  crfJointSteps: {
    type: 'integer',
    min: 0,
    default: 60,
    help: 'with crf: steps of CRF-only training, then as many of joint CNN + CRF training (fewer when maxMinutes runs out; the CRF stages get a quarter of it)',
  },
  data: { type: 'object', fields: DATA_SCHEMA, help: 'dataset' },
  preprocess: { type: 'object', fields: PREPROCESS_SCHEMA, help: 'preprocessing' },
  augment: { type: 'object', fields: AUGMENT_SCHEMA, help: 'augmentation' },
};

/** Schema of `deepigeos train-pnet --config FILE`. */
export const TRAIN_PNET_SCHEMA: Schema = { ...COMMON };

/** Schema of `deepigeos train-rnet --config FILE`. */
export const TRAIN_RNET_SCHEMA: Schema = {
  ...COMMON,
  pnet: { type: 'string', help: 'folder of the trained P-Net (flag --pnet)' },
  lambda: { type: 'number', min: 0, max: 1, default: 1, help: 'geodesic λ (1 = image-gradient geodesic, 0 = Euclidean)' },
  interactionMode: { type: 'string', enum: ['clicks', 'scribbles'], default: 'clicks', help: 'simulated user interaction' },
  initFromPNet: {
    type: 'boolean',
    help: "start from the P-Net's weights (extra input channels zero, so step 0 reproduces P-Net) instead of random kernels; absent (default): when the layouts match, true: always (an error if they differ), false: never",
  },
  trainingRounds: {
    type: 'integer',
    min: 1,
    default: 3,
    help: "simulated rounds per training sample, drawn uniformly from 1..N: round r > 1 refines R-Net's own latest output with every seed so far",
  },
  fallbackClickProbability: {
    type: 'number',
    min: 0,
    max: 1,
    default: 1,
    help: "fraction of simulated rounds that also click the largest remaining error when the paper's rule places no click",
  },
  perturbInput: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0.5,
    help: "fraction of training samples whose first-round input is P-Net's probability perturbed: warped by a smooth random displacement, and in half of them a random ellipse set to background or foreground (errors of the size P-Net makes on new scans)",
  },
  perturbSigma: {
    type: 'number',
    min: 0,
    default: DEFAULT_PERTURB_SIGMA,
    help: 'largest std of that displacement, in voxels (each sample draws its std from [0, perturbSigma])',
  },
  noSeedProbability: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0,
    help: 'fraction of training samples whose simulated clicks are dropped (R-Net also sees rounds without new seeds)',
  },
};

/** The validated training configuration (both commands; R-Net keys optional). */
export interface TrainConfig {
  dim: 2 | 3;
  epochs: number | null;
  stepsPerEpoch: number;
  batch: number;
  patch: number | null;
  channels: number | null;
  dropout: number;
  kernelInit: 'glorot' | 'he';
  learningRate: number;
  lrSchedule: 'cosine' | 'constant';
  minLearningRate: number;
  earlyStopping: number;
  loss: 'crossEntropy' | 'dice' | 'crossEntropy+dice';
  seed: number;
  maxMinutes: number | null;
  sliceAxis: 0 | 1 | 2;
  foregroundProbability: number;
  validationSamples: number;
  backend: 'auto' | 'wasm' | 'cpu';
  logDir: string;
  cacheCases: number;
  crf: boolean;
  crfSteps: number;
  crfJointSteps: number;
  data: {
    format: 'glob' | 'pairs' | 'brats' | 'msd' | 'voc';
    images?: string;
    labels?: string;
    pairs?: string;
    root?: string;
    modalities: string[];
    channels?: number[] | null;
    foreground?: number[] | null;
    classIndex: number;
    imageSet: string;
    validationFraction: number;
    validationCases?: string[] | null;
  };
  preprocess: { canonical: boolean; spacing: number[] | null; crop: boolean; cropMargin: number; zscore: boolean; clipPercentiles: number[] | null };
  augment: {
    enabled: boolean;
    flipProbability: number;
    rotation: number;
    scale: number;
    elasticSigma: number;
    elasticGrid: number;
    biasField: number;
    gamma: number;
    noise: number;
    spatialProbability: number;
  };
  pnet?: string;
  lambda?: number;
  interactionMode?: 'clicks' | 'scribbles';
  initFromPNet?: boolean | null;
  noSeedProbability?: number;
  perturbInput?: number;
  perturbSigma?: number;
  trainingRounds?: number;
  fallbackClickProbability?: number;
}

/** Patch side and width after dimension-dependent defaults. */
export function resolvedSizes(c: TrainConfig): { patch: number; channels: number } {
  return { patch: c.patch ?? (c.dim === 2 ? 64 : 32), channels: c.channels ?? (c.dim === 2 ? 32 : 16) };
}
