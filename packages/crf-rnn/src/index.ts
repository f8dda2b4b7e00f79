/**
 * CRF-as-RNN layers for TensorFlow.js: CRF-Net(f), CRF-Net(fu) (DeepIGeoS) and a dense Gaussian
 * CRF over a permutohedral lattice, all trainable jointly with the network in front of them.
 * @packageDocumentation
 */
export { type BaseLayerArgs, CrfNetF, type CrfNetFOptions, CrfNetFU, type CrfNetFUOptions, crfNetF, crfNetFU, type SeedMasks } from './crf-net.js';
export { DenseCrf, type DenseCrfOptions, denseCrf } from './dense-crf.js';
export { ArgumentError, ShapeError } from './errors.js';
export { createLattice, type FilterOptions, type Lattice } from './lattice.js';
export type { PairwiseWeights } from './pairwise-net.js';
export { type PretrainPairwiseOptions, type PretrainPairwiseResult, pretrainPairwiseNet } from './pretrain.js';
export { type WindowOffsets, windowOffsets } from './window.js';
