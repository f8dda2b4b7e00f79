// Browsers: the WebAssembly convolution kernels are fetched and compiled by `initBackend` (main
// threads may not compile modules synchronously). Bundlers that understand
// `new URL('…', import.meta.url)` (Vite, webpack 5) emit pnet-conv.wasm next to the bundle.
import { setWasmConvLoader } from './ops/wasm-conv.js';

setWasmConvLoader(async () => {
  const response = await fetch(new URL('../wasm/pnet-conv.wasm', import.meta.url));
  if (!response.ok) throw new Error(`pnet-conv.wasm: HTTP ${response.status} from ${response.url}`);
  return WebAssembly.compile(await response.arrayBuffer());
});
