// The user's seeds as a label volume on the source grid (0 none, 1 foreground, 2 background),
// painted with a round brush in the plane of the view; every stroke is recorded so it can be
// undone and redone exactly.
import { AppError } from './errors.js';

/** Seed label of a voxel; 0 erases. */
export type SeedLabel = 0 | 1 | 2;

/** What one edit changed: voxel indices, their labels before and after. */
export interface SeedEdit {
  voxels: Uint32Array;
  before: Uint8Array;
  after: Uint8Array;
}

/** A voxel `[i, j, k]` in NIfTI order (i fastest in memory). */
export type Voxel = [number, number, number];

interface Stroke {
  label: SeedLabel;
  /** The voxel axis across the view's plane (not painted along). */
  normal: 0 | 1 | 2;
  radius: number;
  last?: Voxel;
  changed: Map<number, number>;
}

export class SeedVolume {
  /** Labels per voxel (source order). Change them only through this class: it keeps the counts. */
  readonly labels: Uint8Array;
  private stroke?: Stroke;
  // Running totals: counting 7 M labels took 100–190 ms of the page's main thread per refresh.
  private readonly totals = [0, 0, 0];

  /** `dims` = `[nx, ny, nz]`. */
  constructor(readonly dims: [number, number, number]) {
    this.labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
    this.totals[0] = this.labels.length;
  }

  index([i, j, k]: Voxel): number {
    return (k * this.dims[1] + j) * this.dims[0] + i;
  }

  /** Starts a stroke of `label` with a disc of `radius` voxels (0 = one voxel) across voxel axis `normal`. */
  begin(label: SeedLabel, normal: 0 | 1 | 2, radius: number): void {
    if (label !== 0 && label !== 1 && label !== 2) throw new AppError(`seed label must be 0, 1 or 2; got ${label}`);
    if (!(radius >= 0 && radius <= 50)) throw new AppError(`brush radius must be 0–50 voxels; got ${radius}`);
    this.stroke = { label, normal, radius, changed: new Map() };
  }

  /** Paints from the stroke's previous voxel to `to` (a disc every half voxel, so drags leave no gaps). */
  paintTo(to: Voxel): void {
    const s = this.stroke;
    if (!s) return;
    const from = s.last ?? to;
    const steps = Math.max(1, Math.ceil(Math.hypot(to[0] - from[0], to[1] - from[1], to[2] - from[2]) * 2));
    for (let t = 0; t <= steps; t++) {
      const f = t / steps;
      this.stamp(s, [0, 1, 2].map((a) => Math.round(from[a]! + (to[a]! - from[a]!) * f)) as Voxel);
    }
    s.last = to;
  }

  /** Ends the stroke; returns what it changed (undefined when nothing changed). */
  end(): SeedEdit | undefined {
    const s = this.stroke;
    this.stroke = undefined;
    if (!s || s.changed.size === 0) return undefined;
    const voxels = Uint32Array.from(s.changed.keys());
    const before = Uint8Array.from(s.changed.values());
    return { voxels, before, after: new Uint8Array(voxels.length).fill(s.label) };
  }

  /** Removes every seed; returns the edit (undefined when there was none). */
  clear(): SeedEdit | undefined {
    return this.replace(new Uint8Array(this.labels.length));
  }

  /** Sets all labels at once (e.g. imported seeds); returns the edit. */
  replace(labels: Uint8Array): SeedEdit | undefined {
    const voxels: number[] = [];
    for (let v = 0; v < labels.length; v++) if (labels[v] !== this.labels[v]) voxels.push(v);
    if (voxels.length === 0) return undefined;
    const edit = { voxels: Uint32Array.from(voxels), before: Uint8Array.from(voxels, (v) => this.labels[v]!), after: Uint8Array.from(voxels, (v) => labels[v]!) };
    this.apply(edit, 'redo');
    return edit;
  }

  /** Re-applies (`redo`) or reverts (`undo`) an edit. */
  apply(edit: SeedEdit, direction: 'undo' | 'redo'): void {
    const values = direction === 'undo' ? edit.before : edit.after;
    for (let n = 0; n < edit.voxels.length; n++) this.set(edit.voxels[n]!, values[n]! as SeedLabel);
  }

  /** Number of foreground and background seed voxels. */
  count(): { fg: number; bg: number } {
    return { fg: this.totals[1]!, bg: this.totals[2]! };
  }

  private set(index: number, label: SeedLabel): void {
    this.totals[this.labels[index]!]!--;
    this.totals[label]!++;
    this.labels[index] = label;
  }

  /** Seeds as JSON-able voxel lists (`[i, j, k]`, NIfTI order). */
  toJSON(): { format: 'deepigeos-seeds'; dims: number[]; fg: Voxel[]; bg: Voxel[] } {
    const fg: Voxel[] = [];
    const bg: Voxel[] = [];
    const [nx, ny] = this.dims;
    for (let v = 0; v < this.labels.length; v++) {
      if (!this.labels[v]) continue;
      const voxel: Voxel = [v % nx, Math.floor(v / nx) % ny, Math.floor(v / (nx * ny))];
      (this.labels[v] === 1 ? fg : bg).push(voxel);
    }
    return { format: 'deepigeos-seeds', dims: [...this.dims], fg, bg };
  }

  /** Labels from {@link toJSON}'s format; throws AppError for another grid or bad voxels. */
  labelsFromJSON(json: unknown): Uint8Array {
    const j = json as { format?: unknown; dims?: unknown; fg?: unknown; bg?: unknown };
    // The CLI's `deepigeos segment --seeds` format ({ fg, bg }) is accepted too.
    if (j === null || typeof j !== 'object' || (j.format !== undefined && j.format !== 'deepigeos-seeds')) {
      throw new AppError('not a seeds file: expected { "fg": [[i, j, k], …], "bg": [[i, j, k], …] }');
    }
    if (j.dims !== undefined && (!Array.isArray(j.dims) || j.dims.some((d, a) => d !== this.dims[a]))) {
      throw new AppError(`the seeds were drawn on a ${JSON.stringify(j.dims)} grid; this image is [${this.dims}]`);
    }
    const labels = new Uint8Array(this.labels.length);
    for (const [key, label] of [['fg', 1], ['bg', 2]] as const) {
      const list = j[key];
      if (!Array.isArray(list)) throw new AppError(`seeds file: "${key}" must be a list of [i, j, k] voxels`);
      for (const v of list) {
        if (!Array.isArray(v) || v.length !== 3 || v.some((c, a) => !Number.isInteger(c) || c < 0 || c >= this.dims[a]!)) {
          throw new AppError(`seeds file: ${JSON.stringify(v)} is not a voxel inside [${this.dims}]`);
        }
        labels[this.index(v as Voxel)] = label;
      }
    }
    return labels;
  }

  private stamp(s: Stroke, centre: Voxel): void {
    const r = Math.floor(s.radius);
    const axes = ([0, 1, 2] as const).filter((a) => a !== s.normal) as [0 | 1 | 2, 0 | 1 | 2];
    const v: Voxel = [...centre];
    for (let du = -r; du <= r; du++) {
      for (let dv = -r; dv <= r; dv++) {
        if (du * du + dv * dv > s.radius * s.radius + 1e-9) continue;
        v[axes[0]] = centre[axes[0]] + du;
        v[axes[1]] = centre[axes[1]] + dv;
        if (v.some((c, a) => c < 0 || c >= this.dims[a]!)) continue;
        const idx = this.index(v);
        if (!s.changed.has(idx)) s.changed.set(idx, this.labels[idx]!);
        this.set(idx, s.label);
      }
    }
  }
}
