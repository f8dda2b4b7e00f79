// Fixed-seed fuzzing helpers: the suite runs a few hundred rounds; bench/fuzz.mjs reruns the
// fuzz tests with FUZZ_ROUNDS and FUZZ_SEED set for a long run.

/** Rounds per fuzz test: FUZZ_ROUNDS, else `fast`. */
export function fuzzRounds(fast: number): number {
  const n = Number(process.env['FUZZ_ROUNDS']);
  return Number.isInteger(n) && n > 0 ? n : fast;
}

/** Seed of the fuzz PRNG: FUZZ_SEED, else the fixed one given, so failures reproduce. */
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

const TOKENS = ['', '0', '-1', '1e308', '1.5', 'null', 'true', '"x"', '[]', '{}', '[[', ']]', ',', ':', '"', 'NaN', '99999999999'];

/** A copy of JSON text truncated, or with 1–4 characters or JSON tokens replaced or inserted. */
export function mutateText(text: string, rand: () => number): string {
  if (rand() < 0.1) return text.slice(0, Math.floor(rand() * text.length));
  let out = text;
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * out.length);
    const token = rand() < 0.6 ? TOKENS[Math.floor(rand() * TOKENS.length)]! : String.fromCharCode(32 + Math.floor(rand() * 95));
    const cut = rand() < 0.5 ? 1 + Math.floor(rand() * 3) : 0;
    out = out.slice(0, at) + token + out.slice(at + cut);
  }
  return out;
}

/** Test timeout for a fuzz test: 60 s in the suite, an hour for a long FUZZ_ROUNDS run. */
export function fuzzTimeout(): number {
  return process.env['FUZZ_ROUNDS'] ? 3_600_000 : 60_000;
}
