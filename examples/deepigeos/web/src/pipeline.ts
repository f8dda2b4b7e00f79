// The networks in the browser: tfjs backend selection, loading the bundled P-Net / R-Net and
// creating the rnet InteractiveSession for a volume with the preprocessing used in training.

import '@tensorflow/tfjs-backend-cpu';
import { CrfNetF, ready as crfKernelsReady } from '@deepigeos/crf-rnn';
import { initBackend } from '@deepigeos/pnet';
import { type CrfStage, crfStage, InteractiveSession, type InteractiveSessionOptions } from '@deepigeos/rnet';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { nonZeroBox, zScoreNonZero } from '../../src/data/preprocess.js';
import { modelFromTorchWeights } from '../../src/pipeline/torch-weights.js';
import type { PreparedSession } from './app.js';
import { type BundledModel, bundledConfig, bundledModel, bundledModelNames } from './bundled.js';
import { SliceSessions } from './slice-sessions.js';
import type { ViewVolume } from './workspace.js';

/** Raised when a bundled network is missing or cannot be loaded. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

async function loadModel(name: string, model: BundledModel | undefined): Promise<tfl.LayersModel> {
  if (!model) {
    throw new ModelLoadError(`the app was built without the ${name} network (bundled: ${bundledModelNames().join(', ') || 'none'})`);
  }
  if ('safetensorsUrl' in model) {
    const response = await fetch(model.safetensorsUrl);
    if (!response.ok) throw new ModelLoadError(`fetching ${name} weights from ${model.safetensorsUrl} failed: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    try {
      return modelFromTorchWeights(bytes, bundledConfig(name)?.dropout ?? 0.5, model.safetensorsUrl);
    } catch (e) {
      throw new ModelLoadError(`the bundled ${name} PyTorch weights do not load: ${(e as Error).message}`);
    }
  }
  const response = await fetch(model.weightsUrl);
  if (!response.ok) throw new ModelLoadError(`fetching ${name} weights from ${model.weightsUrl} failed: HTTP ${response.status}`);
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: model.modelJson.modelTopology,
      weightSpecs: model.modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: await response.arrayBuffer(),
    }),
  );
}

/** The CRF layer (CrfNetF, or its subclass CrfNetFU) saved in `<name>/crf/`, as a session stage. */
async function loadCrf(name: string): Promise<CrfStage | undefined> {
  const bundled = bundledModel(`${name}/crf`);
  if (!bundled) return undefined;
  const layer = (await loadModel(`${name}/crf`, bundled)).layers.find((l) => l instanceof CrfNetF);
  if (!layer) throw new ModelLoadError(`the bundled ${name}/crf model has no CrfNetF/CrfNetFU layer`);
  return crfStage(layer as CrfNetF);
}

/**
 * The bundled P-Net/R-Net pair: 2D (run slice by slice) if bundled, else 3D. The bundled 3D nets
 * were trained on 24³ patches and are only accurate window by window (`src/pipeline/tiled.ts`),
 * which the app does not do, so the 2D pair comes first.
 */
function choosePair(): { pnet: string; rnet: string; dim: 2 | 3 } {
  for (const dim of [2, 3] as const) {
    if (bundledModel(`pnet${dim}d`) && bundledModel(`rnet${dim}d`)) return { pnet: `pnet${dim}d`, rnet: `rnet${dim}d`, dim };
  }
  throw new ModelLoadError(`the app was built without a P-Net/R-Net pair (pnet3d + rnet3d or pnet2d + rnet2d); bundled: ${bundledModelNames().join(', ') || 'none'}`);
}

interface Networks {
  options: InteractiveSessionOptions;
  dim: 2 | 3;
  cropMargin: number;
  backend: string;
}

let networks: Promise<Networks> | undefined;

/**
 * Initialises the tfjs backend (`?backend=cpu` in the page URL forces one; default wasm, then
 * cpu) and loads the bundled P-Net, R-Net and their CRF-Net(f)/(fu) (when saved) once.
 */
function loadNetworks(): Promise<Networks> {
  networks ??= (async () => {
    const requested = new URLSearchParams(location.search).get('backend') ?? undefined;
    const backend = await initBackend(requested, {
      wasmPaths: {
        'tfjs-backend-wasm.wasm': wasmPlain,
        'tfjs-backend-wasm-simd.wasm': wasmSimd,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
      },
    });
    const pair = choosePair();
    const pnetConfig = bundledConfig(pair.pnet);
    if (pair.dim === 2 && (pnetConfig?.sliceAxis ?? 0) !== 0) {
      throw new ModelLoadError(`the bundled 2D P-Net was trained on slices along axis ${pnetConfig?.sliceAxis}; the web app runs 2D networks on axial slices (axis 0)`);
    }
    const [pnet, rnet, crfF, crfFU] = await Promise.all([
      loadModel(pair.pnet, bundledModel(pair.pnet)),
      loadModel(pair.rnet, bundledModel(pair.rnet)),
      loadCrf(pair.pnet),
      loadCrf(pair.rnet),
      // The CRF kernels' WebAssembly module (4–9× faster than the TypeScript loops it replaces),
      // fetched alongside the networks; without it the CRFs still run, only slower.
      crfKernelsReady().catch((error: unknown) => console.warn('CRF WebAssembly kernels unavailable, using TypeScript loops:', error)),
    ]);
    const options: InteractiveSessionOptions = {
      pnet,
      rnet,
      ...(crfF ? { crfF } : {}),
      ...(crfFU ? { crfFU } : {}),
      geodesic: { lambda: bundledConfig(pair.rnet)?.lambda ?? 1 },
    };
    return { options, dim: pair.dim, cropMargin: pnetConfig?.preprocess?.cropMargin ?? 0, backend };
  })().catch((error: unknown) => {
    // Let the next volume try again (e.g. after a network hiccup fetching the weights).
    networks = undefined;
    throw error;
  });
  return networks;
}

/**
 * Loads the networks (first call only) and prepares a session for `volume` with the training
 * preprocessing (z-score over the non-zero voxels). 3D networks run on the non-zero bounding box
 * (grown by the training crop margin); 2D networks run on every axial slice.
 */
export async function prepareSession(volume: ViewVolume): Promise<PreparedSession> {
  const { options, dim, cropMargin, backend } = await loadNetworks();
  const image = { data: volume.data, shape: [...volume.shape], channels: 1, spacing: [...volume.spacing] };
  const networkInput = zScoreNonZero(image).data;
  const crfs = [options.crfF && 'CRF-Net(f)', options.crfFU && 'CRF-Net(fu)'].filter(Boolean);
  const networks = `${dim}D P-Net + R-Net${crfs.length ? ` + ${crfs.join(' + ')}` : ''}${dim === 2 ? ', per axial slice' : ''}`;
  if (dim === 2) return { session: new SliceSessions(() => new InteractiveSession(options)), networkInput, backend, networks };
  const box = nonZeroBox(image, cropMargin);
  const roi = { start: box.start, size: box.end.map((e, a) => e - box.start[a]!) };
  return { session: new InteractiveSession({ ...options, roi }), networkInput, backend, networks };
}
