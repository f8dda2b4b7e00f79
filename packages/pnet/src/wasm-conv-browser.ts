// Browsers: the WebAssembly convolution kernels are fetched and compiled by `initBackend` (main
// threads may not compile modules synchronously). Bundlers that understand
// `new URL('…', import.meta.url)` (Vite, webpack 5) emit the .wasm files next to the bundle. On
// cross-origin-isolated pages the kernels run on Web Workers too (navigator.hardwareConcurrency,
// at most 4).
import { spawnBrowserConvHelper } from './conv-helper-browser.js';
import { setWasmConvLoader } from './ops/wasm-conv.js';
import { setConvThreadRuntime } from './ops/wasm-conv-threads.js';

async function compile(url: URL): Promise<WebAssembly.Module> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return WebAssembly.compile(await response.arrayBuffer());
}

setWasmConvLoader(async () => {
  const single = await compile(new URL('../wasm/pnet-conv.wasm', import.meta.url));
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return isolated ? { single, threads: await compile(new URL('../wasm/pnet-conv-threads.wasm', import.meta.url)) } : { single };
});
setConvThreadRuntime(spawnBrowserConvHelper, () =>
  (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true ? Math.min(4, navigator.hardwareConcurrency || 1) : 1,
);
