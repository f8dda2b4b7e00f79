import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import {
  encodeOverlayPng,
  type OverlayImage,
  parseMetricsJsonl,
  ReportInputError,
  renderLineChartSvg,
  renderOverlayRgba,
  renderTrainingReport,
  writeTrainingReport,
} from '../index.js';
import { useTempDirs } from './temp-dirs.js';

const PYTHON = '/usr/bin/python3';
const tempDir = useTempDirs('deepigeos-report-');

/** `[x, y]` pairs of every M/L command of the path with the given data-series name. */
function pathPoints(svg: string, series: string): number[][][] {
  const d = new RegExp(`data-series="${series}" d="([^"]*)"`).exec(svg)?.[1];
  if (d === undefined) throw new Error(`no path for ${series}`);
  return d
    .split('M')
    .filter(Boolean)
    .map((segment) => segment.split('L').map((p) => p.split(',').map(Number)));
}

// A 4 × 5 image with intensities 0..19, a prediction on the left two columns and a ground-truth
// 3 × 3 block in the top-left corner.
const overlay: OverlayImage = {
  caption: 'case <1> & "2"',
  width: 5,
  height: 4,
  image: Float32Array.from({ length: 20 }, (_, i) => i),
  prediction: Uint8Array.from({ length: 20 }, (_, i) => (i % 5 < 2 ? 1 : 0)),
  groundTruth: Uint8Array.from({ length: 20 }, (_, i) => (i % 5 < 3 && i < 15 ? 1 : 0)),
};

describe('SVG line chart', () => {
  it('maps data corners to plot corners (plot area 56..624 × 32..276 for 640 × 320)', () => {
    const svg = renderLineChartSvg([{ name: 'loss', points: [[0, 0], [5, 0.25], [10, 1]] }], { title: 'Loss', xLabel: 'step' });
    expect(pathPoints(svg, 'loss')).toEqual([[[56, 276], [340, 215], [624, 32]]]);
  });

  it('breaks lines at non-finite values and draws a lone point as a dot', () => {
    const svg = renderLineChartSvg([{ name: 'dice', points: [[0, 0], [1, Number.NaN], [2, 1], [3, 0.5], [4, Number.NaN], [5, 0]] }], {
      title: 'Dice',
      xLabel: 'epoch',
    });
    const segments = pathPoints(svg, 'dice');
    expect(segments.map((s) => s.length)).toEqual([2, 2, 2]);
    expect(segments[0]![0]).toEqual(segments[0]![1]);
  });

  it('widens the axes to whole tick steps (Dice 0.86..0.99 → 0.85..1 with ticks every 0.05)', () => {
    const svg = renderLineChartSvg([{ name: 'dice', points: [[1, 0.86], [10, 0.99]] }], { title: 'Dice', xLabel: 'step' });
    // x: 1..10 widens to 0..10 (step 2); y: 0.85 at the bottom (276), 1 at the top (32).
    const [[first, last]] = pathPoints(svg, 'dice');
    expect(first![0]).toBeCloseTo(56 + 568 / 10, 1);
    expect(first![1]).toBeCloseTo(276 - (0.01 / 0.15) * 244, 1);
    expect(last![0]).toBe(624);
    expect(last![1]).toBeCloseTo(32 + (0.01 / 0.15) * 244, 1);
    for (const tick of ['0.85', '0.9', '0.95', '1']) expect(svg).toContain(`>${tick}</text>`);
  });

  it('labels nice ticks and escapes text', () => {
    const svg = renderLineChartSvg([{ name: 'a<b', points: [[0, 0], [100, 0.8]] }], { title: 'T&C', xLabel: 'x' });
    for (const tick of ['0', '20', '40', '60', '80', '100', '0.2', '0.4', '0.6', '0.8']) expect(svg).toContain(`>${tick}</text>`);
    expect(svg).toContain('T&#38;C');
    expect(svg).toContain('data-series="a&#60;b"');
  });
});

