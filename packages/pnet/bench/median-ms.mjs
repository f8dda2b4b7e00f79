// The timing rule of the per-layer benches: one warm-up run, then the median wall time of
// `repeats` runs, in milliseconds.

/** Median ms of `repeats` runs of `run` after one warm-up. */
export function medianMs(run, repeats) {
  run();
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}
