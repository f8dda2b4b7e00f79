// The JSONL metrics log: one JSON object per line, e.g. {"epoch":1,"step":50,"loss":0.41}.

import { ReportInputError } from './errors.js';

/** One logged row: numeric metrics plus optional labels (strings) such as a phase name. */
export type MetricRecord = Readonly<Record<string, number | string | null | undefined>>;

/**
 * Parses JSONL text into records (blank lines ignored).
 * @throws ReportInputError naming the 1-based line of invalid JSON or a non-object line.
 */
export function parseMetricsJsonl(text: string, source = 'metrics log'): MetricRecord[] {
  const records: MetricRecord[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new ReportInputError(`${source} line ${index + 1}: invalid JSON (${(error as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ReportInputError(`${source} line ${index + 1}: expected a JSON object, got ${JSON.stringify(value)}`);
    }
    records.push(value as MetricRecord);
  });
  return records;
}
