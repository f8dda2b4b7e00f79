import { ShapeError } from '../errors.js';

/** Throws a {@link ShapeError} unless `value` is a positive integer. */
export function requirePositiveInt(value: unknown, name: string, fn: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ShapeError(`${fn}: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Throws a {@link ShapeError} unless `value` is a dropout rate in [0, 1). */
export function requireRate(value: unknown, name: string, fn: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new ShapeError(`${fn}: ${name} must be a number in [0, 1), got ${String(value)}`);
  }
  return value;
}

/** Layers per block and dilation of each block of every P-Net (Wang et al. 2019; the PyTorch `P_RNet3D` reimplementation in 3D). */
export const PNET_BLOCKS: readonly { numLayers: number; dilation: number }[] = [
  { numLayers: 2, dilation: 1 },
  { numLayers: 2, dilation: 2 },
  { numLayers: 3, dilation: 4 },
  { numLayers: 3, dilation: 8 },
  { numLayers: 3, dilation: 16 },
];
