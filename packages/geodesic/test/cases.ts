// Test inputs shared by the per-backend suite and the native/WASM parity test.
import type { GeodesicOptions, Shape } from '../src/types.js';
import { random } from './reference.js';

export interface Case {
  name: string;
  shape: Shape;
  image: Float32Array;
  seeds: Uint8Array;
  options: GeodesicOptions;
}

function voxels(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Random image with a few smooth "organs" so geodesics bend (values 0..100). */
function makeImage(shape: Shape, channels: number, seed: number): Float32Array {
  const rand = random(seed);
  const n = voxels(shape);
  const img = new Float32Array(n * channels);
  for (let i = 0; i < n * channels; i++) img[i] = (i % 7 < 3 ? 80 : 20) * rand() + 10 * rand();
  return img;
}

function makeSeeds(shape: Shape, at: number[]): Uint8Array {
  const s = new Uint8Array(voxels(shape));
  for (const i of at) s[i] = 1;
  return s;
}

function build(name: string, shape: Shape, seedAt: number[], options: GeodesicOptions = {}, seed = 1): Case {
  const channels = options.channels ?? 1;
  return { name, shape, image: makeImage(shape, channels, seed), seeds: makeSeeds(shape, seedAt), options };
}

/** Every case the suites run, covering 2D/3D, spacing, λ, channels, borders and degenerate shapes. */
export function allCases(): Case[] {
  const cases: Case[] = [
    build('2D 17×23 centre seed', [17, 23], [8 * 23 + 11]),
    build('2D 12×9 border seeds', [12, 9], [0, 8, 11 * 9 + 4]),
    build('2D anisotropic spacing', [11, 14], [5 * 14 + 3], { spacing: [2.5, 0.6] }, 2),
    build('2D lambda 0', [10, 13], [7], { lambda: 0 }, 3),
    build('2D lambda 0.35', [10, 13], [60], { lambda: 0.35 }, 4),
    build('2D three channels', [9, 12], [50], { channels: 3 }, 5),
    build('2D iterations 5', [15, 15], [112], { iterations: 5 }, 6),
    build('3D 6×7×8 centre seed', [6, 7, 8], [3 * 56 + 3 * 8 + 4]),
    build('3D 5×9×7 corner seeds', [5, 9, 7], [0, 5 * 63 - 1], {}, 7),
    build('3D anisotropic spacing', [5, 6, 7], [100], { spacing: [3, 1.2, 0.8] }, 8),
    build('3D lambda 0', [6, 6, 6], [0], { lambda: 0 }, 9),
    // λ = 0 'exact' runs label-correcting sweeps finished by Dijkstra: anisotropic, several seeds.
    build('3D lambda 0 anisotropic, 3 seeds', [9, 11, 13], [0, 600, 1286], { lambda: 0, spacing: [2.5, 1, 0.7] }, 17),
    build('2D lambda 0 two channels, 2 seeds', [21, 17], [30, 300], { lambda: 0, channels: 2, spacing: [0.9, 1.3] }, 18),
    build('3D two channels lambda 0.7', [4, 5, 6], [37], { channels: 2, lambda: 0.7 }, 10),
    build('3D iterations 1', [4, 6, 5], [60], { iterations: 1 }, 11),
    build('1-voxel-thick depth [1, 8, 9]', [1, 8, 9], [40], {}, 12),
    build('1-voxel-thick row [1, 1, 15]', [1, 1, 15], [3], {}, 13),
    build('1-voxel-thick column [9, 1, 1]', [9, 1, 1], [8], {}, 14),
    build('3D thin [7, 1, 6]', [7, 1, 6], [20], {}, 15),
    build('2D single row [1, 12]', [1, 12], [11], {}, 16),
    build('single voxel seeded', [1, 1], [0]),
    build('no seeds', [6, 7], []),
    build('no seeds 3D', [3, 4, 5], []),
  ];
  const all = build('all seeds', [5, 6], []);
  all.seeds.fill(1);
  cases.push(all);
  return cases;
}
