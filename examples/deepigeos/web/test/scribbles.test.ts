import { describe, expect, it } from 'vitest';
import { ViewerInputError } from '../src/errors.js';
import { ScribbleVolume, SeedLabel } from '../src/scribbles.js';
import { sliceToVoxel, type VolumeShape } from '../src/slices.js';

const shape: VolumeShape = [4, 20, 30];
const flat = ([d, h, w]: number[]) => (d! * 20 + h!) * 30 + w!;

describe('scribbles', () => {
  it('paints a disc of the brush radius at a click (brute-force disc)', () => {
    const s = new ScribbleVolume(shape);
    s.beginStroke(SeedLabel.foreground, 'axial', 2, 2.5);
    s.extendStroke(10, 7);
    const record = s.endStroke()!;
    const expected = new Set<number>();
    for (let row = 0; row < 20; row++) {
      for (let col = 0; col < 30; col++) {
        if ((col - 10) ** 2 + (row - 7) ** 2 <= 6.25) expected.add(flat(sliceToVoxel(shape, 'axial', 2, col, row)));
      }
    }
    expect(new Set(record.voxels)).toEqual(expected);
    expect(s.count(SeedLabel.foreground)).toBe(21);
  });

  it('leaves no gap along a fast diagonal drag', () => {
    const s = new ScribbleVolume(shape);
    s.beginStroke(SeedLabel.background, 'sagittal', 5, 0);
    s.extendStroke(0, 0);
    s.extendStroke(19, 3);
    s.endStroke();
    // Every column between the ends is hit (sagittal: columns = h, rows = d flipped).
    const hit = new Set<number>();
    s.labels.forEach((v, i) => {
      if (v === SeedLabel.background) hit.add(Math.floor(i / 30) % 20);
    });
    expect(hit.size).toBe(20);
  });

  it('undoes strokes exactly, including voxels repainted with the other label', () => {
    const s = new ScribbleVolume(shape);
    s.beginStroke(SeedLabel.foreground, 'coronal', 3, 1);
    s.extendStroke(5, 1);
    s.extendStroke(15, 1);
    const first = s.endStroke()!;
    const afterFirst = s.labels.slice();
    s.beginStroke(SeedLabel.background, 'coronal', 3, 1);
    s.extendStroke(10, 0);
    s.extendStroke(10, 3);
    const second = s.endStroke()!;
    expect(second.previous).toContain(SeedLabel.foreground);
    expect(s.mask(SeedLabel.foreground).reduce((a, b) => a + b, 0)).toBeLessThan(afterFirst.filter((v) => v === 1).length);
    s.undoStroke(second);
    expect(s.labels).toEqual(afterFirst);
    s.undoStroke(first);
    expect(s.labels.every((v) => v === 0)).toBe(true);
  });

  it('returns no record for a stroke that changes nothing, and rejects bad arguments', () => {
    const s = new ScribbleVolume(shape);
    s.beginStroke(SeedLabel.foreground, 'axial', 0, 0);
    s.extendStroke(-5, -5);
    expect(s.endStroke()).toBeUndefined();
    expect(() => s.beginStroke(3 as 1, 'axial', 0, 1)).toThrow(new ViewerInputError('brush label must be 1 (foreground) or 2 (background); got 3'));
    expect(() => s.beginStroke(1, 'axial', 4, 1)).toThrow(/axial slice must be an integer in \[0, 3\]; got 4/);
    expect(() => s.beginStroke(1, 'axial', 0, -1)).toThrow(/brush radius must be ≥ 0/);
    expect(() => s.extendStroke(1, 1)).toThrow(/without beginStroke/);
  });
});
