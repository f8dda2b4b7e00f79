// Long fuzz run of the NIfTI reader (header fields, gzip streams, frames): FUZZ_ROUNDS (default
// 50000) mutated files per test with a fresh seed. Run: npm run bench:fuzz
import { runFuzz } from '../../../scripts/fuzz.mjs';

process.exit(runFuzz(['test/bad-input.test.ts', '-t', 'fuzzing']));
