// The browser entry must bundle without node: modules and decode/encode gzip in Chromium.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasChromium, runInChromium } from '../../../scripts/browser-test.mjs';
import { golden } from './helpers.js';

const entry = join(dirname(fileURLToPath(import.meta.url)), 'browser-entry.ts');

describe.skipIf(!hasChromium())('in Chromium', () => {
  it('reads .nii.gz (multi-member too) and writes gzip through DecompressionStream/CompressionStream', async () => {
    const result = (await runInChromium({ entry, timeoutMs: 90_000 })) as Record<string, unknown>;
    expect(result['userAgent']).toMatch(/Chrome/);
    expect(result['multimember']).toEqual({ dims: golden['multimember.nii.gz']!.dims, weightedSum: golden['multimember.nii.gz']!.weightedSum });
    expect(result['canonicalDims']).toEqual(golden['container-v1.nii.gz']!.canonical.dims);
    expect(result['roundTrip']).toBe(true);
    expect(result['pathError']).toMatch(/in browsers pass bytes/);
  }, 120_000);
});
