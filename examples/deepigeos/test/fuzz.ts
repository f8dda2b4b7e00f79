// Fixed-seed fuzzing helpers: the suite runs a few hundred rounds; bench/fuzz.mjs reruns the
// fuzz tests with FUZZ_ROUNDS and FUZZ_SEED set for a long run.
export { fuzzRounds, fuzzSeed, fuzzTimeout, fuzzRandom } from '../../../scripts/fuzz-params.mjs';

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

