// The package's Dropout: inverted dropout with tfjs-layers' config and class name, its mask drawn
// by a small generator. Checked against the definition (values 0 or x / keep, the kept fraction
// within binomial bounds, independent neighbours, a new mask per call, the identity in
// inference), its gradient (the mask itself), noiseShape broadcasting, and that models save and
// load with it under the name 'Dropout', on the cpu and wasm backends.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { ArgumentError } from '../src/errors.js';
import { Dropout } from '../src/layers/dropout.js';
import { createPNet2D } from '../src/models/pnet.js';

/** Output of one training call on an all-ones input: the mask itself. */
function trainingMask(layer: Dropout, shape: number[]): Float32Array {
  return tf.tidy(() => (layer.apply(tf.ones(shape), { training: true }) as tf.Tensor).dataSync() as Float32Array);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`Dropout (${backend})`, () => {
    it('keeps each value with probability 1 − rate, scaled by 1 / (1 − rate); neighbours independent; a new mask per call', async () => {
      await initBackend(backend);
      for (const rate of [0.2, 0.5, 0.9]) {
        const keep = Math.round((1 - rate) * 65536) / 65536;
        const layer = new Dropout({ rate });
        const n = 200_001; // odd: the last value is drawn on its own
        const a = trainingMask(layer, [n]);
        const b = trainingMask(layer, [n]);
        let kept = 0;
        let both = 0;
        let same = 0;
        let other = 0;
        for (let i = 0; i < n; i++) {
          if (a[i] !== 0 && Math.abs(a[i]! - 1 / keep) > 1e-6) other++;
          if (a[i] !== 0) kept++;
          if (i > 0 && a[i] !== 0 && a[i - 1] !== 0) both++;
          if ((a[i] !== 0) === (b[i] !== 0)) same++;
        }
        expect(other).toBe(0);
        // Five standard deviations of a binomial count.
        const sd = Math.sqrt(n * keep * (1 - keep));
        expect(Math.abs(kept - n * keep)).toBeLessThan(5 * sd);
        // Adjacent pairs (the two 16-bit halves of one draw included) kept together ≈ keep².
        expect(Math.abs(both - (n - 1) * keep * keep)).toBeLessThan(5 * Math.sqrt(n) );
        // Two calls agree on a value with probability keep² + rate², not always.
        expect(Math.abs(same - n * (keep * keep + rate * rate))).toBeLessThan(5 * Math.sqrt(n));
        layer.dispose();
      }
    });

    it('is the identity in inference and for rates 0 and 1; the gradient in training is the mask', async () => {
      await initBackend(backend);
      const x = tf.randomNormal([3, 5, 7, 4], 0, 1, 'float32', 1);
      for (const rate of [0, 0.3, 1]) {
        const layer = new Dropout({ rate });
        const y = layer.apply(x) as tf.Tensor;
        expect(y.dataSync()).toEqual(x.dataSync());
        if (rate !== 0.3) expect((layer.apply(x, { training: true }) as tf.Tensor).dataSync()).toEqual(x.dataSync());
      }
      const layer = new Dropout({ rate: 0.3, seed: 7 });
      const twin = new Dropout({ rate: 0.3, seed: 7 });
      const mask = trainingMask(twin, [3, 5, 7, 4]);
      const grad = tf.grad((input: tf.Tensor) => tf.sum(layer.apply(input, { training: true }) as tf.Tensor))(x);
      expect(grad.dataSync()).toEqual(mask);
      // A broadcast mask: the gradient is the mask broadcast to the input's shape.
      const spread = { rate: 0.3, seed: 8, noiseShape: [null, 1, 1, null] };
      const spreadMask = trainingMask(new Dropout(spread), [3, 5, 7, 4]);
      const spreadGrad = tf.grad((input: tf.Tensor) => tf.sum(new Dropout(spread).apply(input, { training: true }) as tf.Tensor))(x);
      expect(spreadGrad.shape).toEqual(x.shape);
      expect(spreadGrad.dataSync()).toEqual(spreadMask);
      // A mask that would broadcast the input to another shape is refused, naming both shapes.
      const wrong = new Dropout({ rate: 0.3, noiseShape: [null, 4, null, null] });
      expect(() => wrong.apply(x, { training: true })).toThrow(ArgumentError);
      expect(() => wrong.apply(x, { training: true })).toThrow(/noiseShape \[null, 4, null, null\].*\[3, 5, 7, 4\]/);
      expect(() => new Dropout({ rate: 0.3, noiseShape: [null, 1] }).apply(x, { training: true })).toThrow(ArgumentError);
    });

    it('seeds give reproducible streams; noiseShape broadcasts one mask over null-free axes', async () => {
      await initBackend(backend);
      const first = trainingMask(new Dropout({ rate: 0.5, seed: 42 }), [1000]);
      expect(trainingMask(new Dropout({ rate: 0.5, seed: 42 }), [1000])).toEqual(first);
      expect(trainingMask(new Dropout({ rate: 0.5, seed: 43 }), [1000])).not.toEqual(first);
      const layer = new Dropout({ rate: 0.5, noiseShape: [null, 1, 1, null] });
      const out = trainingMask(layer, [2, 3, 4, 5]);
      for (let n = 0; n < 2; n++) {
        for (let c = 0; c < 5; c++) {
          const at = (y: number, x: number) => out[((n * 3 + y) * 4 + x) * 5 + c];
          for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) expect(at(y, x)).toBe(at(0, 0));
        }
      }
    });

    it("saves as tfjs-layers' 'Dropout' with the same config and loads back as this class", async () => {
      await initBackend(backend);
      const model = createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4, dropout: 0.25 });
      const json = model.toJSON(null, false) as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
      const dropouts = json.config.layers.filter((l) => l.class_name === 'Dropout');
      expect(dropouts).toHaveLength(2);
      expect(dropouts[0]!.config['rate']).toBe(0.25);
      expect('seed' in dropouts[0]!.config).toBe(false);
      const loaded = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json, weightSpecs: [], weightData: new ArrayBuffer(0) }), { strict: false });
      const layers = loaded.layers.filter((l) => l.getClassName() === 'Dropout');
      expect(layers.map((l) => l instanceof Dropout)).toEqual([true, true]);
      expect(layers.map((l) => (l as Dropout).rate)).toEqual([0.25, 0.25]);
    });
  });
}

