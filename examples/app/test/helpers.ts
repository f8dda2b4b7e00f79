// Driving the built app in Debian's Chromium: build, serve (cross-origin isolated), open a page
// that records every request and every long task, and small readers of what the page shows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium, serveStatic } from '../../../scripts/browser-test.mjs';

export const appRoot = fileURLToPath(new URL('..', import.meta.url));

const scratchRoot = mkdtempSync(join(tmpdir(), 'deepigeos-app-test-'));

/** A new folder under this test file's scratch root (all of it removed by {@link removeScratch}). */
export function scratchDir(name: string): string {
  return mkdtempSync(join(scratchRoot, `${name}-`));
}

/** Removes every folder {@link scratchDir} and {@link buildAndServe} made. */
export function removeScratch(): void {
  rmSync(scratchRoot, { recursive: true, force: true });
}

/** Builds the app into a temporary folder and serves it; returns the URL and a closer. */
export async function buildAndServe(): Promise<{ url: string; close: () => Promise<void>; page: () => Promise<Page> }> {
  const { build } = await import('vite');
  const outDir = scratchDir('site');
  await build({ configFile: join(appRoot, 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const server = await serveStatic(outDir, { crossOriginIsolated: true });
  const browser = await launchChromium();
  return {
    url: server.url,
    page: async () => {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.addInitScript(() => {
        const w = window as unknown as { __longTasks: number[]; __statuses: string[] };
        w.__longTasks = [];
        w.__statuses = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.__longTasks.push(e.duration);
        }).observe({ type: 'longtask', buffered: true });
        document.addEventListener('DOMContentLoaded', () => {
          const status = document.querySelector('[data-testid=status]')!;
          new MutationObserver(() => w.__statuses.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
        });
      });
      return page;
    },
    close: async () => {
      await browser.close();
      server.close();
    },
  };
}

/** Waits until the status reads exactly `ready`. */
export async function idle(page: Page, timeout = 120_000): Promise<void> {
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'ready', null, { timeout });
}

/** Clicks `button` and waits until the job it starts has finished (status back to `ready`). */
export async function runJob(page: Page, testId: string, timeout = 180_000): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __statuses: string[] }).__statuses.length = 0;
  });
  await page.getByTestId(testId).click();
  await page.waitForFunction(() => (window as unknown as { __statuses: string[] }).__statuses.length > 0, null, { timeout: 10_000 });
  await idle(page, timeout);
}

/** The status texts seen since the last {@link runJob}. */
export function statuses(page: Page): Promise<string[]> {
  return page.evaluate(() => [...(window as unknown as { __statuses: string[] }).__statuses]);
}

/** Seed and segmentation voxel counts shown by the app. */
export async function counts(page: Page): Promise<{ fg: number; bg: number; seg: number }> {
  const text = (await page.locator('#counts').textContent()) ?? '';
  const m = /seeds: (\d+) foreground, (\d+) background voxels · segmentation: (?:(\d+) voxels|none)/.exec(text);
  if (!m) throw new Error(`unexpected counts text: ${text}`);
  return { fg: Number(m[1]), bg: Number(m[2]), seg: Number(m[3] ?? 0) };
}

/** The voxel (and segmentation value) the readout shows. */
export async function readout(page: Page): Promise<{ voxel: number[]; seg?: number }> {
  const text = (await page.locator('#readout').textContent()) ?? '';
  const m = /voxel \((\d+), (\d+), (\d+)\)/.exec(text);
  if (!m) throw new Error(`unexpected readout: ${text}`);
  const s = /segmentation (\d)/.exec(text);
  return { voxel: [Number(m[1]), Number(m[2]), Number(m[3])], ...(s ? { seg: Number(s[1]) } : {}) };
}

/**
 * Maps voxels (i, j) of the axial view to page coordinates: two clicks (no tool active) move the
 * crosshair, the readout names their voxels, and the view is linear in between.
 */
export async function axialMap(page: Page): Promise<(i: number, j: number) => { x: number; y: number }> {
  const box = (await page.getByTestId('viewer').boundingBox())!;
  const probe = async (fx: number, fy: number) => {
    const x = box.x + box.width * fx;
    const y = box.y + box.height * fy;
    await page.mouse.click(x, y);
    await page.waitForTimeout(50);
    return { x, y, v: (await readout(page)).voxel };
  };
  const a = await probe(0.42, 0.42);
  const b = await probe(0.58, 0.58);
  const sx = (b.x - a.x) / (b.v[0]! - a.v[0]!);
  const sy = (b.y - a.y) / (b.v[1]! - a.v[1]!);
  return (i, j) => ({ x: a.x + (i - a.v[0]!) * sx, y: a.y + (j - a.v[1]!) * sy });
}
