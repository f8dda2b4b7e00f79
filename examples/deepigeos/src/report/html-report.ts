// Self-contained HTML training report: curves as inline SVG, overlays as PNG data URLs, no
// external resources, so the single file can be mailed or archived with the run.

import { renameSync, writeFileSync } from 'node:fs';
import { escapeXml } from './escape.js';
import { ReportInputError } from './errors.js';
import type { MetricRecord } from './metrics-log.js';
import { type OverlayImage, overlayPngDataUrl } from './overlay.js';
import { type ChartSeries, renderLineChartSvg } from './svg-chart.js';

/** One chart: a title and the metric keys drawn as its curves. */
export interface ChartSpec {
  title: string;
  keys: readonly string[];
}

/** Contents of a training report. */
export interface TrainingReportInput {
  /** Page heading (default "DeepIGeoS training report"). */
  title?: string;
  /** Logged rows, e.g. the parsed JSONL metrics log. */
  metrics: readonly MetricRecord[];
  /** Key used as the x axis (default: "step" if any row has it, else "epoch", else the row index). */
  xKey?: string;
  /** Charts to draw (default: one for keys containing "loss", one for keys containing "dice"). */
  charts?: readonly ChartSpec[];
  /** Prediction overlays shown below the curves. */
  overlays?: readonly OverlayImage[];
  /** Key facts shown as a table at the top (e.g. best validation Dice, epochs, wall time). */
  summary?: Readonly<Record<string, string | number>>;
  /** The run's configuration, shown as formatted JSON. */
  config?: unknown;
}

function numericKeys(metrics: readonly MetricRecord[]): string[] {
  const keys = new Set<string>();
  for (const row of metrics) for (const [k, v] of Object.entries(row)) if (typeof v === 'number') keys.add(k);
  return [...keys];
}

function chooseXKey(metrics: readonly MetricRecord[], requested: string | undefined): string | undefined {
  if (requested !== undefined) return requested;
  const keys = numericKeys(metrics);
  return ['step', 'epoch'].find((k) => keys.includes(k));
}

/** Default charts: loss-like and Dice-like keys (case-insensitive), each chart only if non-empty. */
export function defaultCharts(metrics: readonly MetricRecord[], xKey?: string): ChartSpec[] {
  const keys = numericKeys(metrics).filter((k) => k !== xKey);
  const charts: ChartSpec[] = [
    { title: 'Loss', keys: keys.filter((k) => /loss/i.test(k)) },
    { title: 'Dice', keys: keys.filter((k) => /dice/i.test(k)) },
  ];
  return charts.filter((c) => c.keys.length > 0);
}

function seriesFor(metrics: readonly MetricRecord[], key: string, xKey: string | undefined): ChartSeries {
  const points: Array<[number, number]> = [];
  metrics.forEach((row, index) => {
    const x = xKey === undefined ? index : row[xKey];
    const y = row[key];
    if (typeof x === 'number' && typeof y === 'number') points.push([x, y]);
  });
  return { name: key, points };
}

const STYLE = `body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
figure{display:inline-block;margin:8px}figure img{image-rendering:pixelated;width:256px;border:1px solid #ccc}
pre{background:#f6f6f6;padding:8px;overflow:auto}.legend span{margin-right:16px}`;

/**
 * Renders the report as one HTML document string (no external references).
 * @throws ReportInputError if `metrics` is not an array or a chart names a key no row has.
 */
export function renderTrainingReport(input: TrainingReportInput): string {
  if (!Array.isArray(input.metrics)) throw new ReportInputError('report.metrics must be an array of metric rows');
  const xKey = chooseXKey(input.metrics, input.xKey);
  const charts = input.charts ?? defaultCharts(input.metrics, xKey);
  const known = new Set(numericKeys(input.metrics));
  const title = input.title ?? 'DeepIGeoS training report';
  const body: string[] = [`<h1>${escapeXml(title)}</h1>`];
  if (input.summary) {
    const rows = Object.entries(input.summary).map(
      ([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(String(v))}</td></tr>`,
    );
    body.push(`<table class="summary">${rows.join('')}</table>`);
  }
  body.push('<h2>Curves</h2>');
  if (charts.length === 0) body.push('<p>No loss or Dice values were logged.</p>');
  for (const chart of charts) {
    for (const key of chart.keys) {
      if (!known.has(key)) {
        throw new ReportInputError(`chart "${chart.title}" names metric "${key}", but no row has a numeric "${key}"`);
      }
    }
    const series = chart.keys.map((k) => seriesFor(input.metrics, k, xKey));
    body.push(`<div class="chart">${renderLineChartSvg(series, { title: chart.title, xLabel: xKey ?? 'row' })}</div>`);
  }
  if (input.overlays && input.overlays.length > 0) {
    body.push('<h2>Predictions</h2>');
    body.push(
      '<p class="legend"><span style="color:#d00">■ prediction</span><span style="color:#0a0">□ ground truth outline</span></p>',
    );
    for (const overlay of input.overlays) {
      body.push(
        `<figure><img alt="${escapeXml(overlay.caption)}" src="${overlayPngDataUrl(overlay)}"><figcaption>${escapeXml(overlay.caption)}</figcaption></figure>`,
      );
    }
  }
  if (input.config !== undefined) {
    body.push(`<h2>Configuration</h2><pre>${escapeXml(JSON.stringify(input.config, null, 2))}</pre>`);
  }
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${STYLE}</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}

/**
 * Writes {@link renderTrainingReport}'s HTML to `path` atomically (temporary file + rename), so an
 * interrupted run never leaves a half-written report.
 */
export function writeTrainingReport(path: string, input: TrainingReportInput): void {
  const html = renderTrainingReport(input);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, html);
  renameSync(temporary, path);
}
