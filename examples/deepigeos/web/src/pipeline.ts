// The networks in the browser: tfjs backend selection, loading the bundled P-Net / R-Net and
// creating the rnet InteractiveSession for a volume with the preprocessing used in training.

import '@tensorflow/tfjs-backend-cpu';
import { CrfNetF } from '@deepigeos/crf-rnn';
import { initBackend } from '@deepigeos/pnet';
import { type CrfStage, crfStage, InteractiveSession } from '@deepigeos/rnet';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { nonZeroBox, zScoreNonZero } from '../../src/data/preprocess.js';
import type { PreparedSession } from './app.js';
import { type BundledModel, bundledModel, bundledModelNames } from './bundled.js';
import type { ViewVolume } from './workspace.js';

/** Raised when a bundled network is missing or cannot be loaded. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

async function loadModel(name: string, model: BundledModel | undefined): Promise<tfl.LayersModel> {
  if (!model) {
    throw new ModelLoadError(`the app was built without the ${name} network (bundled: ${bundledModelNames().join(', ') || 'none'})`);
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

/** The CRF layer (CrfNetF, or its subclass CrfNetFU) of a bundled CRF model, as a session stage. */
async function loadCrf(name: string): Promise<CrfStage | undefined> {
  const bundled = bundledModel(name);
  if (!bundled) return undefined;
  const layer = (await loadModel(name, bundled)).layers.find((l) => l instanceof CrfNetF);
  if (!layer) throw new ModelLoadError(`the bundled ${name} model has no CrfNetF/CrfNetFU layer`);
  return crfStage(layer as CrfNetF);
}

interface Networks {
  pnet: tfl.LayersModel;
  rnet: tfl.LayersModel;
  crfF: CrfStage | undefined;
  crfFU: CrfStage | undefined;
  backend: string;
}

let networks: Promise<Networks> | undefined;

/**
 * Initialises the tfjs backend (`?backend=cpu` in the page URL forces one; default wasm, then
 * cpu) and loads the bundled 3D P-Net, R-Net and, when bundled, CRF-Net(f) and CRF-Net(fu) once.
 */
function loadNetworks(): NonNullable<typeof networks> {
  networks ??= (async () => {
    const requested = new URLSearchParams(location.search).get('backend') ?? undefined;
    const backend = await initBackend(requested, {
      wasmPaths: {
        'tfjs-backend-wasm.wasm': wasmPlain,
        'tfjs-backend-wasm-simd.wasm': wasmSimd,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
      },
    });
    const [pnet, rnet, crfF, crfFU] = await Promise.all([
      loadModel('pnet-3d', bundledModel('pnet-3d')),
      loadModel('rnet-3d', bundledModel('rnet-3d')),
      loadCrf('crf-f-3d'),
      loadCrf('crf-fu-3d'),
    ]);
    return { pnet, rnet, crfF, crfFU, backend };
  })();
  return networks;
}

/** Loads the networks (first call only) and prepares a session for `volume`. */
export async function prepareSession(volume: ViewVolume): Promise<PreparedSession> {
  const { pnet, rnet, crfF, crfFU, backend } = await loadNetworks();
  const image = { data: volume.data, shape: [...volume.shape], channels: 1, spacing: [...volume.spacing] };
  // As in training: z-score over the non-zero (brain) voxels, networks run on their bounding box.
  const box = nonZeroBox(image);
  const session = new InteractiveSession({
    pnet,
    rnet,
    ...(crfF ? { crfF } : {}),
    ...(crfFU ? { crfFU } : {}),
    roi: { start: box.start, size: box.end.map((e, a) => e - box.start[a]!) },
  });
  return { session, networkInput: zScoreNonZero(image).data, backend };
}
