// The C++ core's own unit tests, compiled with AddressSanitizer + UBSan (needs g++).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('C++ core unit tests pass under AddressSanitizer and UBSan', () => {
  const script = fileURLToPath(new URL('../../scripts/asan-test.sh', import.meta.url));
  const out = execFileSync('sh', [script], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' } });
  expect(out).toContain('core tests passed');
});
