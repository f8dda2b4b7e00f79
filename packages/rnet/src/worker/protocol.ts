// Types shared by the pipeline worker, its host logic and the page-side client.
import type { TestTimeFlips } from '../flip-ensemble.js';
import type { Roi } from '../roi.js';

/** A tfjs layers model as written by `model.save()`: the model.json content and weights.bin. */
export interface NetworkFiles {
  /** Parsed `model.json` (`modelTopology` + `weightsManifest`). */
  modelJson: { modelTopology: unknown; weightsManifest: Array<{ paths?: string[]; weights: unknown[] }> };
  /** The concatenated weights (`weights.bin`). */
  weights: ArrayBuffer;
}

/** The fields of a training `config.json` the pipeline uses. */
export interface NetworkConfig {
  /** 2: runs on axial slices (axis 0) one at a time; 3: on the volume. */
  dim: 2 | 3;
  /**
   * Training patch size. 3D networks trained on patches smaller than 48 (`WHOLE_INPUT_MIN_PATCH`
   * of `@deepigeos/rnet`) see mostly padding in their dilated taps; they run window by
   * window at this size (half overlap, blended), as they were trained. Larger patches, or none
   * (networks trained on whole volumes), run on the whole region at once, depth-streamed.
   */
  patch?: number;
  /** Geodesic λ the R-Net was trained with (default 1). */
  lambda?: number;
  /** Its training augmentation (the CLI writes it): `testTimeFlips: 'auto'` flips only networks trained on flips. */
  augment?: { enabled?: boolean; flipProbability?: number };
  /** The intensity normalisation it was trained with (the CLI writes it). */
  preprocess?: {
    /** Percentiles each channel was clipped to before the z-score; null or absent: none. */
    clipPercentiles?: readonly number[] | null;
  };
}

/** One trained network: the model, its training config and the optional CRF stage saved in `crf/`. */
export interface TrainedNetworkFiles {
  model: NetworkFiles;
  config: NetworkConfig;
  /** CRF-Net(f) (P-Net) or CRF-Net(fu) (R-Net), saved as a one-layer model. */
  crf?: NetworkFiles;
}

/** The P-Net/R-Net pair the pipeline runs. */
export interface PipelineNetworks {
  pnet: TrainedNetworkFiles;
  rnet: TrainedNetworkFiles;
}

/** A `[D, H, W]` volume, channels-last, normalised as the networks expect (see `zScoreNonZero`) unless `normalize` is set. */
export interface PipelineVolume {
  data: Float32Array;
  shape: [number, number, number];
  /** Voxel spacing `[sz, sy, sx]` in mm. */
  spacing: [number, number, number];
  /** Image channels per voxel. */
  channels: number;
  /**
   * `true`: `data` holds raw intensities and the pipeline applies `zScoreNonZero` itself, with the
   * clipping P-Net was trained with — in the worker, so a page spends no time on it (0.1 s for
   * four channels of 240×240×155). Default false: `data` is already normalised.
   */
  normalize?: boolean;
}

/** What to segment: the whole volume or a box. */
export interface SegmentRequest {
  /** Box to segment (voxels outside get probability 0); default the whole volume. */
  roi?: Roi;
}

/** A refinement of the latest result with every seed so far, computed inside `roi`. */
export interface RefineRequest {
  /**
   * Latest foreground probability (or 0/1 mask): over the whole volume, or over `roi` only
   * (`roi`'s voxel count, in the volume's order; the result then covers `roi` only too).
   */
  probability: Float32Array;
  /** Foreground seed mask, over the same extent as `probability`. */
  fg: Uint8Array;
  /** Background seed mask, over the same extent as `probability`. */
  bg: Uint8Array;
  /** Region refined; outside it the result keeps `probability`. Seeds outside it are ignored. */
  roi: Roi;
}

/** A pipeline answer: over the whole volume, or over the ROI of a refinement given ROI-sized arrays. */
export interface PipelineResult {
  /** Foreground probability (seeded voxels exactly 1 / 0 after a refinement). */
  probability: Float32Array;
  /** Probability above 0.5. */
  mask: Uint8Array;
  /** Milliseconds per stage (`pnet`, `crfF`, `encode`, `rnet`, `crfFU`, `total`). */
  timings: Record<string, number>;
}

/** Progress of a running job: a readable stage name and the steps of that stage done so far. */
export interface PipelineProgress {
  /** E.g. 'P-Net', 'CRF-Net(f)', 'geodesic distance maps', 'R-Net', 'CRF-Net(fu)'. */
  stage: string;
  done: number;
  total: number;
}

/** Backend options of the worker. */
export interface PipelineBackendOptions {
  /** tfjs backend to use (default: `initBackend`'s order: wasm, then cpu). */
  backend?: string;
  /** URLs of the tfjs wasm binaries (see `initBackend`); bundlers give them with `?url` imports. */
  wasmPaths?: Record<string, string>;
  /**
   * Test-time flips averaged into P-Net's and R-Net's logits (see `testTimeFlipAxes` and
   * `flipEnsemble`): `'auto'` flips both axes of 2D networks trained on flips (4 passes), none of
   * 3D ones; `'flip'` every axis; `'none'` (default) runs each network once.
   */
  testTimeFlips?: TestTimeFlips;
}

/** What the worker answers once the networks are loaded. */
export interface PipelineInfo {
  /** tfjs backend in use. */
  backend: string;
  /** Image channels the networks take. */
  channels: number;
  /** 2 (slice by slice) or 3. */
  dim: 2 | 3;
  /** E.g. '3D P-Net + R-Net + CRF-Net(f) + CRF-Net(fu)'. */
  description: string;
  /** Pass to `zScoreNonZero` when preparing the volume: the clipping P-Net was trained with. */
  clipPercentiles: readonly number[] | null;
}

/** Messages to the worker. */
export type WorkerRequest =
  | { id: number; kind: 'init'; networks: PipelineNetworks; options: PipelineBackendOptions }
  | { id: number; kind: 'volume'; volume: PipelineVolume }
  | { id: number; kind: 'segment'; request: SegmentRequest }
  | { id: number; kind: 'refine'; request: RefineRequest };

/** Messages from the worker. */
export type WorkerReply =
  | { id: number; kind: 'progress'; progress: PipelineProgress }
  | { id: number; kind: 'done'; value: unknown }
  | { id: number; kind: 'error'; name: string; message: string };
