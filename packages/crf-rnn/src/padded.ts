// A volume padded by the window's half-size on every spatial side: every window neighbour of
// every voxel has an index, and neighbours outside the volume read the zero padding. This lets
// the hot loops visit all K offsets of a voxel without bounds checks.
import { asDhw } from './neighbourhood.js';
import type { WindowOffsets } from './window.js';

/** Geometry of a zero-padded `[D, H, W]` volume (D = 1 in 2D). */
export interface PaddedGeometry {
  /** Unpadded `[D, H, W]`. */
  dhw: [number, number, number];
  /** Padding per side `[pd, ph, pw]`. */
  pad: [number, number, number];
  /** Padded `[D, H, W]`. */
  padded: [number, number, number];
  /** Voxels per padded volume. */
  paddedVoxels: number;
  /** Flat padded-index step to the neighbour at each window offset. */
  delta: Int32Array;
}

/** Padded geometry of a volume of shape `spatial` for `window`. */
export function paddedGeometry(spatial: readonly number[], window: WindowOffsets): PaddedGeometry {
  const dhw = asDhw(spatial);
  const pad: [number, number, number] = [0, 0, 0];
  const { rank, count, offsets } = window;
  for (let k = 0; k < count; k++) {
    for (let a = 0; a < rank; a++) {
      const axis = a + 3 - rank;
      pad[axis] = Math.max(pad[axis], Math.abs(offsets[k * rank + a]!));
    }
  }
  const padded: [number, number, number] = [dhw[0] + 2 * pad[0], dhw[1] + 2 * pad[1], dhw[2] + 2 * pad[2]];
  const delta = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const dz = rank === 3 ? offsets[k * rank]! : 0;
    const dy = offsets[k * rank + rank - 2]!;
    const dx = offsets[k * rank + rank - 1]!;
    delta[k] = (dz * padded[1] + dy) * padded[2] + dx;
  }
  return { dhw, pad, padded, paddedVoxels: padded[0] * padded[1] * padded[2], delta };
}

/**
 * Calls `visit(v, p)` for every voxel in raster order, with `v` its flat index in the unpadded
 * volume and `p` in the padded one.
 */
export function forEachVoxel(g: PaddedGeometry, visit: (v: number, p: number) => void): void {
  const [D, H, W] = g.dhw;
  const [, Hp, Wp] = g.padded;
  let v = 0;
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      let p = ((z + g.pad[0]) * Hp + y + g.pad[1]) * Wp + g.pad[2];
      for (let x = 0; x < W; x++, v++, p++) visit(v, p);
    }
  }
}

/**
 * Calls `visit(v0, p0, width)` for every image row in raster order, with `v0` / `p0` the flat
 * unpadded / padded index of its first voxel: lets hot loops run over a row without a callback
 * per voxel, and block their work by rows.
 */
export function forEachRow(g: PaddedGeometry, visit: (v0: number, p0: number, width: number) => void): void {
  const [D, H, W] = g.dhw;
  const [, Hp, Wp] = g.padded;
  for (let z = 0, v = 0; z < D; z++) {
    for (let y = 0; y < H; y++, v += W) visit(v, ((z + g.pad[0]) * Hp + y + g.pad[1]) * Wp + g.pad[2], W);
  }
}

/** Copies `channels`-interleaved voxel data of one image into a zero-padded array. */
export function padVolume(g: PaddedGeometry, data: Float32Array, offset: number, channels: number): Float32Array {
  const out = new Float32Array(g.paddedVoxels * channels);
  const [D, H, W] = g.dhw;
  const [, Hp, Wp] = g.padded;
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      const src = offset + (z * H + y) * W * channels;
      const dst = (((z + g.pad[0]) * Hp + y + g.pad[1]) * Wp + g.pad[2]) * channels;
      out.set(data.subarray(src, src + W * channels), dst);
    }
  }
  return out;
}
