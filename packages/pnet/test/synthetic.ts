// The synthetic segmentation task of the learning tests: bright blobs on a random linear bias
// field with Gaussian noise. The blob intensity step (1.0) is comparable to the bias range, so a
// global threshold fails and the net has to use local context.

/** Deterministic uniform [0, 1) generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** A batch of `n` images of spatial shape `shape` ([H, W] or [D, H, W]) with 1 channel, and labels. */
export function blobBatch(n: number, shape: number[], rand: () => number): { image: Float32Array; label: Int32Array } {
  const voxels = shape.reduce((a, b) => a * b);
  const image = new Float32Array(n * voxels);
  const label = new Int32Array(n * voxels);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let b = 0; b < n; b++) {
    const slope = shape.map(() => rand() * 1.2 - 0.6);
    const blobs = Array.from({ length: 1 + Math.floor(rand() * 2) }, () => {
      const radius = 2.5 + rand() * (Math.min(...shape) / 5);
      return { radius, centre: shape.map((s) => radius + rand() * (s - 2 * radius)) };
    });
    for (let v = 0; v < voxels; v++) {
      const coord = shape.map((s, i) => Math.floor(v / strides[i]!) % s);
      const inside = blobs.some((blob) => coord.reduce((acc, c, i) => acc + (c - blob.centre[i]!) ** 2, 0) <= blob.radius ** 2);
      const bias = coord.reduce((acc, c, i) => acc + (slope[i]! * c) / shape[i]!, 0);
      image[b * voxels + v] = bias + (inside ? 1 : 0) + 0.2 * gaussian(rand);
      label[b * voxels + v] = inside ? 1 : 0;
    }
  }
  return { image, label };
}
