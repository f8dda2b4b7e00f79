/**
 * `--tta`, shared by the commands that run trained networks: test-time flips averaged into the
 * networks' logits.
 * @module
 */
import type { TestTimeFlips } from '@deepigeos/rnet';
import type { FlagSpec, Flags } from '../cli/command.js';
import { UsageError } from '../errors.js';

/** The `--tta` flag. */
export const TTA_FLAGS: Record<string, FlagSpec> = {
  tta: {
    type: 'string',
    value: 'MODE',
    help: 'test-time flips averaged into P-Net/R-Net: auto (default: both axes of 2D nets, 4 passes; none for 3D nets) | flip (every axis; 3D: 8 passes) | none',
  },
};

/** `--tta` (default `auto`). */
export function ttaFromFlags(flags: Flags, command: string): TestTimeFlips {
  const tta = flags.string('tta') ?? 'auto';
  if (tta !== 'auto' && tta !== 'flip' && tta !== 'none') throw new UsageError(`${command}: --tta must be auto, flip or none, got ${JSON.stringify(tta)}`);
  return tta;
}
