// The published tarball must install and work in an empty project outside the monorepo.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packInstallRun } from '../../../scripts/pack-smoke.mjs';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('npm pack', () => {
  it('installs offline into an empty project and round-trips a .nii.gz', () => {
    execFileSync('npm', ['run', 'build'], { cwd: packageDir, stdio: 'ignore' });
    const out = packInstallRun({
      packageDir: 'packages/io-nifti',
      script: `
        import { niftiFromVolume, encodeNiftiGzip, readNifti, toCanonical } from '@deepigeos/io-nifti';
        const volume = { data: new Float32Array(24).map((_, i) => i), shape: [2, 3, 4], spacing: [3, 2, 1] };
        const image = niftiFromVolume(volume);
        const back = await readNifti(await encodeNiftiGzip(image));
        console.log(JSON.stringify({ dims: back.dims, sum: back.data.reduce((a, b) => a + b, 0), canonical: toCanonical(back).dims }));
      `,
    });
    expect(JSON.parse(out)).toEqual({ dims: [4, 3, 2], sum: 276, canonical: [4, 3, 2] });
  }, 120_000);
});
