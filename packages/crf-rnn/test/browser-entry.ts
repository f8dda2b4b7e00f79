// Runs in Chromium: selects the wasm backend (wasm files emitted by the bundler) and runs the case.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { ready } from '../src/browser.js';
import { runCase } from './browser-case.js';

export default async function run() {
  // Literal URLs so the bundler emits the wasm files next to the bundle.
  setWasmPaths({
    'tfjs-backend-wasm.wasm': new URL('../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm', import.meta.url).href,
    'tfjs-backend-wasm-simd.wasm': new URL('../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', import.meta.url)
      .href,
    'tfjs-backend-wasm-threaded-simd.wasm': new URL(
      '../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm',
      import.meta.url,
    ).href,
  });
  const messages: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => messages.push(args.map(String).join(' '));
  const ok = await tf.setBackend('wasm').catch((e: unknown) => {
    messages.push(String(e));
    return false;
  });
  console.warn = warn;
  const backendError = ok ? '' : `wasm backend failed: ${messages.join('; ')}`;
  if (!ok) await tf.setBackend('cpu');
  await tf.ready();
  // Before ready() the layers run the TypeScript loops; after it, the WebAssembly kernels.
  const beforeReady = await runCase();
  await ready(); // fetches and compiles the crf-rnn WebAssembly kernels
  return { ...(await runCase()), beforeReady, backendError, userAgent: navigator.userAgent };
}
