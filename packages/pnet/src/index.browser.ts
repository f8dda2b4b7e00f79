/**
 * Browser entry of `@deepigeos/pnet` (the `browser` export condition): the same API as the Node
 * entry without Node built-ins. Checkpoints use tfjs URLs (`indexeddb://…`); `predictVolume`
 * runs on the calling thread; the
 * convolutions run the package's WebAssembly SIMD kernels once `initBackend` has loaded them.
 * @packageDocumentation
 */
import './wasm-conv-browser.js';

export * from './exports.js';
