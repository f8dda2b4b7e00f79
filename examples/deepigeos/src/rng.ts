/**
 * A small seeded pseudo-random generator (mulberry32) whose whole state is one 32-bit integer,
 * so training runs can save it in a checkpoint and resume bit for bit.
 * @module
 */

/** Seeded random source used by augmentation, sampling and dataset splits. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Standard normal sample (Box–Muller). */
  normal(): number;
  /** The current internal state; `createRng(0, state)` continues the same sequence. */
  state(): number;
}

/**
 * Creates a generator from a seed, or continues from a saved `state()`.
 * @param seed - any integer; equal seeds give equal sequences
 * @param state - optional saved state that overrides the seed
 */
export function createRng(seed: number, state?: number): Rng {
  // Scramble the seed once so nearby seeds (0, 1, 2) do not start with correlated outputs.
  let s = state !== undefined ? state >>> 0 : Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal: () => {
      const u = 1 - next(); // (0, 1] so log is finite
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    state: () => s,
  };
}
