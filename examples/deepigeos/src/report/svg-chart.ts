// Dependency-free SVG line charts for training curves (inline in the HTML report).

import { escapeXml } from './escape.js';

/** One curve: `[x, y]` points in x order; non-finite y values leave a gap in the line. */
export interface ChartSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
}

/** Options of {@link renderLineChartSvg}. */
export interface LineChartOptions {
  title: string;
  xLabel: string;
  /** Outer size in CSS pixels (default 640 × 320). */
  width?: number;
  height?: number;
}

/** Plot-area margins (px): room for tick labels on the left/bottom, title on top. */
const MARGIN = { left: 56, right: 16, top: 32, bottom: 44 };
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** A "nice" tick step (1, 2 or 5 × 10^k) giving about `target` intervals over `span`. */
export function niceStep(span: number, target = 5): number {
  const raw = span / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const nice = residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1;
  return nice * magnitude;
}

/** Axis range covering the values, widened to whole tick steps so the axes start and end on a tick. */
function niceExtent(values: number[]): [number, number] {
  const [lo, hi] = extent(values);
  const step = niceStep(hi - lo);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

/** Axis range covering the values, widened when all values are equal (or there are none). */
function extent(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

function ticks(lo: number, hi: number): number[] {
  const step = niceStep(hi - lo);
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function formatTick(v: number): string {
  return Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

/**
 * Renders series as an SVG line chart with axes, ticks, a legend and a title. Each series is one
 * `<path>` with a `data-series` attribute (points become `M`/`L` commands; gaps start a new `M`).
 */
export function renderLineChartSvg(series: readonly ChartSeries[], options: LineChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 320;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const all = series.flatMap((s) => s.points);
  const [x0, x1] = niceExtent(all.map((p) => p[0]));
  const [y0, y1] = niceExtent(all.map((p) => p[1]));
  const sx = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => MARGIN.top + (1 - (y - y0) / (y1 - y0)) * plotH;
  const fmt = (v: number) => v.toFixed(2);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.title)}" font-family="sans-serif" font-size="11">`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
  ];
  for (const t of ticks(y0, y1)) {
    const y = fmt(sy(t));
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(t)}</text>`);
  }
  for (const t of ticks(x0, x1)) {
    const x = fmt(sx(t));
    parts.push(`<line x1="${x}" x2="${x}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 4}" stroke="#888"/>`);
    parts.push(`<text x="${x}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${height - 6}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    // Split at gaps; a one-point segment gets a zero-length L so its round cap draws a dot.
    const segments: string[][] = [[]];
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && Number.isFinite(y)) segments[segments.length - 1]!.push(`${fmt(sx(x))},${fmt(sy(y))}`);
      else if (segments[segments.length - 1]!.length > 0) segments.push([]);
    }
    const d = segments
      .filter((seg) => seg.length > 0)
      .map((seg) => `M${seg[0]}L${(seg.length === 1 ? seg : seg.slice(1)).join('L')}`)
      .join('');
    parts.push(
      `<path data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`,
    );
    const ly = MARGIN.top + 12 + i * 14;
    const lx = MARGIN.left + plotW - 150;
    parts.push(`<line x1="${lx}" x2="${lx + 16}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${lx + 20}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
