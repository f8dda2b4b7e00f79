// The public API shared by the Node entry (index.ts) and the browser entry (browser.ts).
export { type BaseLayerArgs, CrfNetF, type CrfNetFOptions, CrfNetFU, type CrfNetFUOptions, crfNetF, crfNetFU, type SeedConstraint, type SeedMasks } from './crf-net.js';
export { DenseCrf, type DenseCrfOptions, denseCrf } from './dense-crf.js';
export { ArgumentError, BackendError, DeepIGeoSError, type DeepIGeoSErrorCode, isDeepIGeoSError, ShapeError } from './errors.js';
export { type KernelBackend, kernelBackend } from './kernels.js';
export { createLattice, type FilterOptions, type Lattice, type LatticeOptions } from './lattice.js';
export type { PairwiseWeights } from './pairwise-net.js';
export { type PretrainPairwiseOptions, type PretrainPairwiseResult, pretrainPairwiseNet } from './pretrain.js';
export { type WindowOffsets, windowOffsets } from './window.js';
