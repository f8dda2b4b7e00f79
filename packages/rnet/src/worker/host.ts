// The pipeline's work, independent of how messages arrive: loads the networks, keeps the volume,
// segments (P-Net + CRF-Net(f)) and refines (geodesic maps + R-Net + CRF-Net(fu)) with progress.
// The Web Worker entry (pipeline-worker.ts) drives it; tests can call it directly.
import { CrfNetF, ready as crfKernelsReady } from '@deepigeos/crf-rnn';
import { initBackend } from '@deepigeos/pnet';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { crfStage } from '../crf.js';
import { OptionError, SessionStateError } from '../errors.js';
import { flipEnsemble, type TestTimeFlips, testTimeFlipAxes, trainedWithFlips } from '../flip-ensemble.js';
import { inferenceWindow, type SegmentationNetwork, volumeNetwork } from '../network.js';
import { zScoreNonZero } from '../preprocess.js';
import { cropToRoi, pasteFromRoi, type Roi, validateRoi } from '../roi.js';
import type { GridShape } from '../grid.js';
import { type CrfStage, InteractiveSession, type SessionResult } from '../session.js';
import type {
  NetworkFiles,
  PipelineBackendOptions,
  PipelineInfo,
  PipelineNetworks,
  PipelineProgress,
  PipelineResult,
  PipelineVolume,
  RefineRequest,
  SegmentRequest,
  TrainedNetworkFiles,
} from './protocol.js';

/** Receives progress reports. */
export type ProgressSink = (progress: PipelineProgress) => void;

interface LoadedNetwork {
  model: tfl.LayersModel;
  config: TrainedNetworkFiles['config'];
  crf?: CrfNetF;
}

/** Loads a tfjs layers model from its model.json content and weights. */
export async function loadNetworkFiles(files: NetworkFiles, name: string): Promise<tfl.LayersModel> {
  const { modelJson, weights } = files ?? {};
  if (!modelJson?.modelTopology || !Array.isArray(modelJson.weightsManifest) || !(weights instanceof ArrayBuffer)) {
    throw new OptionError(`${name}: expected { modelJson: { modelTopology, weightsManifest }, weights: ArrayBuffer } (model.json + weights.bin)`);
  }
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology as tf.io.ModelJSON['modelTopology'],
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights) as tf.io.WeightsManifestEntry[],
      weightData: weights,
    }),
  );
}

async function loadTrained(files: TrainedNetworkFiles, name: string): Promise<LoadedNetwork> {
  const dim = files?.config?.dim;
  if (dim !== 2 && dim !== 3) throw new OptionError(`${name}: config.dim must be 2 or 3; got ${JSON.stringify(dim)}`);
  const model = await loadNetworkFiles(files.model, name);
  const rank = model.inputs[0]!.shape.length;
  if (rank !== dim + 2) throw new OptionError(`${name}: config.dim is ${dim} but the model takes rank-${rank} input`);
  if (!files.crf) return { model, config: files.config };
  const wrapper = await loadNetworkFiles(files.crf, `${name}/crf`);
  const crf = wrapper.layers.find((l) => l instanceof CrfNetF);
  if (!crf) throw new OptionError(`${name}/crf: the model has no CRF-Net layer`);
  return { model, config: files.config, crf: crf as CrfNetF };
}

/** A box's voxel count and end per axis. */
const boxEnd = (roi: Roi) => roi.start.map((s, a) => s + roi.size[a]!);

/** The pipeline state held by the worker. */
export class PipelineHost {
  private pnet?: LoadedNetwork;
  private rnet?: LoadedNetwork;
  private volume?: PipelineVolume;
  /** The volume normalised with the current P-Net's clipping, when it was given raw. */
  private normalized?: { key: string; volume: PipelineVolume };
  /** Test-time flips asked for (`testTimeFlips`). */
  private testTimeFlips: TestTimeFlips = 'none';

