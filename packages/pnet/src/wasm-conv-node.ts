// Node: compiles the WebAssembly convolution kernels (wasm/*.wasm next to dist/) at import, so
// the synchronous convolutions can attach them to the wasm backend on first use, and lets them
// run on worker threads (DEEPIGEOS_PNET_THREADS, default: the available cores, at most 4).
import { readFileSync } from 'node:fs';
import { spawnNodeConvHelper } from './conv-helper-node.js';
import { defaultConvolutionThreads } from './conv-threads-node.js';
import { setWasmConvModules } from './ops/wasm-conv.js';
import { setConvThreadRuntime } from './ops/wasm-conv-threads.js';

const compile = (name: string) => new WebAssembly.Module(readFileSync(new URL(`../wasm/${name}`, import.meta.url)));
try {
  setWasmConvModules({ single: compile('pnet-conv.wasm'), threads: compile('pnet-conv-threads.wasm') });
} catch (error) {
  setWasmConvModules(undefined, error); // tfjs' kernels run instead
}
setConvThreadRuntime(spawnNodeConvHelper, () => defaultConvolutionThreads());
