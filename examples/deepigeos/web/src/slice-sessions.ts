// 2D networks on a 3D volume, as the 2D DeepIGeoS pipeline works: one rnet InteractiveSession per
// axial slice (P-Net, R-Net, CRFs and geodesic maps all 2D), presented as one session over the
// volume so the workspace, undo and the views are the same as with 3D networks.

import type { InteractiveSession, SessionResult, StageTimings, Volume } from '@deepigeos/rnet';
import { ViewerInputError } from './errors.js';
import type { SessionLike } from './workspace.js';

/** The session operations used on each slice. */
export type SliceSession = Pick<InteractiveSession, 'segment' | 'addSeeds' | 'refine' | 'undo' | 'result'>;

/** Slices whose per-slice session took part in one step (so undo reverts exactly those). */
type Step = { kind: 'seeds' | 'refine'; slices: number[] };

function sumTimings(all: StageTimings[]): StageTimings {
  const total: StageTimings = { total: 0 };
  for (const t of all) {
    for (const [key, ms] of Object.entries(t) as [keyof StageTimings, number | undefined][]) {
      if (ms !== undefined) total[key] = (total[key] ?? 0) + ms;
    }
  }
  return total;
}

/**
 * A {@link SessionLike} over a `[D, H, W]` volume made of one 2D session per axial slice (index d).
 * `segment` runs every slice; `addSeeds` splits the seed mask by slice; `refine` refines the
 * slices that received seeds since their last refinement; `undo` reverts the last step on exactly
 * the slices it touched.
 */
export class SliceSessions implements SessionLike {
  private sessions: SliceSession[] = [];
  private shape: readonly [number, number, number] = [0, 0, 0];
  private pending = new Set<number>();
  private readonly steps: Step[] = [];
  private latest: SessionResult | undefined;
  private rounds = 0;

  /** @param createSession makes a fresh 2D session (e.g. `() => new InteractiveSession({...2D nets})`) */
  constructor(private readonly createSession: () => SliceSession) {}

  /** Runs P-Net (+ CRF-Net(f)) on every axial slice in a fresh 2D session; clears seeds and history. */
  async segment(volume: Volume): Promise<SessionResult> {
    if (volume.shape.length !== 3) throw new ViewerInputError(`slice-wise sessions need a [D, H, W] volume; got shape ${JSON.stringify(volume.shape)}`);
    if ((volume.channels ?? 1) !== 1) throw new ViewerInputError('slice-wise sessions support one image channel');
    const [D, H, W] = volume.shape;
    const spacing = volume.spacing ?? [1, 1, 1];
    this.shape = [D, H, W];
    this.sessions = [];
    this.pending.clear();
    this.steps.length = 0;
    this.rounds = 0;
    const results: SessionResult[] = [];
    for (let d = 0; d < D; d++) {
      const session = this.createSession();
      const data = Float32Array.from({ length: H * W }, (_, k) => volume.data[d * H * W + k]!);
      results.push(await session.segment({ data, shape: [H, W], spacing: [spacing[1]!, spacing[2]!] }));
      this.sessions.push(session);
    }
    this.latest = this.stack(results, 0);
    return this.latest;
  }

  /** Adds a seed mask over the volume to the sessions of the slices it touches (one undo step). */
  async addSeeds(label: 'fg' | 'bg', seeds: ArrayLike<number>): Promise<void> {
    const [D, H, W] = this.shape;
    if (this.sessions.length === 0) throw new ViewerInputError('addSeeds() needs a segmentation: call segment(volume) first');
    if (Array.isArray(seeds[0]) || seeds.length !== D * H * W) {
      throw new ViewerInputError(`slice-wise seeds must be a mask of ${D * H * W} values (one per voxel)`);
    }
    const touched: number[] = [];
    for (let d = 0; d < D; d++) {
      const slice = Uint8Array.from({ length: H * W }, (_, k) => (seeds[d * H * W + k] ? 1 : 0));
      if (!slice.some((v) => v === 1)) continue;
      await this.sessions[d]!.addSeeds(label, slice);
      touched.push(d);
    }
    this.steps.push({ kind: 'seeds', slices: touched });
    for (const d of touched) this.pending.add(d);
  }

  /** Refines every slice that received seeds since its last refinement (one undo step). */
  async refine(): Promise<SessionResult> {
    if (!this.latest) throw new ViewerInputError('refine() needs a segmentation: call segment(volume) first');
    const slices = [...this.pending].sort((a, b) => a - b);
    const timings: StageTimings[] = [];
    for (const d of slices) timings.push((await this.sessions[d]!.refine()).timings);
    this.steps.push({ kind: 'refine', slices });
    this.pending.clear();
    this.rounds++;
    this.latest = this.stack(
      this.sessions.map((s) => s.result()),
      this.rounds,
      sumTimings(timings),
    );
    return this.latest;
  }

  /** Reverts the last `addSeeds` or `refine` on the slices it touched; false when there is nothing to undo. */
  undo(): boolean {
    const step = this.steps.pop();
    if (!step) return false;
    for (const d of step.slices) this.sessions[d]!.undo();
    if (step.kind === 'refine') this.rounds--;
    this.recomputePending();
    this.latest = this.stack(
      this.sessions.map((s) => s.result()),
      this.rounds,
    );
    return true;
  }

  /** Slices with seed steps after their last refinement. */
  private recomputePending(): void {
    this.pending.clear();
    for (const step of this.steps) {
      if (step.kind === 'seeds') for (const d of step.slices) this.pending.add(d);
      else for (const d of step.slices) this.pending.delete(d);
    }
  }

  /** Stacks per-slice results into one volume result. */
  private stack(results: SessionResult[], round: number, timings: StageTimings = sumTimings(results.map((r) => r.timings))): SessionResult {
    const [D, H, W] = this.shape;
    const n = D * H * W;
    const mask = new Uint8Array(n);
    const probability = new Float32Array(n);
    const networkProbability = new Float32Array(n);
    const hasCrf = results.every((r) => r.crfProbability !== undefined);
    const crfProbability = hasCrf ? new Float32Array(n) : undefined;
    results.forEach((r, d) => {
      mask.set(r.mask, d * H * W);
      probability.set(r.probability, d * H * W);
      networkProbability.set(r.networkProbability, d * H * W);
      if (crfProbability) crfProbability.set(r.crfProbability!, d * H * W);
    });
    return { mask, probability, networkProbability, round, timings, ...(crfProbability ? { crfProbability } : {}) };
  }
}
