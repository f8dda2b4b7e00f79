// Long fuzz run shared by the packages' bench/fuzz.mjs: reruns the suite's fixed-seed fuzz tests
// (vitest, in the calling package's folder) with FUZZ_ROUNDS rounds per test (default 50000) and
// a fresh FUZZ_SEED, printed so that a failure reproduces with FUZZ_SEED=<seed>.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';

/** Runs `vitest run ...args` with the long-run environment; returns the exit status. */
export function runFuzz(args) {
  const { FUZZ_ROUNDS: rounds = '50000', FUZZ_SEED: seed = String(Date.now() % 2 ** 31) } = process.env;
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  process.stdout.write(`fuzz: ${rounds} rounds per test, FUZZ_SEED=${seed}, load average ${load}\n`);
  const started = Date.now();
  const r = spawnSync('npx', ['vitest', 'run', ...args], { stdio: 'inherit', env: { ...process.env, FUZZ_ROUNDS: rounds, FUZZ_SEED: seed } });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(`fuzz: ${r.status === 0 ? 'only typed errors, no hang' : 'FAILED'} in ${seconds} s (FUZZ_SEED=${seed})\n`);
  return r.status ?? 1;
}
