/**
 * A one-line terminal progress bar with loss, Dice and ETA. On a TTY it redraws in place; when
 * output is piped (CI, logs) it prints a line every `logEvery` updates instead.
 * @module
 */

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Progress reporter for a known number of steps. */
export class ProgressBar {
  private readonly startTime = Date.now();
  private readonly startStep: number;
  private lastLength = 0;

  /**
   * @param total - total steps
   * @param stream - where to draw (default stderr)
   * @param start - steps already done (resumed runs), excluded from the rate
   * @param logEvery - steps between lines when not a TTY
   */
  constructor(
    private total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    start = 0,
    private readonly logEvery = 10,
  ) {
    this.startStep = start;
  }

  /** Draws the bar for `step` steps done with the given named values (e.g. loss, dice). */
  update(step: number, values: Record<string, number | undefined>, force = false): void {
    const tty = this.stream.isTTY === true;
    if (!tty && !force && step % this.logEvery !== 0 && step !== this.total) return;
    const elapsed = (Date.now() - this.startTime) / 1000;
    const done = step - this.startStep;
    const eta = done > 0 ? ((this.total - step) * elapsed) / done : Number.NaN;
    const width = 24;
    const filled = Math.round((width * step) / this.total);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const vals = Object.entries(values)
      .filter(([, v]) => v !== undefined && Number.isFinite(v))
      .map(([k, v]) => `${k} ${(v as number).toFixed(4)}`)
      .join('  ');
    const line = `${bar} ${step}/${this.total}  ${vals}  ${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}`;
    if (tty) {
      this.stream.write(`\r${line}${' '.repeat(Math.max(0, this.lastLength - line.length))}`);
      this.lastLength = line.length;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Changes the total (a time-limited run re-estimates its step count as it goes). */
  setTotal(total: number): void {
    this.total = Math.max(1, Math.round(total));
  }

  /** Ends the line on a TTY. */
  done(): void {
    if (this.stream.isTTY === true) this.stream.write('\n');
  }
}

/**
 * Progress of a multi-stage command on stderr: `stage: 45% (9/20), 12s elapsed, ETA 15s`. On a
 * TTY it redraws one line; otherwise it prints a line when a stage starts, at most every
 * `intervalMs` while it runs, and when it ends, so logs stay short.
 */
export class StageProgress {
  private stage = '';
  private stageStart = 0;
  private lastPrint = 0;
  private lastLength = 0;
  private readonly commandStart: number;

  /**
   * @param command - prefix of every line (the CLI command)
   * @param stream - where to write (default stderr)
   * @param intervalMs - least time between lines when not a TTY
   * @param now - clock in ms (tests pass a fake one)
   */
  constructor(
    private readonly command: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = 5000,
    private readonly now: () => number = Date.now,
  ) {
    this.commandStart = now();
  }

  /** Starts a stage (ends the previous one). */
  start(stage: string): void {
    if (this.stream.isTTY === true && this.lastLength > 0) this.stream.write('\n');
    this.lastLength = 0;
    this.stage = stage;
    this.stageStart = this.now();
    this.lastPrint = Number.NEGATIVE_INFINITY;
    this.write(`${this.command}: ${stage}…`);
  }

  /** Reports `done` of `total` units of the current stage. */
  update(done: number, total: number): void {
    const t = this.now();
    const finished = done >= total;
    if (!finished && this.stream.isTTY !== true && t - this.lastPrint < this.intervalMs) return;
    this.lastPrint = t;
    const elapsed = (t - this.stageStart) / 1000;
    const eta = done > 0 ? ((total - done) * elapsed) / done : Number.NaN;
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    this.write(`${this.command}: ${this.stage} ${pct}% (${done}/${total}), ${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}`);
  }

  /** Ends the output (a final newline on a TTY) and returns the seconds since construction. */
  done(): number {
    if (this.stream.isTTY === true && this.lastLength > 0) this.stream.write('\n');
    this.lastLength = 0;
    return (this.now() - this.commandStart) / 1000;
  }

  private write(line: string): void {
    if (this.stream.isTTY === true) {
      this.stream.write(`\r${line}${' '.repeat(Math.max(0, this.lastLength - line.length))}`);
      this.lastLength = line.length;
    } else {
      this.stream.write(`${line}\n`);
    }
  }
}
