/** A source of uniform random numbers in [0, 1), like `Math.random`. */
export type Rng = () => number;

/**
 * Seeded pseudo-random generator (mulberry32: 32-bit state, fast, good enough for sampling
 * seeds). The same `seed` always gives the same sequence, which makes simulated users reproducible.
 */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}
