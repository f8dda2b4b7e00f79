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
