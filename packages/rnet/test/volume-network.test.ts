import { closePredictWorkers, createPNet2D, createPNet3D, initBackend } from '@deepigeos/pnet';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShapeError } from '../src/errors.js';
import { volumeNetwork } from '../src/network.js';
import { createRNet3D } from '../src/rnet.js';
import { InteractiveSession } from '../src/session.js';
import { blobCase } from './helpers/synthetic.js';
import { seedWeights } from './helpers/train.js';

beforeAll(async () => {
  await initBackend();
});
afterAll(async () => {
  await closePredictWorkers();
});

/** Largest absolute difference between two tensors' values. */
async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [(await a.data()) as Float32Array, (await b.data()) as Float32Array];
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
}

describe('volumeNetwork', () => {
  it('equals model.predict for 2D windows and 3D depth streaming, on the main thread and on 2 workers', async () => {
    const net2d = seedWeights(createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4, dropout: 0 }), 3);
    const x2d = tf.randomNormal([1, 40, 36, 1], 0, 1, 'float32', 5);
    const direct2d = net2d.predict(x2d) as tf.Tensor;
    expect(await maxDiff(await volumeNetwork(net2d, { patchSize: [16, 16] }).predict(x2d), direct2d)).toBeLessThan(1e-4);

    const net3d = seedWeights(createPNet3D({ inputChannels: 4, numClasses: 2, channels: 4, compressChannels: 2, dropout: 0 }), 4);
    const x3d = tf.randomNormal([1, 12, 20, 18, 4], 0, 1, 'float32', 6);
    const direct3d = net3d.predict(x3d) as tf.Tensor;
    for (const workers of [1, 2]) {
      const out = await volumeNetwork(net3d, { workers, patchSize: [4, 20, 18] }).predict(x3d);
      expect(await maxDiff(out, direct3d)).toBeLessThan(1e-4);
      out.dispose();
    }
    tf.dispose([x2d, direct2d, x3d, direct3d]);
  }, 120_000);

  it('drives an InteractiveSession as R-Net, with the same result as the model itself', async () => {
    const c = blobCase(21, [8, 16, 16], { blobs: 1, minRadius: 3, maxRadius: 5 });
    const pnet = seedWeights(createPNet3D({ inputChannels: 1, numClasses: 2, channels: 4, compressChannels: 2, dropout: 0 }), 7);
    const rnet = seedWeights(createRNet3D({ imageChannels: 1, channels: 4, compressChannels: 2, dropout: 0 }), 8);
    const refine = async (network: Parameters<typeof volumeNetwork>[0] | ReturnType<typeof volumeNetwork>) => {
      const session = new InteractiveSession({ pnet, rnet: network });
      await session.segment({ data: c.image, shape: c.shape });
      await session.addSeeds('fg', [[4, 8, 8]]);
      return (await session.refine()).probability;
    };
    const viaVolume = await refine(volumeNetwork(rnet, { workers: 2 }));
    const direct = await refine(rnet);
    expect(viaVolume.reduce((m, v, i) => Math.max(m, Math.abs(v - direct[i]!)), 0)).toBeLessThan(1e-5);
  }, 120_000);

  it('rejects a batch of more than one', async () => {
    const net = createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4 });
    const x = tf.zeros([2, 8, 8, 1]);
    await expect(volumeNetwork(net).predict(x)).rejects.toThrow(ShapeError);
    x.dispose();
  });
});
