// Independent references for the tests and the benchmark baseline: straightforward TypeScript
// transcriptions, voxel by voxel, of the raster scan (GeodisTK 0.1.7 lists) and of Dijkstra.
// `f32` mode rounds every operation to float32 (Math.fround) like the C++ core, so results can
// be compared bit for bit; `f64` mode is plain double arithmetic.

/** GeodisTK 0.1.7's 3D forward neighbour list (dd, dh, dw); backward is the negation. */
export const GEODISTK_FORWARD: readonly (readonly [number, number, number])[] = [
  [-1, -1, -1],
  [-1, -1, 0],
  [-1, -1, 1],
  [-1, 0, -1],
  [-1, 0, 0],
  [0, -1, -1],
  [0, -1, 0],
  [0, -1, 1],
  [0, 0, -1],
  [1, -1, -1],
  [1, -1, 0],
  [1, -1, 1],
  [1, 0, -1],
];

/** The causal half of the 26-neighbourhood in (d, h, w) scan order. */
export const CAUSAL_FORWARD: readonly (readonly [number, number, number])[] = (() => {
  const list: [number, number, number][] = [];
  for (let dd = -1; dd <= 1; dd++)
    for (let dh = -1; dh <= 1; dh++)
      for (let dw = -1; dw <= 1; dw++) if (dd < 0 || (dd === 0 && (dh < 0 || (dh === 0 && dw < 0)))) list.push([dd, dh, dw]);
  return list;
})();

export interface RefInput {
  image: Float32Array;
  seeds: Uint8Array;
  /** [D, H, W] */
  dims: readonly [number, number, number];
  channels?: number;
  /** [sd, sh, sw] */
  spacing?: readonly [number, number, number];
  lambda?: number;
}

type Mode = 'f32' | 'f64';

function costModel(input: RefInput, mode: Mode) {
  const r = mode === 'f32' ? Math.fround : (x: number) => x;
  const C = input.channels ?? 1;
  const [sd, sh, sw] = input.spacing ?? [1, 1, 1];
  const lambda = r(input.lambda ?? 1);
  const oneMinus = r(1 - lambda);
  const eps = r(1e-5);
  const img = input.image;
  const localDist = (dd: number, dh: number, dw: number) => r(Math.sqrt(dd * dd * sd * sd + dh * dh * sh * sh + dw * dw * sw * sw));
  const diff = (p: number, q: number): number => {
    if (C === 1) return Math.abs(r(img[p]! - img[q]!));
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const d = r(img[p * C + c]! - img[q * C + c]!);
      sum = r(sum + r(d * d));
    }
    return r(Math.sqrt(sum));
  };
  const step = (p: number, q: number, ld: number): number => {
    const speed = r(oneMinus + r(lambda / r(diff(p, q) + eps)));
    return r(ld / speed);
  };
  return { r, localDist, step };
}

function initialDistances(seeds: Uint8Array): Float64Array {
  const dist = new Float64Array(seeds.length);
  for (let i = 0; i < seeds.length; i++) dist[i] = seeds[i] ? 0 : Number.POSITIVE_INFINITY;
  return dist;
}

/** Raster scan exactly as GeodisTK writes it: per voxel, min over the list, in scan order. */
export function rasterReference(
  input: RefInput,
  iterations = 2,
  forward: readonly (readonly [number, number, number])[] = GEODISTK_FORWARD,
  mode: Mode = 'f32',
): Float64Array {
  const [D, H, W] = input.dims;
  const { r, localDist, step } = costModel(input, mode);
  const dist = initialDistances(input.seeds);
  const ld = forward.map(([a, b, c]) => localDist(a, b, c));
  const visit = (d: number, h: number, w: number, sign: number) => {
    const p = (d * H + h) * W + w;
    let best = dist[p]!;
    for (let i = 0; i < forward.length; i++) {
      const [a, b, c] = forward[i]!;
      const nd = d + sign * a;
      const nh = h + sign * b;
      const nw = w + sign * c;
      if (nd < 0 || nd >= D || nh < 0 || nh >= H || nw < 0 || nw >= W) continue;
      const q = (nd * H + nh) * W + nw;
      const cand = r(dist[q]! + step(p, q, ld[i]!));
      if (cand < best) best = cand;
    }
    dist[p] = best;
  };
  for (let it = 0; it < iterations; it++) {
    for (let d = 0; d < D; d++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) visit(d, h, w, 1);
    for (let d = D - 1; d >= 0; d--) for (let h = H - 1; h >= 0; h--) for (let w = W - 1; w >= 0; w--) visit(d, h, w, -1);
  }
  return dist;
}

/** Textbook Dijkstra (binary heap, lazy deletion) on the 8/26-neighbour graph. */
export function dijkstraReference(input: RefInput, mode: Mode = 'f64'): Float64Array {
  const [D, H, W] = input.dims;
  const { r, localDist, step } = costModel(input, mode);
  const dist = initialDistances(input.seeds);
  const heap: [number, number][] = [];
  const push = (item: [number, number]) => {
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]![0] <= heap[i]![0]) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  };
  const pop = (): [number, number] => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const a = 2 * i + 1;
        const b = a + 1;
        let m = i;
        if (a < heap.length && heap[a]![0] < heap[m]![0]) m = a;
        if (b < heap.length && heap[b]![0] < heap[m]![0]) m = b;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  };
  for (let i = 0; i < dist.length; i++) if (dist[i] === 0) push([0, i]);
  while (heap.length > 0) {
    const [du, u] = pop();
    if (du > dist[u]!) continue;
    const d = Math.floor(u / (H * W));
    const h = Math.floor(u / W) % H;
    const w = u % W;
    for (let a = -1; a <= 1; a++)
      for (let b = -1; b <= 1; b++)
        for (let c = -1; c <= 1; c++) {
          if (a === 0 && b === 0 && c === 0) continue;
          const nd = d + a;
          const nh = h + b;
          const nw = w + c;
          if (nd < 0 || nd >= D || nh < 0 || nh >= H || nw < 0 || nw >= W) continue;
          const q = (nd * H + nh) * W + nw;
          const cand = r(du + step(u, q, localDist(a, b, c)));
          if (cand < dist[q]!) {
            dist[q] = cand;
            push([cand, q]);
          }
        }
  }
  return dist;
}

/** Deterministic pseudo-random numbers (mulberry32) for reproducible test images. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
