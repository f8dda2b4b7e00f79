/**
 * Entry point of the `deepigeos` CLI: dispatches to sub-commands, prints help, and maps errors to
 * exit statuses (2 = usage, config or dataset error; 130 = interrupted; 1 = other failure).
 * @module
 */
import { demoCommand } from '../commands/demo.js';
import { evaluateCommand } from '../commands/evaluate.js';
import { InterruptedError } from '../commands/interrupt.js';
import { refineCommand } from '../commands/refine.js';
import { segmentCommand } from '../commands/segment.js';
import { synthCommand } from '../commands/synth.js';
import { trainPNetCommand } from '../commands/train-pnet.js';
import { trainRNetCommand } from '../commands/train-rnet.js';
import { ConfigError, DatasetError, ShapeError, UsageError } from '../errors.js';
import { type Command, commandHelp, parseCommandArgs } from './command.js';
import { releaseSignalCleanups } from './outputs.js';

/** All sub-commands, in help order. */
export const COMMANDS: Command[] = [synthCommand, trainPNetCommand, trainRNetCommand, evaluateCommand, segmentCommand, refineCommand, demoCommand];

function mainHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'Usage: deepigeos <command> [flags]   (deepigeos <command> --help for its flags)',
    '',
    'DeepIGeoS (Wang et al., TPAMI 2019) interactive geodesic segmentation on TensorFlow.js.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
  ].join('\n');
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and resolves to the exit status.
 * Output goes to stdout (results) and stderr (progress, errors).
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  try {
    if (!cmd) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
    const { flags, positionals, help } = parseCommandArgs(cmd, rest, cmd.name === 'segment' ? 1 : 0);
    if (help) {
      process.stdout.write(`${commandHelp(cmd)}\n`);
      return 0;
    }
    await cmd.run(flags, positionals);
    return 0;
  } catch (e) {
    const err = e as Error;
    if (err instanceof InterruptedError) {
      process.stderr.write(`deepigeos ${name}: ${err.message}\n`);
      return 130;
    }
    const expected = err instanceof UsageError || err instanceof ConfigError || err instanceof DatasetError || err instanceof ShapeError;
    const typed = expected || /Error$/.test(err.name) ? `${err.name}: ` : '';
    process.stderr.write(`deepigeos ${name}: ${typed}${err.message}\n`);
    if (!expected && process.env['DEEPIGEOS_DEBUG']) process.stderr.write(`${err.stack}\n`);
    return expected ? 2 : 1;
  } finally {
    releaseSignalCleanups();
  }
}
