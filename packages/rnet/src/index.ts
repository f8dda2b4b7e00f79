/**
 * `@deepigeos/rnet`: the DeepIGeoS interactive pipeline — R-Net, geodesic interaction
 * encoding, simulated users, the interactive refinement session and evaluation metrics.
 * @packageDocumentation
 */
// Re-exported so `@deepigeos/rnet` alone gives the whole pipeline.
export {
  CrfNetF,
  type CrfNetFOptions,
  CrfNetFU,
  type CrfNetFUOptions,
  crfNetF,
  crfNetFU,
  pretrainPairwiseNet,
} from '@deepigeos/crf-rnn';
export {
  activeBackend,
  BackendError,
  createPNet2D,
  createPNet3D,
  defaultBackendOrder,
  exportTorchStateDict,
  importTorchStateDict,
  initBackend,
  loadCheckpoint,
  loadTrainingCheckpoint,
  saveCheckpoint,
  StateDictError,
  trainStep,
} from '@deepigeos/pnet';
export { type Components, type Connectivity, labelComponents } from './components.js';
export { crfStage } from './crf.js';
export { euclideanDistanceTransform } from './edt.js';
export {
  DistanceMapCache,
  type EncodeInteractionsOptions,
  encodeInteractions,
  encodeInteractionsData,
  type GeodesicEncodingOptions,
} from './encode.js';
export {
  ArgumentError,
  CancelledError,
  DeepIGeoSError,
  type DeepIGeoSErrorCode,
  isDeepIGeoSError,
  OptionError,
  SeedError,
  SessionStateError,
  ShapeError,
  StateError,
} from './errors.js';
export {
  type EvaluateRefinementOptions,
  evaluateRefinement,
  type RefinementEvaluation,
  type RoundMetrics,
} from './evaluate.js';
export type { GridShape, Spacing } from './grid.js';
export {
  assd,
  dice,
  type Hd95Pooling,
  hausdorff95,
  iou,
  percentile,
  type SegmentationMetrics,
  segmentationMetrics,
  surfaceDistances,
  surfaceMask,
} from './metrics.js';
export { type FlipAugmentSettings, flipEnsemble, type TestTimeFlips, testTimeFlipAxes, trainedWithFlips } from './flip-ensemble.js';
export {
  foregroundProbability,
  inferenceWindow,
  predictLogits,
  type SegmentationNetwork,
  type VolumeNetwork,
  type VolumeNetworkOptions,
  volumeNetwork,
  WHOLE_INPUT_MIN_PATCH,
} from './network.js';
export { nonZeroBox, percentileOfSorted, zScoreNonZero } from './preprocess.js';
export { type DistanceNormalization, emptySeedValue } from './normalize.js';
export { createRNet2D, createRNet3D, type RNet2DOptions, type RNet3DOptions } from './rnet.js';
export { createRng, type Rng } from './rng.js';
export type { Roi } from './roi.js';
export { countSeeds, type SeedInput, toSeedMask } from './seeds.js';
export {
  type CrfStage,
  type CrfStageInput,
  DEFAULT_UNDO_MEMORY_BYTES,
  InteractiveSession,
  type InteractiveSessionOptions,
  type SessionResult,
  type StageTimings,
  type UndoHistoryInfo,
  type Volume,
} from './session.js';
export {
  type SimulatedInteractions,
  type SimulatedRegion,
  type SimulateOptions,
  simulateInteractions,
} from './simulate.js';
export { type RNetTrainingSample, type RNetTrainingSampleOptions, rnetTrainingSample, stackTrainingSamples } from './training.js';
