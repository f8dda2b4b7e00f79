/**
 * `@deepigeos/examples`: the `deepigeos` CLI and the data/training pipeline behind it, usable as
 * a library — dataset layouts, preprocessing, seeded augmentation, the phantom generator, config
 * validation, the training loop and the inference helpers.
 * @packageDocumentation
 */
export { COMMANDS, main } from './cli/main.js';
export { type FieldSpec, loadConfigFile, type Schema, validateConfig } from './config.js';
export { applyBiasField, applyGamma, augment, type AugmentOptions, DEFAULT_AUGMENT, flipAxis, type LabelledImage, resampleAffine, spatialTransform } from './data/augment.js';
export { BRATS_WHOLE_TUMOUR, bratsCases, type CaseRef, globCases, msdCases, type Split, splitCases, vocCases } from './data/datasets.js';
export { expandGlob, type FilePair, pairByName, stem } from './data/files.js';
export { type CaseGeometry, type LoadedCase, loadCase, maskFromSource, maskToSource, type PreprocessOptions } from './data/load.js';
export { BRATS_MODALITIES, type BratsModality, generatePhantom, type Phantom, type PhantomOptions, type WritePhantomsOptions, writeBratsPhantoms } from './data/phantom.js';
export { type Box, cropArray, cropImage, nonZeroBox, resampleToShape, resampleToSpacing, zScoreNonZero } from './data/preprocess.js';
export { cropPatch, extractSlice, samplePatch } from './data/sampling.js';
export type { Case, ImageVolume } from './data/volume.js';
export { readClassPng, readJpegRgb } from './data/voc.js';
export { ConfigError, DatasetError, ShapeError, UsageError } from './errors.js';
export { type CaseEvaluation, type EvaluationReport, evaluateCase, type Score, summarise } from './pipeline/evaluate.js';
export { createSession, pnetOnCase } from './pipeline/infer.js';
export { loadTrainedNet, type TrainedNet } from './pipeline/networks.js';
export { createRng, type Rng } from './rng.js';
export { type LoopResult, runTraining } from './train/loop.js';
export { TRAIN_PNET_SCHEMA, TRAIN_RNET_SCHEMA, type TrainConfig } from './train/schema.js';
export { trainPNet } from './train/train-pnet.js';
export { trainRNet } from './train/train-rnet.js';
