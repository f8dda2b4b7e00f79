/**
 * `@deepigeos/examples`: the `deepigeos` CLI and the data/training pipeline behind it, usable as
 * a library — dataset layouts, preprocessing, seeded augmentation, the phantom generator, config
 * validation, the training loop and the inference helpers.
 * @packageDocumentation
 */
export { COMMANDS, main } from './cli/main.js';
export { type FieldSpec, loadConfigFile, type Schema, validateConfig } from './config.js';
export { applyBiasField, applyGamma, augment, type AugmentOptions, DEFAULT_AUGMENT, flipAxis, type LabelledImage, resampleAffine, spatialTransform } from './data/augment.js';
export { BRATS_WHOLE_TUMOUR, bratsCases, type CaseRef, globCases, msdCases, pairsListCases, type Split, splitCases, vocCases } from './data/datasets.js';
export { expandGlob, type FilePair, type ListedCase, pairByName, pairByPosition, readPairsList, stem } from './data/files.js';
export { type CaseGeometry, labelMapProblem, type LoadedCase, loadCase, maskFromSource, maskToSource, type PreprocessOptions, probabilityFromSource, probabilityToSource } from './data/load.js';
export { BRATS_MODALITIES, type BratsModality, generatePhantom, type Phantom, type PhantomOptions, type WritePhantomsOptions, writeBratsPhantoms } from './data/phantom.js';
export { type Box, cropArray, cropImage, nonZeroBox, resampleToShape, resampleToSpacing, zScoreNonZero } from './data/preprocess.js';
export { cropPatch, extractSlice, samplePatch } from './data/sampling.js';
export type { Case, ImageVolume } from './data/volume.js';
export { readClassPng, readJpegRgb } from './data/voc.js';
export { ConfigError, DatasetError, ShapeError, UsageError } from './errors.js';
export { CSV_COLUMNS, evaluationCsv, renderEvaluationReport } from './pipeline/eval-report.js';
export {
  type CaseEvaluation,
  clicksToReach,
  type EvaluationReport,
  evaluateCase,
  type ImageEvaluation,
  type MeanEvaluation,
  NOC_CAP,
  type RoundScore,
  type Score,
  summarise,
  type UserOptions,
  type UserProtocol,
} from './pipeline/evaluate.js';
export { createSession, pnetOnCase } from './pipeline/infer.js';
export { loadTrainedNet, type TrainedNet } from './pipeline/networks.js';
export { type RefineOptions, type RefineResult, refineSegmentation, seedBox } from './pipeline/refine.js';
export { readInitialSegmentation, readSeeds, type SeedsFile, type SourceSeeds } from './pipeline/user-files.js';
export { createRng, type Rng } from './rng.js';
export { type LoopResult, runTraining } from './train/loop.js';
export { TRAIN_PNET_SCHEMA, TRAIN_RNET_SCHEMA, type TrainConfig } from './train/schema.js';
export { trainPNet } from './train/train-pnet.js';
export { trainRNet } from './train/train-rnet.js';
