// Runs the deepigeos CLI in-process for tests, capturing what it writes to stdout and stderr.
import { vi } from 'vitest';
import { main } from '../src/cli/main.js';

/** The exit code, captured output and wall time (ms) of `deepigeos ...argv`. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  const t0 = performance.now();
  try {
    const code = await main(argv);
    return { code, out, err, ms: performance.now() - t0 };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
