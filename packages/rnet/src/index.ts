/**
 * `@deepigeos/rnet`: the DeepIGeoS interactive pipeline — R-Net, geodesic interaction
 * encoding, simulated users, the interactive refinement session and evaluation metrics.
 * @packageDocumentation
 */
export { type Connectivity, type Components, labelComponents } from './components.js';
export { euclideanDistanceTransform } from './edt.js';
export { OptionError, SeedError, SessionStateError, ShapeError } from './errors.js';
export type { GridShape, Spacing } from './grid.js';
export {
  assd,
  dice,
  hausdorff95,
  iou,
  percentile,
  type SegmentationMetrics,
  segmentationMetrics,
  surfaceDistances,
  surfaceMask,
} from './metrics.js';
export { createRng, type Rng } from './rng.js';
export { countSeeds, type SeedInput, toSeedMask } from './seeds.js';
export {
  type SimulatedInteractions,
  type SimulatedRegion,
  type SimulateOptions,
  simulateInteractions,
} from './simulate.js';
