/**
 * The files `deepigeos evaluate` writes: per-case CSV (one row per case, slice and stage), the
 * JSON report, and a self-contained HTML report with the Dice-vs-clicks curves.
 * @module
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { escapeXml } from '../report/escape.js';
import { renderTrainingReport } from '../report/html-report.js';
import type { MetricRecord } from '../report/metrics-log.js';
import type { CaseEvaluation, EvaluationReport, ImageEvaluation, MeanEvaluation, Score } from './evaluate.js';

/** Columns of the evaluation CSV. */
export const CSV_COLUMNS = [
  'case',
  'region',
  'slice',
  'stage',
  'round',
  'fg_clicks',
  'bg_clicks',
  'clicks_total',
  'dice',
  'assd_mm',
  'hd95_mm',
  'seconds',
  'rnet_dice',
  'noc85',
  'noc90',
] as const;

const csvField = (v: string | number | null | undefined): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(6)) : v;
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Rows of one evaluated image (a case or one of its slices): P-Net, CRF-Net(f), each round. */
function imageRows(id: string, region: string, slice: number | undefined, e: ImageEvaluation): string[][] {
  const row = (stage: string, round: number, s: Score, extra: { fg?: number; bg?: number; clicks: number; seconds: number; rnet?: number }) =>
    [id, region, slice, stage, round, extra.fg ?? 0, extra.bg ?? 0, extra.clicks, s.dice, s.assd, s.hd95, extra.seconds, extra.rnet, e.noc85, e.noc90].map(csvField);
  const rows = [row('pnet', 0, e.pnet, { clicks: 0, seconds: e.pnetSeconds })];
  if (e.pnetCrf) rows.push(row('pnet_crf', 0, e.pnetCrf, { clicks: 0, seconds: e.pnetSeconds }));
  e.rounds.forEach((r, i) => {
    rows.push(row('round', i + 1, r, { fg: r.fgSeeds, bg: r.bgSeeds, clicks: r.clicks, seconds: r.seconds, rnet: r.rnet.dice }));
  });
  return rows;
}

/** The CSV text: a header and one row per case (and slice, for 2D nets on volumes) and stage. */
export function evaluationCsv(cases: readonly CaseEvaluation[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const c of cases) {
    for (const r of imageRows(c.id, c.region, undefined, c)) lines.push(r.join(','));
    for (const s of c.slices ?? []) for (const r of imageRows(c.id, 'slice', s.index, s)) lines.push(r.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Dice-vs-clicks points of one evaluation: (0, automatic result), then (clicks so far, Dice) per round. */
function curve(e: { pnet: Score; pnetCrf: Score | null; rounds: readonly { dice: number; clicks: number }[] }): [number, number][] {
  return [[0, (e.pnetCrf ?? e.pnet).dice], ...e.rounds.map((r) => [r.clicks, r.dice] as [number, number])];
}

const fmt = (v: number | null, digits = 3) => (v === null ? '–' : v.toFixed(digits));

function meanTable(title: string, m: MeanEvaluation): string {
  const rows = [
    ['P-Net', m.pnet, 0, m.pnetCrf ? null : m.pnetSeconds],
    ...(m.pnetCrf ? [['+ CRF-Net(f) (seconds: P-Net + CRF-Net(f))', m.pnetCrf, 0, m.pnetSeconds] as const] : []),
    ...m.rounds.map((r, i) => [`round ${i + 1}`, r, r.clicks, r.seconds] as const),
  ] as const;
  const body = rows
    .map(([stage, s, clicks, seconds]) => `<tr><td>${stage}</td><td>${fmt(s.dice)}</td><td>${fmt(s.assd, 2)}</td><td>${fmt(s.hd95, 2)}</td><td>${fmt(clicks, 1)}</td><td>${fmt(seconds, 2)}</td></tr>`)
    .join('');
  return `<h2>${escapeXml(title)}</h2><table><tr><th>stage</th><th>Dice</th><th>ASSD (mm)</th><th>HD95 (mm)</th><th>clicks so far</th><th>seconds</th></tr>${body}</table><p>NoC@85 ${fmt(m.noc85, 2)}, NoC@90 ${fmt(m.noc90, 2)} (clicks to reach Dice 0.85 / 0.90, at most 20)</p>`;
}

/** The HTML report: summary, mean tables, Dice-vs-clicks curves (mean and per case). */
export function renderEvaluationReport(report: EvaluationReport, title = 'DeepIGeoS evaluation'): string {
  const rows: MetricRecord[] = [];
  for (const [x, y] of curve({ ...report.mean, rounds: report.mean.rounds })) rows.push({ clicks: x, 'mean Dice': y });
  for (const c of report.cases) for (const [x, y] of curve(c)) rows.push({ clicks: x, [`Dice ${c.id}`]: y });
  const s = report.settings;
  const final = report.mean.rounds.at(-1);
  const html = renderTrainingReport({
    title,
    metrics: rows,
    xKey: 'clicks',
    charts: [
      { title: 'Dice vs clicks (mean over cases; x = mean clicks so far)', keys: ['mean Dice'] },
      { title: 'Dice vs clicks per case', keys: report.cases.map((c) => `Dice ${c.id}`) },
    ],
    summary: {
      cases: report.cases.length,
      'simulated user': s.protocol === 'single' ? 'one click per round (largest error region)' : `paper's rule${s.minClicks ? ` + at least ${s.minClicks} click(s) per round` : ''}`,
      'seed encoding': s.encoding,
      rounds: s.rounds,
      'P-Net Dice': fmt(report.mean.pnet.dice),
      ...(report.mean.pnetCrf ? { '+ CRF-Net(f) Dice': fmt(report.mean.pnetCrf.dice) } : {}),
      ...(final ? { 'final Dice': fmt(final.dice) } : {}),
      'NoC@85': fmt(report.mean.noc85, 2),
      'NoC@90': fmt(report.mean.noc90, 2),
    },
  });
  const tables = [meanTable('Mean over cases', report.mean), ...(report.meanSlices ? [meanTable('Mean over evaluated slices', report.meanSlices)] : [])];
  return html.replace('</body>', `${tables.join('\n')}\n</body>`);
}

/** Writes text to `path` through a temporary file and a rename, creating the folder. */
export function writeTextAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
