// 2D prediction overlays: grey image, prediction filled in translucent red, ground-truth outline
// in green. Pure typed-array code (works in Node and browsers); PNG encoding via fast-png.

import { encode } from 'fast-png';
import { ReportInputError } from './errors.js';

/** A 2D slice to render, all arrays row-major `[height, width]`. */
export interface OverlayImage {
  /** Shown under the image in the report. */
  caption: string;
  width: number;
  height: number;
  /** Intensities; displayed linearly from `window[0]` (black) to `window[1]` (white). */
  image: ArrayLike<number>;
  /** Display window (default: the image's min and max); values outside are clamped. */
  window?: readonly [number, number];
  /** Predicted mask or probability; values > 0.5 are filled red at {@link PREDICTION_ALPHA}. */
  prediction?: ArrayLike<number>;
  /** Reference mask; values > 0.5 are outlined in opaque green (4-connected boundary). */
  groundTruth?: ArrayLike<number>;
}

/** Opacity of the red prediction fill. */
export const PREDICTION_ALPHA = 0.4;
const PREDICTION_RGB = [255, 0, 0] as const;
const GROUND_TRUTH_RGB = [0, 255, 0] as const;

function checkLength(name: string, values: ArrayLike<number> | undefined, expected: number): void {
  if (values !== undefined && values.length !== expected) {
    throw new ReportInputError(`overlay.${name} has ${values.length} values, expected width × height = ${expected}`);
  }
}

/** True where `mask` is on and a 4-neighbour is off or outside the image. */
function isBoundary(mask: ArrayLike<number>, width: number, height: number, x: number, y: number): boolean {
  if (!(mask[y * width + x]! > 0.5)) return false;
  if (x === 0 || y === 0 || x === width - 1 || y === height - 1) return true;
  const i = y * width + x;
  return !(mask[i - 1]! > 0.5 && mask[i + 1]! > 0.5 && mask[i - width]! > 0.5 && mask[i + width]! > 0.5);
}

function imageRange(image: ArrayLike<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < image.length; i++) {
    const v = image[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * Renders an overlay to RGBA bytes (`width × height × 4`, opaque).
 * @throws ReportInputError if the sizes are not positive integers or an array's length differs.
 */
export function renderOverlayRgba(overlay: OverlayImage): Uint8ClampedArray {
  const { width, height, image, prediction, groundTruth } = overlay;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new ReportInputError(`overlay width and height must be positive integers, got ${width} × ${height}`);
  }
  const n = width * height;
  checkLength('image', image, n);
  checkLength('prediction', prediction, n);
  checkLength('groundTruth', groundTruth, n);
  const [lo, hi] = overlay.window ?? imageRange(image);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const grey = Number.isFinite(image[i]!) ? Math.min(255, Math.max(0, (image[i]! - lo) * scale)) : 0;
      let rgb: [number, number, number] = [grey, grey, grey];
      if (prediction && prediction[i]! > 0.5) {
        rgb = rgb.map((c, k) => c * (1 - PREDICTION_ALPHA) + PREDICTION_RGB[k]! * PREDICTION_ALPHA) as typeof rgb;
      }
      if (groundTruth && isBoundary(groundTruth, width, height, x, y)) rgb = [...GROUND_TRUTH_RGB];
      rgba[i * 4] = rgb[0];
      rgba[i * 4 + 1] = rgb[1];
      rgba[i * 4 + 2] = rgb[2];
      rgba[i * 4 + 3] = 255;
    }
  }
  return rgba;
}

/** Renders an overlay (see {@link renderOverlayRgba}) and encodes it as PNG bytes. */
export function encodeOverlayPng(overlay: OverlayImage): Uint8Array {
  const data = renderOverlayRgba(overlay);
  return encode({ width: overlay.width, height: overlay.height, data: new Uint8Array(data.buffer), channels: 4, depth: 8 });
}

/** Base64 `data:image/png` URL of {@link encodeOverlayPng}'s output, for self-contained HTML. */
export function overlayPngDataUrl(overlay: OverlayImage): string {
  const png = encodeOverlayPng(overlay);
  let binary = '';
  for (let i = 0; i < png.length; i += 0x8000) binary += String.fromCharCode(...png.subarray(i, i + 0x8000));
  return `data:image/png;base64,${btoa(binary)}`;
}
