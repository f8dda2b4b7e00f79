// The app's document model, free of DOM: the loaded volume, the scribbles and the rnet
// InteractiveSession, kept in step so that one undo history covers strokes and refinements.

import type { InteractiveSession, SessionResult } from '@deepigeos/rnet';
import { type BrushLabel, ScribbleVolume, SeedLabel, type StrokeRecord } from './scribbles.js';
import type { VolumeShape } from './slices.js';

/** A loaded volume for viewing: one channel, `[D, H, W]`, spacing `[sz, sy, sx]` in mm. */
export interface ViewVolume {
  name: string;
  data: Float32Array;
  shape: VolumeShape;
  spacing: readonly [number, number, number];
}

/** The session methods the workspace drives (an `InteractiveSession` or a compatible object). */
export type SessionLike = Pick<InteractiveSession, 'segment' | 'addSeeds' | 'refine' | 'undo'>;

/** An undoable step; each has exactly one matching entry in the session's own history. */
export type HistoryEntry = { kind: 'stroke'; record: StrokeRecord } | { kind: 'refine'; previous: SessionResult };

/** Raised when a step is requested in the wrong order (e.g. scribbling before segmenting). */
export class WorkspaceStateError extends Error {
  override readonly name = 'WorkspaceStateError';
}

/**
 * Volume, scribbles, segmentation and undo history of one editing session.
 * `segment()` starts over (clears scribbles and history, as the session does).
 */
export class Workspace {
  private scribbleVolume: ScribbleVolume;
  private latest: SessionResult | undefined;
  private readonly history: HistoryEntry[] = [];

  /**
   * @param volume what is shown (display intensities)
   * @param networkInput the volume as the networks expect it (e.g. z-scored); default `volume.data`
   */
  constructor(
    readonly volume: ViewVolume,
    private readonly session: SessionLike,
    private readonly networkInput: Float32Array = volume.data,
  ) {
    this.scribbleVolume = new ScribbleVolume(volume.shape);
  }

  /** The scribbles (read their `labels`; paint through `beginStroke`… and {@link commitStroke}). */
  get scribbles(): ScribbleVolume {
    return this.scribbleVolume;
  }

  /** The latest session result (P-Net's or the latest refinement's), if any. */
  get result(): SessionResult | undefined {
    return this.latest;
  }

  /** The current segmentation (1 = object). */
  get mask(): Uint8Array | undefined {
    return this.latest?.mask;
  }

  /** Number of undoable steps. */
  get undoDepth(): number {
    return this.history.length;
  }

  /** Runs P-Net (+ CRF-Net(f)); clears scribbles and history. */
  async segment(): Promise<SessionResult> {
    const { shape, spacing } = this.volume;
    this.latest = await this.session.segment({ data: this.networkInput, shape, spacing });
    this.scribbleVolume = new ScribbleVolume(shape);
    this.history.length = 0;
    return this.latest;
  }

  /**
   * Hands a finished stroke's voxels to the session as seeds (strokes that changed nothing are
   * ignored). If the session rejects them, the stroke is erased and the error rethrown.
   */
  async commitStroke(record: StrokeRecord | undefined): Promise<void> {
    if (!record) return;
    if (!this.latest) {
      this.scribbleVolume.undoStroke(record);
      throw new WorkspaceStateError('segment the volume before scribbling: refinements start from a segmentation');
    }
    const mask = new Uint8Array(this.scribbleVolume.labels.length);
    for (const voxel of record.voxels) mask[voxel] = 1;
    try {
      await this.session.addSeeds(record.label === SeedLabel.foreground ? 'fg' : 'bg', mask);
    } catch (error) {
      // E.g. seeds outside the session's ROI: drop the stroke so scribbles and session agree.
      this.scribbleVolume.undoStroke(record);
      throw error;
    }
    this.history.push({ kind: 'stroke', record });
  }

  /** Refines the latest segmentation with every seed so far (R-Net + CRF-Net(fu)). */
  async refine(): Promise<SessionResult> {
    if (!this.latest) throw new WorkspaceStateError('segment the volume before refining');
    const previous = this.latest;
    this.latest = await this.session.refine();
    this.history.push({ kind: 'refine', previous });
    return this.latest;
  }

  /** Undoes the latest stroke or refinement; returns it (undefined when there is nothing to undo). */
  undo(): HistoryEntry | undefined {
    const entry = this.history.pop();
    if (!entry) return undefined;
    this.session.undo();
    if (entry.kind === 'stroke') this.scribbleVolume.undoStroke(entry.record);
    else this.latest = entry.previous;
    return entry;
  }

  /** Number of voxels with a seed label. */
  seedCount(label: BrushLabel): number {
    return this.scribbleVolume.count(label);
  }

  /** Voxels in the current segmentation. */
  maskVoxels(): number {
    let n = 0;
    if (this.latest) for (const v of this.latest.mask) n += v;
    return n;
  }
}
