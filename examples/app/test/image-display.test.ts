// The array type the viewer is given: the narrowest that holds every channel's values exactly.
import { describe, expect, it } from 'vitest';
import { displayArrayType } from '../src/image.js';

const f32 = (...values: number[]) => Float32Array.from(values);

describe('displayArrayType', () => {
  it('picks uint8, int16 or float32 from the values of all channels', async () => {
    expect(await displayArrayType([f32(0, 1, 255)])).toBe(Uint8Array);
    expect(await displayArrayType([f32(0, 1, 255), f32(256)])).toBe(Int16Array);
    expect(await displayArrayType([f32(-1, 3)])).toBe(Int16Array);
    expect(await displayArrayType([f32(-32768, 32767)])).toBe(Int16Array);
    expect(await displayArrayType([f32(0, 32768)])).toBe(Float32Array);
    expect(await displayArrayType([f32(-32769)])).toBe(Float32Array);
    expect(await displayArrayType([f32(0, 3e9)])).toBe(Float32Array);
  });

  it('keeps float32 for fractions, NaN and infinities', async () => {
    for (const odd of [0.5, -0.25, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(await displayArrayType([f32(1, 2), f32(3, odd)])).toBe(Float32Array);
    }
  });

  it('converts without changing a value', async () => {
    const values = f32(0, -7, 300, 32767, -32768);
    const Type = await displayArrayType([values]);
    expect(Array.from(new Type(values))).toEqual(Array.from(values));
  });
});
