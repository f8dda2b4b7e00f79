/**
 * CRF-as-RNN layers for TensorFlow.js: CRF-Net(f), CRF-Net(fu) (DeepIGeoS) and a dense Gaussian
 * CRF over a permutohedral lattice, all trainable jointly with the network in front of them.
 * Node entry: the WebAssembly kernels load at import; `ready()` resolves at once.
 * @packageDocumentation
 */
export * from './api.js';
export { ready } from './kernels-node.js';
