/**
 * CRF-as-RNN layers for TensorFlow.js (browser entry, selected by the `browser` export
 * condition; no Node built-ins). `await ready()` loads the WebAssembly kernels; until then the
 * layers and the lattice run the TypeScript loops (same results, slower).
 * @packageDocumentation
 */
export * from './api.js';
export { ready } from './kernels-browser.js';
