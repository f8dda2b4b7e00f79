/**
 * The command framework of the `deepigeos` CLI: strict flag parsing (unknown flags are errors),
 * typed flag readers with messages naming the flag, and generated `--help` text.
 * @module
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

/** One command-line flag. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** Help text; include the default. */
  help: string;
  /** Placeholder shown in help, e.g. `GLOB`, `N`. */
  value?: string;
}

/** A CLI sub-command. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage line(s) after `deepigeos <name>`. */
  usage: string;
  /** Extra help paragraphs (config keys, examples). */
  details?: () => string;
  flags: Record<string, FlagSpec>;
  /** Runs with parsed flags and positionals; resolves when done. */
  run(flags: Flags, positionals: string[]): Promise<void>;
}

/** Parsed flags with typed accessors. */
export class Flags {
  constructor(
    private readonly values: Record<string, string | boolean | undefined>,
    private readonly command: string,
  ) {}

  /** Whether a flag was given. */
  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  /** A string flag, or `undefined`. */
  string(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }

  /** A required string flag. */
  required(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new UsageError(`${this.command}: missing required flag --${name} (see deepigeos ${this.command} --help)`);
    return v;
  }

  /** A boolean flag. */
  bool(name: string): boolean {
    return this.values[name] === true;
  }

  /** A numeric flag checked against a range; `integer` rejects fractions. */
  number(name: string, opts: { integer?: boolean; min?: number; max?: number; choices?: number[] } = {}): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const v = Number(raw);
    const expect = opts.choices
      ? `one of ${opts.choices.join(', ')}`
      : `${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}${opts.max !== undefined ? ` ≤ ${opts.max}` : ''}`;
    const ok =
      raw.trim() !== '' &&
      Number.isFinite(v) &&
      (!opts.integer || Number.isInteger(v)) &&
      (opts.min === undefined || v >= opts.min) &&
      (opts.max === undefined || v <= opts.max) &&
      (!opts.choices || opts.choices.includes(v));
    if (!ok) throw new UsageError(`${this.command}: --${name} must be ${expect}, got ${JSON.stringify(raw)}`);
    return v;
  }
}

/** Parses `argv` for a command; unknown flags and stray positionals are {@link UsageError}s. */
export function parseCommandArgs(cmd: Command, argv: string[], maxPositionals = 0): { flags: Flags; positionals: string[]; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(cmd.flags)) options[name] = { type: spec.type };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`${cmd.name}: ${(e as Error).message.split('\n')[0]} (see deepigeos ${cmd.name} --help)`);
  }
  const help = parsed.values['help'] === true;
  if (!help && parsed.positionals.length > maxPositionals) {
    throw new UsageError(`${cmd.name}: unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])} (see deepigeos ${cmd.name} --help)`);
  }
  return { flags: new Flags(parsed.values as Record<string, string | boolean | undefined>, cmd.name), positionals: parsed.positionals, help };
}

/** The `--help` text of a command. */
export function commandHelp(cmd: Command): string {
  const width = Math.max(...Object.entries(cmd.flags).map(([n, s]) => n.length + (s.value ? s.value.length + 1 : 0)), 4) + 4;
  const lines = [`Usage: deepigeos ${cmd.name} ${cmd.usage}`, '', cmd.summary, '', 'Flags:'];
  for (const [name, spec] of Object.entries(cmd.flags)) {
    lines.push(`  ${`--${name}${spec.value ? ` ${spec.value}` : ''}`.padEnd(width)} ${spec.help}`);
  }
  lines.push(`  ${'--help'.padEnd(width)} show this help`);
  if (cmd.details) lines.push('', cmd.details());
  return lines.join('\n');
}