  /** Initialises the tfjs backend and loads both networks; returns the backend name. */
  async init(networks: PipelineNetworks, options: PipelineBackendOptions = {}): Promise<PipelineInfo> {
    const tta = options.testTimeFlips ?? 'none';
    testTimeFlipAxes(tta, 2); // refuses an unknown mode before anything loads
    const backend = await initBackend(options.backend, options.wasmPaths ? { wasmPaths: options.wasmPaths } : {});
    // Browsers fetch the CRF's WebAssembly kernels on demand; without them the CRF stages run
    // TypeScript loops (2.1 s instead of about 0.6 s for CRF-Net(fu) on 96³), still correct.
    const crfKernels = await crfKernelsReady().then(
      () => '',
      (e: unknown) => ` (CRF on TypeScript loops: its WebAssembly kernels did not load: ${(e as Error).message ?? e})`,
    );
    const [pnet, rnet] = await Promise.all([loadTrained(networks?.pnet, 'pnet'), loadTrained(networks?.rnet, 'rnet')]);
    if (pnet.config.dim !== rnet.config.dim) throw new OptionError(`P-Net is ${pnet.config.dim}D but R-Net is ${rnet.config.dim}D`);
    const pIn = pnet.model.inputs[0]!.shape.at(-1)!;
    const rIn = rnet.model.inputs[0]!.shape.at(-1)!;
    if (rIn !== pIn + 3) throw new OptionError(`R-Net takes ${rIn} channels; a P-Net with ${pIn} needs an R-Net with ${pIn + 3}`);
    this.pnet = pnet;
    this.rnet = rnet;
    this.testTimeFlips = tta;
    const crfs = [pnet.crf && 'CRF-Net(f)', rnet.crf && 'CRF-Net(fu)'].filter(Boolean);
    return { backend, channels: pIn, dim: pnet.config.dim, description: `${pnet.config.dim}D P-Net + R-Net${crfs.length ? ` + ${crfs.join(' + ')}` : ''}${crfKernels}`,
      clipPercentiles: pnet.config.preprocess?.clipPercentiles ?? null,
    };
  }

  /** Image channels the networks take. */
  get channels(): number {
    return this.requireNetworks().pnet.model.inputs[0]!.shape.at(-1)!;
  }

  /** Sets the volume every later request works on (normalised, or raw with `normalize: true`). */
  setVolume(volume: PipelineVolume): void {
    const { data, shape, channels } = volume ?? {};
    if (!(data instanceof Float32Array) || !Array.isArray(shape) || shape.length !== 3 || shape.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new OptionError('volume must be { data: Float32Array, shape: [D, H, W], spacing, channels }');
    }
    if (data.length !== shape[0] * shape[1] * shape[2] * channels) {
      throw new OptionError(`volume.data has ${data.length} values; shape [${shape}] × ${channels} channel(s) needs ${shape[0] * shape[1] * shape[2] * channels}`);
    }
    if (this.pnet && channels !== this.channels) {
      throw new OptionError(`the networks take ${this.channels} image channel(s); the volume has ${channels}`);
    }
    this.volume = volume;
    this.normalized = undefined;
  }

  /** P-Net (+ CRF-Net(f)) on the volume or `request.roi`. */
  async segment(request: SegmentRequest, progress: ProgressSink = () => {}): Promise<PipelineResult> {
    const { pnet, rnet } = this.requireNetworks();
    const volume = this.requireVolume();
    const roi = validateRoi(request?.roi ?? { start: [0, 0, 0], size: [...volume.shape] }, volume.shape, 'roi');
    const started = performance.now();
    const probability = new Float32Array(volume.shape[0] * volume.shape[1] * volume.shape[2]);
    const timings: Record<string, number> = {};
    await this.perPart(volume, roi, undefined, progress, async (part, report) => {
      const session = new InteractiveSession({
        pnet: this.network(pnet, 'P-Net', report),
        rnet: rnet.model,
        ...(pnet.crf ? { crfF: reporting(crfStage(pnet.crf), 'CRF-Net(f)', report) } : {}),
      });
      const result = await session.segment(part.volume);
      addTimings(timings, result);
      return result.probability;
    }, probability);
    timings['total'] = performance.now() - started;
    return finish(probability, timings);
  }