describe('Dropout masks across backends', () => {
  it('the WebAssembly generator (wasm backend) and the TypeScript one (cpu) draw the same mask for a seed, odd lengths included', async () => {
    const shape = [3, 7, 11, 5];
    await initBackend('cpu');
    const cpu = trainingMask(new Dropout({ rate: 0.35, seed: 123 }), shape);
    await initBackend('wasm');
    expect(trainingMask(new Dropout({ rate: 0.35, seed: 123 }), shape)).toEqual(cpu);
    // A one-value mask (all of it the odd tail) keeps with the full generator's probability.
    const layer = new Dropout({ rate: 0.8, seed: 5 });
    let kept = 0;
    for (let i = 0; i < 4000; i++) kept += trainingMask(layer, [1])[0] !== 0 ? 1 : 0;
    expect(Math.abs(kept - 800)).toBeLessThan(5 * Math.sqrt(4000 * 0.2 * 0.8));
  });
});

describe('Dropout arguments', () => {
  it('rejects a missing or NaN rate with ArgumentError; clamps the rate to [0, 1] like tfjs-layers', () => {
    expect(() => new Dropout({} as { rate: number })).toThrow(ArgumentError);
    expect(() => new Dropout({ rate: Number.NaN })).toThrow(/rate must be a number/);
    expect(new Dropout({ rate: 1.5 }).rate).toBe(1);
    expect(new Dropout({ rate: -1 }).rate).toBe(0);
  });
});
