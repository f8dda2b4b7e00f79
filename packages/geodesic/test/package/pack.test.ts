// The npm tarball installs into an empty project and works there: native by default,
// WASM when forced or when the addon is missing (as on a platform without a prebuild).
import { expect, it } from 'vitest';
import { packInstallRun } from '../../../../scripts/pack-smoke.mjs';

const script = `
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
const probe = \`
  import { ready, backend, geodesicDistance, seedsFromPoints } from '@deepigeos/geodesic';
  try {
    await ready();
    const seeds = seedsFromPoints([3, 5], [[1, 0]]);
    const d = geodesicDistance(new Float32Array(15), seeds, [3, 5], { lambda: 0, method: 'exact' });
    console.log(JSON.stringify({ backend: backend(), d: d[9] }));
  } catch (e) { console.log(JSON.stringify({ error: e.name + ': ' + e.message.split('\\\\n')[0] })); }
\`;
const run = (env) => JSON.parse(execFileSync('node', ['--input-type=module', '-e', probe], { env: { ...process.env, ...env }, encoding: 'utf8' }));
const pkg = 'node_modules/@deepigeos/geodesic';
const files = readdirSync(pkg).sort();
const results = { files, auto: run({}), wasm: run({ DEEPIGEOS_GEODESIC_BACKEND: 'wasm' }) };
rmSync(pkg + '/prebuilds', { recursive: true });
results.noAddon = run({});
results.noAddonForced = run({ DEEPIGEOS_GEODESIC_BACKEND: 'native' });
console.log(JSON.stringify(results));
`;

it('npm pack installs, imports and computes (native, wasm, fallback)', () => {
  const out = packInstallRun({ packageDir: 'packages/geodesic', script });
  const r = JSON.parse(out.trim().split('\n').pop()!);
  expect(r.files).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'dist', 'package.json', 'prebuilds', 'wasm']);
  expect(r.auto).toEqual({ backend: 'native', d: 4 });
  expect(r.wasm).toEqual({ backend: 'wasm', d: 4 });
  expect(r.noAddon).toEqual({ backend: 'wasm', d: 4 });
  expect(r.noAddonForced.error).toMatch(/^GeodesicBackendError: native geodesic addon could not be loaded/);
});
