// Fixed-seed fuzzing helpers. The suite runs a few hundred rounds; bench/fuzz.mjs reruns the
// same tests with FUZZ_ROUNDS and FUZZ_SEED set for a long run.
export { fuzzRounds, fuzzSeed, fuzzTimeout, fuzzRandom } from '../../../scripts/fuzz-params.mjs';

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

