// The public API, shared by the Node entry (index.ts) and the browser entry (index.browser.ts).

// Backend and errors
export { activeBackend, type BackendName, defaultBackendOrder, type InitBackendOptions, initBackend } from './backend.js';
export { ArgumentError, BackendError, CheckpointError, DeepIGeoSError, type DeepIGeoSErrorCode, FormatError, isDeepIGeoSError, ShapeError, StateDictError } from './errors.js';
// Fast trainable ops (shared with @deepigeos/crf-rnn and @deepigeos/rnet)
export { type BatchMoments, batchNormInference, batchNormTraining } from './ops/batch-norm.js';
export { channelConcat } from './ops/channel-concat.js';
export { conv2dFast, type FusedEpilogue, samePads } from './ops/conv2d-fast.js';
export { conv3dFast } from './ops/conv3d-fast.js';
export { dilatedConv } from './ops/dilated-conv.js';
export { type ConvolutionChoice, type ConvolutionImplementation, convolutionImplementation, useConvolutions, useWinograd, winogradEnabled } from './ops/native-conv.js';
// Layers
export { BatchNormND, type BatchNormNDArgs, type BatchNormSettings, type BatchNormVariables } from './layers/batch-norm.js';
export { ChannelConcat, type ChannelConcatArgs } from './layers/channel-concat.js';
export type { SpatialRank } from './layers/common.js';
export { DilatedConv, type DilatedConvArgs } from './layers/dilated-conv.js';
export { Dropout, type DropoutArgs } from './layers/dropout.js';
export { PNetBlock, type PNetBlockArgs, type PNetBlockLayerWeights } from './layers/pnet-block.js';
// Networks
export { createPNet2D, createPNet3D, type PNet2DOptions, type PNet3DOptions } from './models/pnet.js';
// PyTorch weight exchange
export { type NamedTensor, readSafetensors, writeSafetensors } from './torch/safetensors.js';
export { exportTorchStateDict, importTorchStateDict } from './torch/state-dict.js';
// Training
export {
  loadCheckpoint,
  loadTrainingCheckpoint,
  type SaveCheckpointOptions,
  saveCheckpoint,
  type TrainingCheckpoint,
} from './training/checkpoint.js';
export { diceScore, oneHotLabels, type SoftDiceOptions, softDiceLoss, weightedCrossEntropy } from './training/losses.js';
export { type LossSpec, lossFunction, type TrainStepOptions, trainStep } from './training/train-step.js';
export { checkModelInput, validatedPredict } from './validate.js';
// Inference
export { closePredictWorkers, type PredictVolumeOptions, predictVolume, type VolumeArray } from './inference/predict-volume.js';
export { receptiveFieldMargin } from './inference/receptive-field.js';
