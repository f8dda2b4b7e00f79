import { describe, expect, it } from 'vitest';
import { packInstallRun } from '../../../scripts/pack-smoke.mjs';

describe('npm pack', () => {
  it('installs in an empty project and runs `deepigeos demo` from the tarball (bundled weights and sample)', () => {
    const out = packInstallRun({
      packageDir: 'examples/deepigeos',
      script: `
        import { execFileSync } from 'node:child_process';
        const bin = 'node_modules/@deepigeos/examples/bin/deepigeos.js';
        const help = execFileSync('node', [bin, '--help'], { encoding: 'utf8' });
        const demo = execFileSync('node', [bin, 'demo', '--out', 'demo-out', '--rounds', '1'], { encoding: 'utf8' });
        console.log(JSON.stringify({ help, demo }));
      `,
    });
    const { help, demo } = JSON.parse(out.trim().split('\n').pop()!);
    expect(help).toContain('train-pnet');
    expect(demo).toMatch(/P-Net\s+Dice [01]\.\d{4}/);
    expect(demo).toMatch(/wrote \d+ masks/);
  }, 180_000);
});