  /**
   * Geodesic maps + R-Net (+ CRF-Net(fu)) inside `request.roi`, on the latest result and every
   * seed. The arrays cover the whole volume (the result too: the ROI refined, the rest kept) or
   * just the ROI (the result too: less to copy and send for a small region of a large volume).
   */
  async refine(request: RefineRequest, progress: ProgressSink = () => {}): Promise<PipelineResult> {
    const { pnet, rnet } = this.requireNetworks();
    const whole = this.requireVolume();
    const { probability, fg, bg } = request ?? {};
    let roi = validateRoi(request?.roi, whole.shape, 'roi');
    const inRoi = roi.size[0]! * roi.size[1]! * roi.size[2]!;
    const n = whole.shape[0] * whole.shape[1] * whole.shape[2];
    // Arrays of the ROI's size: refine the ROI as a volume of its own.
    const regionOnly = probability instanceof Float32Array && probability.length === inRoi && inRoi !== n;
    const length = regionOnly ? inRoi : n;
    for (const [name, a, type] of [['probability', probability, Float32Array], ['fg', fg, Uint8Array], ['bg', bg, Uint8Array]] as const) {
      if (!(a instanceof type) || a.length !== length) {
        const extents = inRoi === n ? `${n} values (the whole volume)` : `${n} values (the whole volume) or of ${inRoi} (the roi), like probability`;
        throw new OptionError(`refine: ${name} must be a ${type.name} of ${extents}`);
      }
    }
    const volume = regionOnly ? { ...whole, data: cropToRoi(whole.data, whole.shape, roi, whole.channels), shape: [...roi.size] as [number, number, number] } : whole;
    if (regionOnly) roi = { start: [0, 0, 0], size: [...roi.size] };
    const started = performance.now();
    const out = probability.slice();
    const timings: Record<string, number> = {};
    await this.perPart(volume, roi, { fg, bg }, progress, async (part, report) => {
      const session = new InteractiveSession({
        pnet: pnet.model,
        rnet: this.network(rnet, 'R-Net', report),
        ...(rnet.crf ? { crfFU: reporting(crfStage(rnet.crf), 'CRF-Net(fu)', report) } : {}),
        geodesic: { lambda: rnet.config.lambda ?? 1 },
      });
      session.startFrom(part.volume, cropToRoi(probability, volume.shape, part.roi));
      const seeds = part.seeds!;
      if (seeds.fg.some((v) => v)) await session.addSeeds('fg', seeds.fg);
      if (seeds.bg.some((v) => v)) await session.addSeeds('bg', seeds.bg);
      report({ stage: 'geodesic distance maps', done: 0, total: 1 });
      const result = await session.refine();
      addTimings(timings, result);
      return result.probability;
    }, out);
    timings['total'] = performance.now() - started;
    return finish(out, timings);
  }

  /**
   * Runs `work` on the ROI (3D networks) or on each axial slice of it (2D networks; for a
   * refinement only slices holding seeds) and pastes each part's probability into `out`.
   */
  private async perPart(
    volume: PipelineVolume,
    roi: Roi,
    seeds: { fg: Uint8Array; bg: Uint8Array } | undefined,
    progress: ProgressSink,
    work: (part: Part, report: ProgressSink) => Promise<Float32Array>,
    out: Float32Array,
  ): Promise<void> {
    const { shape, channels, spacing } = volume;
    const crop = (r: Roi): Part => ({
      roi: r,
      volume: { data: cropToRoi(volume.data, shape, r, channels), shape: [...r.size] as unknown as GridShape, spacing: [...spacing], channels },
      ...(seeds ? { seeds: { fg: cropToRoi(seeds.fg, shape, r), bg: cropToRoi(seeds.bg, shape, r) } } : {}),
    });
    if (this.requireNetworks().pnet.config.dim === 3) {
      pasteFromRoi(out, shape, roi, await work(crop(roi), progress));
      return;
    }
    // 2D networks: one axial slice at a time.
    const end = boxEnd(roi);
    const slices: number[] = [];
    for (let z = roi.start[0]!; z < end[0]!; z++) {
      if (!seeds || hasSeedInSlice(seeds, shape, z, roi)) slices.push(z);
    }
    for (const [k, z] of slices.entries()) {
      const part3 = crop({ start: [z, roi.start[1]!, roi.start[2]!], size: [1, roi.size[1]!, roi.size[2]!] });
      const part: Part = {
        roi: part3.roi,
        volume: { ...part3.volume, shape: part3.volume.shape.slice(1) as unknown as GridShape, spacing: spacing.slice(1) },
        ...(part3.seeds ? { seeds: part3.seeds } : {}),
      };
      const name = seeds ? 'R-Net' : 'P-Net';
      progress({ stage: `${name}, slice by slice`, done: k, total: slices.length });
      pasteFromRoi(out, shape, part.roi, await work(part, () => {}));
    }
    progress({ stage: seeds ? 'R-Net, slice by slice' : 'P-Net, slice by slice', done: slices.length, total: slices.length });
  }

