import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasChromium, runInChromium } from '../../../../../scripts/browser-test.mjs';

describe.skipIf(!hasChromium())('training report in headless Chromium', () => {
  it('shows its PNG overlay and SVG curves (decoded and laid out by the browser)', async () => {
    const entry = join(dirname(fileURLToPath(import.meta.url)), 'report-in-browser.ts');
    const result = (await runInChromium({ entry })) as {
      image: number[];
      topRight: number[];
      charts: { title: string; pathWidth: number; pathHeight: number }[];
    };
    expect(result.image).toEqual([32, 24]);
    expect(result.topRight).toEqual([0, 255, 0, 255]);
    // Plot area 568 × 244 px; axes widened to nice ticks. Loss: steps 1..20 on 0..20, values
    // 0.05..1 on 0..1. Dice: steps 4..20 on 0..20, values 0.15..0.95 on 0..1.
    expect(result.charts).toEqual([
      { title: 'Loss', pathWidth: Math.round((568 * 19) / 20), pathHeight: Math.round(244 * 0.95) },
      { title: 'Dice', pathWidth: Math.round((568 * 16) / 20), pathHeight: Math.round(244 * 0.8) },
    ]);
  }, 120_000);
});