describe('overlay rendering', () => {
  it('shows grey from min to max, red prediction fill at 40 %, green ground-truth outline', () => {
    const rgba = renderOverlayRgba(overlay);
    const px = (x: number, y: number) => Array.from(rgba.subarray((y * 5 + x) * 4, (y * 5 + x) * 4 + 4));
    const grey = (v: number) => (v * 255) / 19;
    // Plain pixels (no prediction, no outline): x = 3, 4 on the last row.
    expect(px(4, 3)).toEqual([255, 255, 255, 255]);
    expect(px(3, 3)).toEqual([Math.round(grey(18)), Math.round(grey(18)), Math.round(grey(18)), 255]);
    // Prediction only (x = 0, 1 on the last row): grey·0.6 + (255, 0, 0)·0.4.
    const g = grey(16);
    expect(px(1, 3)).toEqual([Math.round(g * 0.6 + 102), Math.round(g * 0.6), Math.round(g * 0.6), 255]);
    // The block's centre (1, 1) is inside the ground truth: not outlined, still predicted.
    expect(px(1, 1)[1]).toBe(Math.round(grey(6) * 0.6));
    // Every other block pixel is on its outline.
    for (const [x, y] of [[0, 0], [1, 0], [2, 0], [0, 1], [2, 1], [0, 2], [1, 2], [2, 2]]) expect(px(x!, y!)).toEqual([0, 255, 0, 255]);
  });

  it('maps a display window linearly and clamps values outside it', () => {
    const rgba = renderOverlayRgba({ caption: '', width: 4, height: 1, image: [-5, 10, 15, 40], window: [10, 30] });
    expect(Array.from(rgba.filter((_, i) => i % 4 === 0))).toEqual([0, 0, Math.round(255 / 4), 255]);
  });

  it('encodes a PNG that decodes (fast-png) to the same pixels', () => {
    const png = decode(encodeOverlayPng(overlay));
    expect([png.width, png.height, png.channels, png.depth]).toEqual([5, 4, 4, 8]);
    expect(Array.from(png.data)).toEqual(Array.from(renderOverlayRgba(overlay)));
  });

  it.skipIf(!existsSync(PYTHON))('encodes a PNG that Pillow decodes to the same pixels (live)', () => {
    const file = join(tempDir(), 'overlay.png');
    writeFileSync(file, encodeOverlayPng(overlay));
    const script = 'import sys,json; from PIL import Image; im=Image.open(sys.argv[1]); print(json.dumps([im.mode, list(im.getdata())]))';
    const [mode, pixels] = JSON.parse(execFileSync(PYTHON, ['-c', script, file], { encoding: 'utf8' })) as [string, number[][]];
    expect(mode).toBe('RGBA');
    expect(pixels.flat()).toEqual(Array.from(renderOverlayRgba(overlay)));
  });

  it('rejects arrays whose length is not width × height', () => {
    expect(() => renderOverlayRgba({ ...overlay, prediction: new Uint8Array(19) })).toThrow(
      new ReportInputError('overlay.prediction has 19 values, expected width × height = 20'),
    );
    expect(() => renderOverlayRgba({ ...overlay, width: 0 })).toThrow(/positive integers, got 0 × 4/);
  });
});

describe('training report', () => {
  const metrics = parseMetricsJsonl(
    ['{"epoch":1,"step":10,"loss":0.9,"valDice":0.2,"phase":"train"}', '', '{"epoch":2,"step":20,"loss":0.5,"valDice":0.6}'].join('\n'),
  );

  it('draws loss and Dice charts against step, overlays as PNG data URLs, no external resources', () => {
    const html = renderTrainingReport({ metrics, overlays: [overlay], summary: { 'best val Dice': 0.6 }, config: { lr: 1e-3 } });
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(pathPoints(html, 'loss')).toEqual([[[56, 32], [624, 276]]]);
    expect(pathPoints(html, 'valDice')).toEqual([[[56, 276], [624, 32]]]);
    expect(html).toContain('>step</text>');
    const src = /<img alt="case &#60;1&#62; &#38; &#34;2&#34;" src="data:image\/png;base64,([^"]+)">/.exec(html)?.[1];
    expect(Array.from(decode(Buffer.from(src!, 'base64')).data)).toEqual(Array.from(renderOverlayRgba(overlay)));
    expect(html).not.toMatch(/(src|href)="(?!data:)|<script|url\(/);
    expect(html).toContain('&#34;lr&#34;: 0.001');
    expect(html).toContain('<th>best val Dice</th><td>0.6</td>');
  });

  it('writes atomically and refuses charts of unknown metrics, leaving no file behind', () => {
    const dir = tempDir();
    writeTrainingReport(join(dir, 'report.html'), { metrics });
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(() => writeTrainingReport(join(dir, 'bad.html'), { metrics, charts: [{ title: 'Dice', keys: ['valdice'] }] })).toThrow(
      new ReportInputError('chart "Dice" names metric "valdice", but no row has a numeric "valdice"'),
    );
    expect(readdirSync(dir)).toEqual(['report.html']);
  });

  it('names the line of a bad JSONL metrics log', () => {
    expect(() => parseMetricsJsonl('{"a":1}\n{"a":', 'metrics.jsonl')).toThrow(/^metrics.jsonl line 2: invalid JSON/);
    expect(() => parseMetricsJsonl('{"a":1}\n[1]')).toThrow('metrics log line 2: expected a JSON object, got [1]');
  });
});
