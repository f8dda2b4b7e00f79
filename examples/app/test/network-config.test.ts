import { describe, expect, it } from 'vitest';
import { pipelineConfig } from '../src/network-config.js';

describe('pipelineConfig: what the pipeline worker reads of a training config.json', () => {
  it('keeps dim, patch, λ, the training clipping and the flip augmentation; drops the rest', () => {
    const written = {
      dim: 2 as const,
      patch: 64,
      lambda: 0.5,
      channels: 32,
      preprocess: { canonical: true, clipPercentiles: [0.5, 99.5] },
      augment: { enabled: true, flipProbability: 0.5, gamma: 0.2 },
    };
    expect(pipelineConfig(written)).toEqual({
      dim: 2,
      patch: 64,
      lambda: 0.5,
      preprocess: { clipPercentiles: [0.5, 99.5] },
      augment: { enabled: true, flipProbability: 0.5 },
    });
  });

  it('λ defaults to 1; no clipping (null) is kept; malformed or absent fields are left out', () => {
    expect(pipelineConfig({ dim: 3, preprocess: { clipPercentiles: null } })).toEqual({ dim: 3, lambda: 1, preprocess: { clipPercentiles: null } });
    expect(pipelineConfig({ dim: 3, patch: 'big', preprocess: { clipPercentiles: ['a'] }, augment: { flipProbability: 'x' } })).toEqual({ dim: 3, lambda: 1, augment: {} });
  });
});
