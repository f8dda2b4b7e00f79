/** An axis-aligned box in a `[D, H, W]` grid. */
export interface Box {
  start: number[];
  size: number[];
}

/** Start positions along one axis: stride = patch·(1 − overlap), last patch flush with the end. */
function axisStarts(length: number, patch: number, overlap: number): number[] {
  const stride = Math.max(1, Math.floor(patch * (1 - overlap)));
  const starts: number[] = [];
  for (let s = 0; s + patch < length; s += stride) starts.push(s);
  starts.push(length - patch);
  return [...new Set(starts)];
}

/** Cores covering a `[D, H, W]` volume with patches of `patch` and the given overlap fraction. */
export function patchGrid(volume: number[], patch: number[], overlap: number): Box[] {
  const [sd, sh, sw] = volume.map((v, i) => axisStarts(v, patch[i]!, overlap)) as [number[], number[], number[]];
  const boxes: Box[] = [];
  for (const z of sd) for (const y of sh) for (const x of sw) boxes.push({ start: [z, y, x], size: [...patch] });
  return boxes;
}

/**
 * Blending weights of a core: a linear ramp over `overlap·patch` voxels at each side that has a
 * neighbouring patch (not at the volume border), 1 elsewhere; strictly positive everywhere.
 */
export function blendWeights(core: Box, volume: number[], patch: number[], overlap: number): Float32Array {
  const perAxis = core.size.map((size, axis) => {
    const ramp = Math.floor(patch[axis]! * overlap);
    const w = new Float32Array(size).fill(1);
    if (ramp === 0) return w;
    const atStart = core.start[axis] === 0;
    const atEnd = core.start[axis]! + size === volume[axis];
    for (let i = 0; i < size; i++) {
      let v = 1;
      if (!atStart) v = Math.min(v, (i + 1) / (ramp + 1));
      if (!atEnd) v = Math.min(v, (size - i) / (ramp + 1));
      w[i] = v;
    }
    return w;
  });
  const [wd, wh, ww] = perAxis as [Float32Array, Float32Array, Float32Array];
  const out = new Float32Array(wd.length * wh.length * ww.length);
  let i = 0;
  for (const a of wd) for (const b of wh) for (const c of ww) out[i++] = a * b * c;
  return out;
}

/** Copies a box of a channels-last `[D, H, W, C]` array into a new contiguous array. */
export function copyWindow(data: Float32Array, volume: number[], channels: number, box: Box): Float32Array {
  const [, vh, vw] = volume as [number, number, number];
  const [bd, bh, bw] = box.size as [number, number, number];
  const out = new Float32Array(bd * bh * bw * channels);
  const row = bw * channels;
  for (let z = 0; z < bd; z++) {
    for (let y = 0; y < bh; y++) {
      const src = (((box.start[0]! + z) * vh + box.start[1]! + y) * vw + box.start[2]!) * channels;
      out.set(data.subarray(src, src + row), (z * bh + y) * row);
    }
  }
  return out;
}
