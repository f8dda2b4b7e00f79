/**
 * Decoding of PASCAL VOC images (JPEG via jpeg-js) and class maps (palette PNG via fast-png) into
 * a 2D RGB image and a binary label of one class.
 * @module
 */
import { readFileSync } from 'node:fs';
import { decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { DatasetError } from '../errors.js';
import type { ImageVolume } from './volume.js';

/** Decodes a JPEG file to an RGB image `[H, W]` × 3 with values in [0, 1]. */
export function readJpegRgb(file: string): ImageVolume {
  let raw: { width: number; height: number; data: Uint8Array };
  try {
    raw = jpeg.decode(readFileSync(file), { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
  } catch (e) {
    throw new DatasetError(`cannot decode JPEG ${file}: ${(e as Error).message}`);
  }
  const n = raw.width * raw.height;
  const data = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = raw.data[i * 4 + c]! / 255;
  return { data, shape: [raw.height, raw.width], channels: 3, spacing: [1, 1] };
}

/**
 * Reads a VOC class-index PNG (palette or 8-bit grey) and returns 1 where the index is in
 * `foreground`, else 0; the void index 255 (object borders) becomes background.
 */
export function readClassPng(file: string, foreground: number[]): { label: Uint8Array; shape: [number, number] } {
  let png: ReturnType<typeof decodePng>;
  try {
    png = decodePng(readFileSync(file));
  } catch (e) {
    throw new DatasetError(`cannot decode PNG ${file}: ${(e as Error).message}`);
  }
  if (png.channels !== 1 || png.depth !== 8) {
    throw new DatasetError(`VOC label ${file} must be a palette or 8-bit single-channel PNG, got ${png.channels} channels of ${png.depth} bits`);
  }
  const fg = new Set(foreground);
  const label = new Uint8Array(png.width * png.height);
  for (let i = 0; i < label.length; i++) label[i] = fg.has(png.data[i]!) ? 1 : 0;
  return { label, shape: [png.height, png.width] };
}
