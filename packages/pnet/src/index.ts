export { activeBackend, type BackendName, defaultBackendOrder, type InitBackendOptions, initBackend } from './backend.js';
export { BackendError, ShapeError, StateDictError } from './errors.js';
export { DilatedConv, type DilatedConvArgs } from './layers/dilated-conv.js';
export type { SpatialRank } from './layers/common.js';
export { conv2dFast, samePads } from './ops/conv2d-fast.js';
export { conv3dFast } from './ops/conv3d-fast.js';
export { BatchNormND, type BatchNormNDArgs, type BatchNormSettings } from './layers/batch-norm.js';
export { PNetBlock, type PNetBlockArgs, type PNetBlockLayerWeights } from './layers/pnet-block.js';
export { createPNet2D, createPNet3D, type PNet2DOptions, type PNet3DOptions } from './models/pnet.js';
