// Seed painting against brute force, exact undo/redo, the seeds JSON format and the history rules.
import { describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { History } from '../src/history.js';
import { SeedVolume } from '../src/seeds.js';

describe('SeedVolume', () => {
  const dims: [number, number, number] = [9, 8, 7];

  it('a click paints a disc of the brush radius in the plane across `normal`, clipped to the grid', () => {
    for (const normal of [0, 1, 2] as const) {
      for (const radius of [0, 1, 2.5]) {
        const s = new SeedVolume(dims);
        const centre: [number, number, number] = [1, 4, 3];
        s.begin(1, normal, radius);
        s.paintTo(centre);
        expect(s.end()).toBeDefined();
        // Brute force: voxels in the same plane within the radius.
        for (let k = 0; k < 7; k++) for (let j = 0; j < 8; j++) for (let i = 0; i < 9; i++) {
          const v = [i, j, k];
          const inPlane = v[normal] === centre[normal];
          const d2 = v.reduce((a, c, ax) => a + (ax === normal ? 0 : (c - centre[ax]!) ** 2), 0);
          expect(s.labels[s.index([i, j, k])]).toBe(inPlane && d2 <= radius * radius ? 1 : 0);
        }
      }
    }
  });

  it('a drag leaves no gaps, and undo/redo restore the labels exactly', () => {
    const s = new SeedVolume(dims);
    s.begin(2, 2, 0);
    s.paintTo([0, 0, 3]);
    s.paintTo([8, 7, 3]);
    const first = s.end()!;
    const afterFirst = s.labels.slice();
    // Chebyshev path from (0,0) to (8,7): every column has a seed.
    for (let i = 0; i < 9; i++) expect([0, 1, 2, 3, 4, 5, 6, 7].some((j) => s.labels[s.index([i, j, 3])] === 2)).toBe(true);
    s.begin(1, 2, 1);
    s.paintTo([4, 4, 3]);
    const second = s.end()!;
    const afterSecond = s.labels.slice();
    s.apply(second, 'undo');
    expect(s.labels).toEqual(afterFirst);
    s.apply(first, 'undo');
    expect(s.labels.every((v) => v === 0)).toBe(true);
    s.apply(first, 'redo');
    s.apply(second, 'redo');
    expect(s.labels).toEqual(afterSecond);
    expect(s.count()).toEqual({ fg: afterSecond.filter((v) => v === 1).length, bg: afterSecond.filter((v) => v === 2).length });
    // Erasing (label 0) removes seeds and is undoable too.
    s.begin(0, 2, 7);
    s.paintTo([4, 4, 3]);
    const erase = s.end()!;
    expect(s.count()).toEqual({ fg: 0, bg: 0 });
    s.apply(erase, 'undo');
    expect(s.labels).toEqual(afterSecond);
  });

  it('round-trips through JSON (the CLI --seeds format) and refuses other grids and bad voxels', () => {
    const s = new SeedVolume(dims);
    s.begin(1, 2, 0);
    s.paintTo([2, 3, 4]);
    s.end();
    s.begin(2, 2, 0);
    s.paintTo([5, 1, 0]);
    s.end();
    const json = JSON.parse(JSON.stringify(s.toJSON()));
    expect(json.fg).toEqual([[2, 3, 4]]);
    expect(json.bg).toEqual([[5, 1, 0]]);
    expect(s.labelsFromJSON(json)).toEqual(s.labels);
    expect(s.labelsFromJSON({ fg: [[2, 3, 4]], bg: [] })[s.index([2, 3, 4])]).toBe(1);
    expect(() => s.labelsFromJSON({ ...json, dims: [9, 8, 6] })).toThrow(AppError);
    expect(() => s.labelsFromJSON({ fg: [[9, 0, 0]], bg: [] })).toThrow(/not a voxel inside/);
    expect(() => s.labelsFromJSON({ fg: [[1.5, 0, 0]], bg: [] })).toThrow(AppError);
    expect(() => s.labelsFromJSON('nope')).toThrow(AppError);
    expect(() => s.begin(3 as never, 0, 1)).toThrow(AppError);
  });
});

describe('History', () => {
  const result = { probability: new Float32Array(1), mask: new Uint8Array(1), origin: 'P-Net' };
  const edit = { voxels: new Uint32Array([0]), before: new Uint8Array([0]), after: new Uint8Array([1]) };

  it('refinement is worth running only after a seed edit that follows the latest result', () => {
    const h = new History();
    expect(h.seedsChangedSinceResult).toBe(false);
    h.push({ kind: 'result', before: undefined, after: result });
    expect(h.seedsChangedSinceResult).toBe(false);
    h.push({ kind: 'seeds', edit });
    expect(h.seedsChangedSinceResult).toBe(true);
    h.push({ kind: 'result', before: result, after: result });
    expect(h.seedsChangedSinceResult).toBe(false);
    expect(h.undo()?.kind).toBe('result');
    expect(h.seedsChangedSinceResult).toBe(true);
    expect(h.canRedo).toBe(true);
    h.push({ kind: 'seeds', edit });
    expect(h.canRedo).toBe(false);
  });
});
