/**
 * The one seeded random source of the `@deepigeos/*` packages (sampling, augmentation, simulated
 * users, CRF pre-training). mulberry32: the whole state is one 32-bit integer, so a training run
 * can save it in a checkpoint and resume bit for bit.
 * @module
 */

/** A seeded random source. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n) for a positive integer `n`. */
  int(n: number): number;
  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Standard normal sample (Box–Muller). */
  normal(): number;
  /** The current state; `createRng(0, state)` continues the same sequence. */
  state(): number;
}

/**
 * Creates a generator from a seed, or continues from a saved {@link Rng.state}.
 *
 * @param seed - any integer; equal seeds give equal sequences on every platform
 * @param state - a saved state that overrides the seed
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * rng.next();
 * const saved = rng.state();
 * const again = createRng(0, saved); // continues exactly where rng is
 * ```
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
    int: (n) => Math.min(n - 1, Math.floor(next() * n)),
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal: () => {
      const u = 1 - next(); // (0, 1] so the log is finite
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    state: () => s,
  };
}
