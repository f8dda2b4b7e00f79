// User scribbles as a per-voxel label volume (0 none, 1 foreground, 2 background), painted with
// a round brush along mouse strokes on one slice; every stroke can be undone exactly.

import { ViewerInputError } from './errors.js';
import { type Plane, sliceGeometry, sliceToVoxel, type VolumeShape } from './slices.js';

/** Seed label of a voxel. */
export const SeedLabel = { none: 0, foreground: 1, background: 2 } as const;
/** `SeedLabel.foreground` or `SeedLabel.background`. */
export type BrushLabel = typeof SeedLabel.foreground | typeof SeedLabel.background;

/** What one stroke changed: voxel indices and their labels before the stroke. */
export interface StrokeRecord {
  readonly label: BrushLabel;
  readonly voxels: Uint32Array;
  readonly previous: Uint8Array;
}

interface ActiveStroke {
  label: BrushLabel;
  plane: Plane;
  slice: number;
  radius: number;
  last: [number, number] | undefined;
  changed: Map<number, number>;
}

/** Scribble seeds over a `[D, H, W]` volume. */
export class ScribbleVolume {
  /** Per-voxel {@link SeedLabel}, row-major over the shape. */
  readonly labels: Uint8Array;
  private active: ActiveStroke | undefined;

  constructor(readonly shape: VolumeShape) {
    this.labels = new Uint8Array(shape[0] * shape[1] * shape[2]);
  }

  /**
   * Starts a stroke on slice `slice` of `plane` with a brush of `radius` pixels (0 = one pixel).
   * @throws ViewerInputError for a bad label, radius or slice.
   */
  beginStroke(label: BrushLabel, plane: Plane, slice: number, radius: number): void {
    if (label !== SeedLabel.foreground && label !== SeedLabel.background) {
      throw new ViewerInputError(`brush label must be 1 (foreground) or 2 (background); got ${label}`);
    }
    if (!(radius >= 0) || !Number.isFinite(radius)) throw new ViewerInputError(`brush radius must be ≥ 0 pixels; got ${radius}`);
    const { depth } = sliceGeometry(this.shape, [1, 1, 1], plane);
    if (!Number.isInteger(slice) || slice < 0 || slice >= depth) {
      throw new ViewerInputError(`${plane} slice must be an integer in [0, ${depth - 1}]; got ${slice}`);
    }
    this.active = { label, plane, slice, radius, last: undefined, changed: new Map() };
  }

  /** Paints the brush from the previous point to (`col`, `row`) (slice pixel coordinates). */
  extendStroke(col: number, row: number): void {
    const stroke = this.active;
    if (stroke === undefined) throw new ViewerInputError('extendStroke called without beginStroke');
    const [fromCol, fromRow] = stroke.last ?? [col, row];
    // Stamp the disc every half pixel along the segment so fast mouse moves leave no gaps.
    const steps = Math.max(1, Math.ceil(Math.hypot(col - fromCol, row - fromRow) * 2));
    for (let s = 0; s <= steps; s++) {
      const t = s / steps;
      this.stamp(stroke, fromCol + (col - fromCol) * t, fromRow + (row - fromRow) * t);
    }
    stroke.last = [col, row];
  }

  /** Ends the stroke; returns what it changed (undefined if it changed nothing). */
  endStroke(): StrokeRecord | undefined {
    const stroke = this.active;
    this.active = undefined;
    if (stroke === undefined || stroke.changed.size === 0) return undefined;
    return {
      label: stroke.label,
      voxels: Uint32Array.from(stroke.changed.keys()),
      previous: Uint8Array.from(stroke.changed.values()),
    };
  }

  /** Restores the voxels a stroke changed (undo strokes in reverse order). */
  undoStroke(record: StrokeRecord): void {
    record.voxels.forEach((voxel, k) => {
      this.labels[voxel] = record.previous[k]!;
    });
  }

  /** Binary mask of one label (1 where the voxel carries it). */
  mask(label: BrushLabel): Uint8Array {
    return this.labels.map((v) => (v === label ? 1 : 0));
  }

  /** Number of voxels carrying `label`. */
  count(label: BrushLabel): number {
    let n = 0;
    for (const v of this.labels) if (v === label) n++;
    return n;
  }

  private stamp(stroke: ActiveStroke, col: number, row: number): void {
    const { width, height } = sliceGeometry(this.shape, [1, 1, 1], stroke.plane);
    const r = stroke.radius;
    const c0 = Math.round(col);
    const r0 = Math.round(row);
    const reach = Math.ceil(r);
    for (let dr = -reach; dr <= reach; dr++) {
      for (let dc = -reach; dc <= reach; dc++) {
        const c = c0 + dc;
        const rr = r0 + dr;
        if (c < 0 || rr < 0 || c >= width || rr >= height || dc * dc + dr * dr > r * r) continue;
        const [d, h, w] = sliceToVoxel(this.shape, stroke.plane, stroke.slice, c, rr);
        const index = (d * this.shape[1] + h) * this.shape[2] + w;
        if (this.labels[index] === stroke.label) continue;
        if (!stroke.changed.has(index)) stroke.changed.set(index, this.labels[index]!);
        this.labels[index] = stroke.label;
      }
    }
  }
}
