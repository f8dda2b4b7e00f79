// C++ programs the benchmarks run next to the package (plain baselines, studies of the core).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Compiles bench/<source> (plus core sources) with g++ and the given flags, writes the image and
 * seeds to a temporary directory, and calls `run` with the executable and the file paths.
 */
export function withCppProgram<T>(
  source: string,
  extraSources: string[],
  flags: string[],
  input: { image: Float32Array; seeds: Uint8Array },
  run: (exe: string, files: { image: string; seeds: string; work: string }) => T,
): T {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const work = mkdtempSync(join(tmpdir(), 'geodesic-bench-'));
  try {
    const exe = join(work, 'bench-exe');
    const sources = [join(here, source), ...extraSources.map((s) => join(here, '..', s))];
    execFileSync('g++', ['-std=c++17', ...flags, '-o', exe, ...sources]);
    const files = { image: join(work, 'img.f32'), seeds: join(work, 'seeds.u8'), work };
    writeFileSync(files.image, input.image);
    writeFileSync(files.seeds, input.seeds);
    return run(exe, files);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The plain single-threaded C++ raster scan (GeodisTK semantics, g++ -O2): the benchmarks' baseline. */
export function plainCpp(image: Float32Array, seeds: Uint8Array, dims: number[], repeats: number) {
  return withCppProgram('plain-raster.cpp', [], ['-O2'], { image, seeds }, (exe, files) => {
    const outPath = join(files.work, 'out.f32');
    const out = execFileSync(exe, [files.image, files.seeds, outPath, ...dims.map(String), String(repeats)], { encoding: 'utf8' });
    const buf = readFileSync(outPath);
    return { seconds: Number(out.trim()), result: new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4) };
  });
}