  /** The network as the session runs it: 3D ones through `predictVolume` with progress; flips averaged if asked. */
  private network(net: LoadedNetwork, stage: string, report: ProgressSink): SegmentationNetwork {
    const onProgress = (done: number, total: number) => report({ stage, done, total });
    const p = inferenceWindow(net.config.patch);
    const network =
      net.config.dim === 2 ? net.model : p ? volumeNetwork(net.model, { patchSize: [p, p, p], margin: 0, overlap: 0.5, onProgress }) : volumeNetwork(net.model, { onProgress });
    const flipAxes = testTimeFlipAxes(this.testTimeFlips, net.config.dim, trainedWithFlips(net.config));
    return flipAxes.length > 0 ? flipEnsemble(network, flipAxes) : network;
  }

  private requireNetworks(): { pnet: LoadedNetwork; rnet: LoadedNetwork } {
    if (!this.pnet || !this.rnet) throw new SessionStateError('the pipeline has no networks: call init(networks) first');
    return { pnet: this.pnet, rnet: this.rnet };
  }

  private requireVolume(): PipelineVolume {
    if (!this.volume) throw new SessionStateError('the pipeline has no volume: call setVolume(volume) first');
    const volume = this.volume;
    if (!volume.normalize) return volume;
    // Raw intensities: normalised as P-Net was trained (the networks are loaded by now), once per clipping.
    const clip = this.requireNetworks().pnet.config.preprocess?.clipPercentiles ?? null;
    const key = JSON.stringify(clip);
    if (this.normalized?.key !== key) {
      this.normalized = { key, volume: { ...volume, data: zScoreNonZero(volume.data, volume.channels, clip), normalize: false } };
    }
    return this.normalized.volume;
  }
}

interface Part {
  roi: Roi;
  volume: { data: Float32Array; shape: GridShape; spacing: number[]; channels: number };
  seeds?: { fg: Uint8Array; bg: Uint8Array };
}

/** A CRF stage that reports its start (it has no inner progress). */
function reporting(stage: CrfStage, name: string, report: ProgressSink): CrfStage {
  return (input) => {
    report({ stage: name, done: 0, total: 1 });
    return stage(input);
  };
}

function addTimings(into: Record<string, number>, result: SessionResult): void {
  for (const [k, v] of Object.entries(result.timings)) if (k !== 'total' && typeof v === 'number') into[k] = (into[k] ?? 0) + v;
}

function finish(probability: Float32Array, timings: Record<string, number>): PipelineResult {
  const mask = new Uint8Array(probability.length);
  for (let i = 0; i < mask.length; i++) mask[i] = probability[i]! > 0.5 ? 1 : 0;
  return { probability, mask, timings };
}

function hasSeedInSlice(seeds: { fg: Uint8Array; bg: Uint8Array }, shape: readonly number[], z: number, roi: Roi): boolean {
  const plane = shape[1]! * shape[2]!;
  const end = boxEnd(roi);
  for (let y = roi.start[1]!; y < end[1]!; y++) {
    for (let x = roi.start[2]!; x < end[2]!; x++) {
      const i = z * plane + y * shape[2]! + x;
      if (seeds.fg[i] || seeds.bg[i]) return true;
    }
  }
  return false;
}
