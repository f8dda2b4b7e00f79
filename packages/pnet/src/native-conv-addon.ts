// Node only (imported by node-platform.ts and the predict worker): loads the package's Node addon
// and installs its direct conv2d as platform.nativeConv, unless DEEPIGEOS_PNET_NATIVE=0 or
// =tfjs, the addon is missing for this platform, or the CPU lacks AVX2 + FMA (then the same
// kernels run in WebAssembly, compiled by wasm-conv-node.ts; =tfjs selects tfjs' kernels).
// Large calls run on a pool of threads inside the addon (DEEPIGEOS_PNET_THREADS, default: the
// available cores up to 4; initBackend's convolutionThreads changes it).
import { createRequire } from 'node:module';
import { defaultConvolutionThreads } from './conv-threads-node.js';
import { type NativeConv, useConvolutions, useWinograd } from './ops/native-conv.js';
import { convolutionThreadCount } from './ops/thread-count.js';
import { platform } from './platform.js';
import './wasm-conv-node.js';

interface Addon {
  conv2d(x: Float32Array, filter: Float32Array, bias: Float32Array | null, out: Float32Array, dims: number[], relu: boolean, isa: string): void;
  filterGradient(x: Float32Array, dy: Float32Array, dfilter: Float32Array, dbias: Float32Array | null, dims: number[], isa: string): void;
  /** Threads per call from now on; calls under `minWork` multiply-adds stay on the calling thread (default: the addon's measured threshold). */
  setThreads(threads: number, minWork?: number): void;
  threads(): number;
  setWinograd(on: boolean): void;
  isas: string[];
  abiVersion: number;
}

/** Where the addon may be, in loader order: a local `npm run build:native`, then the prebuilt one. */
const candidatePaths = ['../build/Release/pnet_conv.node', `../prebuilds/${process.platform}-${process.arch}/pnet_conv.node`];

/** The addon's kernels for this CPU and `DEEPIGEOS_PNET_NATIVE`, or undefined. @internal */
export function loadNativeConv(setting = process.env.DEEPIGEOS_PNET_NATIVE, threads = defaultConvolutionThreads()): NativeConv | undefined {
  if (setting === '0' || setting === 'tfjs') return undefined;
  const require = createRequire(import.meta.url);
  for (const path of candidatePaths) {
    let addon: Addon;
    try {
      addon = require(path) as Addon;
    } catch {
      continue; // not built here / no prebuild for this platform: try the next one
    }
    if (addon.abiVersion !== 5) continue;
    const isa = (setting === 'avx2' ? ['avx2'] : ['avx512', 'avx2']).find((name) => addon.isas.includes(name));
    if (isa === undefined) return undefined;
    addon.setThreads(convolutionThreadCount(threads));
    return {
      isa: isa as NativeConv['isa'],
      conv2d: (x, filter, bias, out, dims, relu) => addon.conv2d(x, filter, bias, out, dims, relu, isa),
      filterGradient: (x, dy, dfilter, dbias, dims) => addon.filterGradient(x, dy, dfilter, dbias, dims, isa),
      setThreads: (count, minWork) => addon.setThreads(convolutionThreadCount(count ?? defaultConvolutionThreads()), minWork),
      threads: () => addon.threads(),
      setWinograd: (on) => addon.setWinograd(on),
    };
  }
  return undefined;
}

platform.nativeConv = loadNativeConv();
if (process.env.DEEPIGEOS_PNET_NATIVE === 'tfjs') useConvolutions('tfjs');
if (process.env.DEEPIGEOS_PNET_WINOGRAD === '0') useWinograd(false);
