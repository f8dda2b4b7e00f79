// Parameters of the suite's fixed-seed fuzz tests, shared by every package: a few hundred rounds
// in `npm test`; `bench/fuzz.mjs` (scripts/fuzz.mjs) reruns the same tests with FUZZ_ROUNDS and
// FUZZ_SEED set for a long run.
import { createRng } from '@deepigeos/core';

/** Rounds per fuzz test: FUZZ_ROUNDS, else `fast`. */
export function fuzzRounds(fast) {
  const n = Number(process.env['FUZZ_ROUNDS']);
  return Number.isInteger(n) && n > 0 ? n : fast;
}

/** Seed of the fuzz generator: FUZZ_SEED, else the fixed one given, so failures reproduce. */
export function fuzzSeed(fixed) {
  const n = Number(process.env['FUZZ_SEED']);
  return Number.isInteger(n) ? n : fixed;
}

/** Uniform [0, 1) draws for a fuzz seed: the raw mulberry32 stream of the shared generator. */
export function fuzzRandom(seed) {
  return createRng(0, seed >>> 0).next;
}

/** Per-test timeout: an hour for long runs, a minute in the suite. */
export function fuzzTimeout() {
  return process.env['FUZZ_ROUNDS'] ? 3_600_000 : 60_000;
}
