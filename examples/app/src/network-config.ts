// The part of a training config.json (written by `deepigeos train-pnet` / `train-rnet`) that the
// pipeline worker reads, for the bundled networks and for networks picked by the user alike.
import type { NetworkConfig } from '@deepigeos/rnet/worker';

/** A parsed config.json: `dim` checked by the caller, the other fields as written. */
export interface TrainingConfigFile {
  dim: 2 | 3;
  patch?: unknown;
  lambda?: number;
  preprocess?: { clipPercentiles?: unknown };
  augment?: { enabled?: unknown; flipProbability?: unknown };
}

/**
 * What the pipeline needs of a training config: dimension, patch size, geodesic λ (default 1),
 * the intensity clipping the network was trained with (its input is normalised the same way) and
 * whether it was trained on flips (test-time flips are averaged only then).
 */
export function pipelineConfig(config: TrainingConfigFile): NetworkConfig {
  const { dim, patch, lambda, preprocess, augment } = config;
  const clip = preprocess?.clipPercentiles;
  const flips = {
    ...(typeof augment?.enabled === 'boolean' ? { enabled: augment.enabled } : {}),
    ...(typeof augment?.flipProbability === 'number' ? { flipProbability: augment.flipProbability } : {}),
  };
  return {
    dim,
    ...(typeof patch === 'number' && patch > 0 ? { patch } : {}),
    lambda: lambda ?? 1,
    ...(clip === null || (Array.isArray(clip) && clip.every((v) => typeof v === 'number')) ? { preprocess: { clipPercentiles: clip as number[] | null } } : {}),
    ...(augment ? { augment: flips } : {}),
  };
}
