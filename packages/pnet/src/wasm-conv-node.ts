// Node: compiles the WebAssembly convolution kernels (wasm/pnet-conv.wasm next to dist/) at
// import, so the synchronous convolutions can attach them to the wasm backend on first use.
import { readFileSync } from 'node:fs';
import { setWasmConvModule } from './ops/wasm-conv.js';

try {
  setWasmConvModule(new WebAssembly.Module(readFileSync(new URL('../wasm/pnet-conv.wasm', import.meta.url))));
} catch (error) {
  setWasmConvModule(undefined, error); // tfjs' kernels run instead
}
