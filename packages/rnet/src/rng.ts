// The seeded random source shared by every @deepigeos package (one algorithm, one state format).
export { createRng, type Rng } from '@deepigeos/core';
