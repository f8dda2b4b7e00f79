// One view's pixels: grey slice, segmentation filled red (the report's overlay renderer, so the
// app and the training report look alike), foreground seeds green, background seeds blue.

import { renderOverlayRgba } from '../../src/report/overlay.js';
import { SeedLabel } from './scribbles.js';

/** Seed colours (opaque). */
export const SEED_COLORS = {
  [SeedLabel.foreground]: [40, 220, 40],
  [SeedLabel.background]: [40, 120, 255],
} as const;

/** Inputs of {@link renderSliceRgba}; arrays are row-major `[height, width]` slices. */
export interface SliceLayers {
  width: number;
  height: number;
  image: Float32Array;
  window: readonly [number, number];
  /** Binary segmentation of the slice, if any. */
  mask?: Uint8Array;
  /** {@link SeedLabel} per pixel, if any. */
  seeds?: Uint8Array;
}

/** RGBA pixels of a slice with its segmentation and seeds. */
export function renderSliceRgba(layers: SliceLayers): Uint8ClampedArray {
  const rgba = renderOverlayRgba({
    caption: '',
    width: layers.width,
    height: layers.height,
    image: layers.image,
    window: layers.window,
    ...(layers.mask ? { prediction: layers.mask } : {}),
  });
  const seeds = layers.seeds;
  if (seeds) {
    for (let i = 0; i < seeds.length; i++) {
      const color = seeds[i] === SeedLabel.foreground || seeds[i] === SeedLabel.background ? SEED_COLORS[seeds[i] as 1 | 2] : undefined;
      if (color) rgba.set(color, i * 4);
    }
  }
  return rgba;
}
