/**
 * Simulated refinement rounds on an interactive session (demo and `evaluate`): each round the
 * simulated user clicks on the current result's errors, then R-Net (+ CRF-Net(fu)) refines the
 * latest result with every click so far. A round in which the user has nothing to click keeps
 * the previous result: re-running R-Net without new seeds is not an interaction, and it can
 * make the result worse (measured on the bundled 2D sample: Dice 0.68 → 0.57 in such a round).
 * @module
 */
import { createRng, type InteractiveSession, type SessionResult, type Volume } from '@deepigeos/rnet';
import { simulateUser } from './simulated-user.js';

/** Options of {@link runRounds}. */
export interface RoundsOptions {
  /** A session on which `segment()` has run (its result is round 0). */
  session: InteractiveSession;
  /** The image the session segments. */
  volume: Volume;
  /** Reference segmentation the simulated user compares with. */
  groundTruth: Uint8Array;
  /** Rounds to run. */
  rounds: number;
  /** Seed of the simulated user. */
  seed: number;
  /** Fewest clicks per round while errors remain (see `simulateUser`); 0 = the paper's rule alone. */
  minClicks: number;
  /** false = one click per round at the largest error (with `minClicks: 1`), not the paper's rule; default true. */
  paperRule?: boolean;
  /** Stop at the first round without clicks instead of repeating the unchanged result. */
  stopWhenNoClicks?: boolean;
  /** Called after each round. */
  onRound?: (round: RoundOutcome) => void | Promise<void>;
}

/** One round. */
export interface RoundOutcome {
  /** 1, 2, … */
  round: number;
  /** Foreground / background clicks placed this round (fallback clicks included). */
  fgClicks: number;
  bgClicks: number;
  /** Of those, clicks placed by the `minClicks` fallback rather than the paper's rule. */
  fallbackClicks: number;
  /** This round's clicks as masks on the volume's grid (1 = clicked voxel). */
  fgSeeds: Uint8Array;
  bgSeeds: Uint8Array;
  /** false when the user placed no click: the result is the previous round's. */
  refined: boolean;
  /** The session's result after the round. */
  result: SessionResult;
  /** Wall time of the refinement (R-Net + CRF-Net(fu) + seed encoding), seconds; 0 without clicks. */
  seconds: number;
}

const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);

/** Runs up to `rounds` simulated rounds; returns them in order (fewer when `stopWhenNoClicks` stops early). */
export async function runRounds(options: RoundsOptions): Promise<RoundOutcome[]> {
  const { session, volume, groundTruth } = options;
  const rng = createRng(options.seed);
  const out: RoundOutcome[] = [];
  let result = session.result();
  for (let r = 1; r <= options.rounds; r++) {
    const clicks = simulateUser({
      prediction: result.mask,
      groundTruth,
      shape: volume.shape,
      spacing: volume.spacing ?? volume.shape.map(() => 1),
      rng,
      minClicks: options.minClicks,
      paperRule: options.paperRule !== false,
    });
    const fgClicks = count(clicks.fgSeeds);
    const bgClicks = count(clicks.bgSeeds);
    const refined = fgClicks + bgClicks > 0;
    if (!refined && options.stopWhenNoClicks) break;
    const started = performance.now();
    if (refined) {
      await session.addSeeds('fg', clicks.fgSeeds);
      await session.addSeeds('bg', clicks.bgSeeds);
      result = await session.refine();
    }
    const seconds = refined ? (performance.now() - started) / 1000 : 0;
    const outcome: RoundOutcome = { round: r, fgClicks, bgClicks, fallbackClicks: clicks.fallbackClicks, fgSeeds: clicks.fgSeeds, bgSeeds: clicks.bgSeeds, refined, result, seconds };
    out.push(outcome);
    await options.onRound?.(outcome);
  }
  return out;
}
