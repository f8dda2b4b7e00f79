/** Rounds per fuzz test: FUZZ_ROUNDS, else `fast`. */
export function fuzzRounds(fast: number): number;
/** Seed of the fuzz generator: FUZZ_SEED, else the fixed one given. */
export function fuzzSeed(fixed: number): number;
/** Uniform [0, 1) draws for a fuzz seed. */
export function fuzzRandom(seed: number): () => number;
/** Per-test timeout in ms. */
export function fuzzTimeout(): number;
