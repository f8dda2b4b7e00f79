// Undo/redo of the user's actions: seed edits and results (segment, refine, loaded mask).
import type { SeedEdit } from './seeds.js';

/** A segmentation on the source grid. */
export interface Result {
  probability: Float32Array;
  mask: Uint8Array;
  /** What made it: 'P-Net', 'refinement', or the mask file's name. */
  origin: string;
  /** Foreground voxels in `mask` (counted once). */
  voxels?: number;
}

export type Action = { kind: 'seeds'; edit: SeedEdit } | { kind: 'result'; before: Result | undefined; after: Result };

export class History {
  private done: Action[] = [];
  private undone: Action[] = [];

  push(action: Action): void {
    this.done.push(action);
    this.undone.length = 0;
    // Results are kept by reference; cap the history so large volumes do not pile up.
    if (this.done.length > 200) this.done.shift();
  }

  undo(): Action | undefined {
    const a = this.done.pop();
    if (a) this.undone.push(a);
    return a;
  }

  redo(): Action | undefined {
    const a = this.undone.pop();
    if (a) this.done.push(a);
    return a;
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  /** True when seeds changed since the latest result (what makes a refinement worth running). */
  get seedsChangedSinceResult(): boolean {
    return this.done.at(-1)?.kind === 'seeds';
  }

  clear(): void {
    this.done = [];
    this.undone = [];
  }
}
