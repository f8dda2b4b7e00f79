// Fixed-seed fuzzing of the CLI's untrusted JSON inputs (seeds files, config files): only typed
// errors (UsageError, ConfigError), no hang. bench/fuzz.mjs reruns it with FUZZ_ROUNDS/FUZZ_SEED.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSeeds } from '../src/pipeline/user-files.js';
import { loadConfigFile } from '../src/config.js';
import { ConfigError, UsageError } from '../src/errors.js';
import { TRAIN_PNET_SCHEMA } from '../src/train/schema.js';
import { fuzzRounds, fuzzSeed, fuzzTimeout, fuzzRandom, mutateText } from './fuzz.js';

const work = mkdtempSync(join(tmpdir(), 'deepigeos-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `parse` on mutations of `valid`; every failure must be one of `typed`. Returns the failures. */
async function fuzz(valid: string, file: string, parse: () => unknown, typed: (e: unknown) => boolean, seed: number): Promise<number> {
  const rand = fuzzRandom(fuzzSeed(seed));
  let failures = 0;
  for (let round = 0; round < fuzzRounds(400); round++) {
    writeFileSync(file, mutateText(valid, rand));
    try {
      await parse();
    } catch (e) {
      if (!typed(e)) throw new Error(`round ${round}: ${String(e)} is not a typed error`);
      failures++;
    }
  }
  return failures;
}

describe('fuzzing the CLI JSON inputs', () => {
  it('seeds files: UsageError or masks inside the image', async () => {
    const file = join(work, 'seeds.json');
    const valid = JSON.stringify({ fg: [[1, 2, 3], [4, 5, 0]], bg: [[0, 0, 1]] });
    const failures = await fuzz(valid, file, () => readSeeds(file, [8, 8, 4]), (e) => e instanceof UsageError, 11);
    expect(failures).toBeGreaterThan(50);
  }, fuzzTimeout());

  it('config files: ConfigError or a validated config', async () => {
    const file = join(work, 'config.json');
    const valid = JSON.stringify({ dim: 2, epochs: 3, patch: 32, channels: 8, batch: 2, learningRate: 0.001, data: { format: 'glob', images: 'a/*.nii.gz', labels: 'b/*.nii.gz' } });
    const failures = await fuzz(valid, file, () => loadConfigFile(file, TRAIN_PNET_SCHEMA), (e) => e instanceof ConfigError, 12);
    expect(failures).toBeGreaterThan(50);
  }, fuzzTimeout());
});
