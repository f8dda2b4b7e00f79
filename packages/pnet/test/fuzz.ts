// Fixed-seed fuzzing helpers. The suite runs a few hundred rounds; bench/fuzz.mjs reruns the
// same tests with FUZZ_ROUNDS and FUZZ_SEED set for a long run.

/** Rounds per fuzz test: FUZZ_ROUNDS, else `fast`. */
export function fuzzRounds(fast: number): number {
  const n = Number(process.env['FUZZ_ROUNDS']);
  return Number.isInteger(n) && n > 0 ? n : fast;
}

/** Seed of the fuzz PRNG: FUZZ_SEED, else a fixed one, so failures reproduce. */
export function fuzzSeed(fixed: number): number {
  const n = Number(process.env['FUZZ_SEED']);
  return Number.isInteger(n) ? n : fixed;
}

/** mulberry32: a small deterministic PRNG in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A copy of `bytes` truncated, or with 1–6 bytes overwritten (most edits within the first `head` bytes). */
export function mutateBytes(bytes: Uint8Array, rand: () => number, head = bytes.length): Uint8Array {
  if (rand() < 0.15) return bytes.slice(0, Math.floor(rand() * bytes.length));
  const out = bytes.slice();
  const edits = 1 + Math.floor(rand() * 6);
  for (let e = 0; e < edits; e++) {
    const pos = Math.floor(rand() * (rand() < 0.8 ? Math.min(head, out.length) : out.length));
    out[pos] = rand() < 0.3 ? [0x00, 0xff, 0x7f, 0x80, 0x2d, 0x22, 0x5b][Math.floor(rand() * 7)]! : Math.floor(rand() * 256);
  }
  return out;
}

/** Test timeout for a fuzz test: 60 s in the suite, an hour for a long FUZZ_ROUNDS run. */
export function fuzzTimeout(): number {
  return process.env['FUZZ_ROUNDS'] ? 3_600_000 : 60_000;
}
