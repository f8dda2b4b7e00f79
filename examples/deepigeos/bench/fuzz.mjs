// Long fuzz run of the CLI's JSON inputs (seeds files, config files): FUZZ_ROUNDS (default
// 50000) mutated files per test with a fresh seed. Run: npm run bench:fuzz
import { runFuzz } from '../../../scripts/fuzz.mjs';

process.exit(runFuzz(['test/fuzz.test.ts']));
