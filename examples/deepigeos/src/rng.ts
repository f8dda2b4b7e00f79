/**
 * The seeded random source of augmentation, sampling and dataset splits: the one every
 * `@deepigeos` package uses. Its whole state is one 32-bit integer, so training runs save it in a
 * checkpoint and resume bit for bit.
 * @module
 */
export { createRng, type Rng } from '@deepigeos/core';
