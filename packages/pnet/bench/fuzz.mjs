// Long fuzz run of the model-file readers (safetensors state dicts, tfjs model.json + weights.bin):
// FUZZ_ROUNDS (default 50000) mutated files per test with a fresh seed. Run: npm run bench:fuzz
import { runFuzz } from '../../../scripts/fuzz.mjs';

process.exit(runFuzz(['test/hardening.test.ts', '-t', 'fuzz']));
