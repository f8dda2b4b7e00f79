/** The phantom of the browser benchmark: the head phantom of the main benchmark. */
export const PHANTOM_DIMS = [181, 217, 181] as const;
export const PHANTOM_SEED_RADIUS = 5;
