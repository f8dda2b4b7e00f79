/**
 * Append-only JSON-lines metrics log (one object per line: step, epoch, values, time), easy to
 * load in pandas or jq; `report/parseMetricsJsonl` reads it back for the HTML report.
 * @module
 */
import { appendFileSync } from 'node:fs';

/** Appends one record (numbers and short labels) to a JSONL file. */
export function appendMetrics(file: string, record: Record<string, number | string>): void {
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}
