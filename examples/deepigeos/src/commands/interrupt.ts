/**
 * Ctrl-C handling of training commands: the first SIGINT asks the loop to save a checkpoint and
 * stop; the process then exits with status 130 (interrupted), and `--resume` continues.
 * @module
 */
import { CancelledError } from '@deepigeos/core';
import type { LoopResult } from '../train/loop.js';
import { repairRunFolder } from '../train/run-folder.js';

/** Thrown (and mapped to exit status 130) when a run stopped on Ctrl-C after saving. */
export class InterruptedError extends CancelledError {
  override name = 'InterruptedError';
}

/** Runs a training function with a SIGINT → abort bridge and prints the outcome. */
export async function runInterruptible(out: string, train: (signal: AbortSignal) => Promise<LoopResult>): Promise<void> {
  const ac = new AbortController();
  const force = () => {
    // A forced stop may land inside an atomic folder replacement: finish or undo it.
    repairRunFolder(out, { includeOwn: true });
    process.exit(130);
  };
  const onSigint = () => {
    process.stderr.write('\ninterrupt: saving a checkpoint before stopping (Ctrl-C again to force)…\n');
    ac.abort();
    process.once('SIGINT', force);
  };
  process.once('SIGINT', onSigint);
  try {
    const r = await train(ac.signal);
    const how = r.interrupted ? 'interrupted' : r.timedOut ? 'stopped at the time limit' : 'finished';
    process.stdout.write(
      `${how} after ${r.steps} steps; best validation Dice ${r.bestDice.toFixed(4)}; ${r.samplesPerSecond.toFixed(2)} samples/s\n` +
        `outputs in ${out} (best/, model/, checkpoint/, metrics.jsonl, report.html)\n`,
    );
    if (r.interrupted) throw new InterruptedError(`interrupted; continue with --resume --out ${out}`);
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGINT', force);
  }
}
