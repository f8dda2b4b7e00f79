// Reads and writes a 256³ float32 volume (.nii and .nii.gz) and prints MB/s next to
// nifti-reader-js reading the same files in the same run, and next to bare zlib (the ceiling
// for gzip). Each pair runs alternately, best of 3. Run after `npm run build`: `npm run bench -w @deepigeos/io-nifti`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import * as niftiReader from 'nifti-reader-js';
import { niftiFromVolume, readNifti, toCanonical, writeNifti } from '../dist/index.js';

const N = 256;
const MB = (N * N * N * 4) / 1e6;
const REPEATS = 3;
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

// Smooth anatomy-like intensities with noise, so gzip sees realistic (not trivial) data.
function makeVolume() {
  const data = new Float32Array(N * N * N);
  let seed = 1;
  for (let z = 0, i = 0; z < N; z++) {
    for (let y = 0; y < N; y++) {
      for (let x = 0; x < N; x++, i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const r = Math.hypot(x - 128, y - 128, z - 128);
        data[i] = r < 100 ? Math.round(400 + 200 * Math.sin(x / 9) * Math.cos(y / 13) + (seed >>> 27)) : 0;
      }
    }
  }
  return { data, shape: [N, N, N], spacing: [1, 1, 1] };
}

/** Best time of `fn` and of `baseline`, run alternately so that load changes hit both alike. */
async function bestPair(fn, baseline) {
  const times = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (let r = 0; r < REPEATS; r++) {
    for (const [i, f] of [fn, baseline].entries()) {
      const t0 = performance.now();
      await f();
      times[i] = Math.min(times[i], performance.now() - t0);
    }
  }
  return times;
}

function readWithNiftiReaderJs(path) {
  const file = readFileSync(path);
  let buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
  if (niftiReader.isCompressed(buffer)) buffer = niftiReader.decompress(buffer);
  const header = niftiReader.readHeader(buffer);
  return new Float32Array(niftiReader.readImage(header, buffer));
}

const rate = (ms) => `${(MB / (ms / 1000)).toFixed(0).padStart(5)} MB/s (${ms.toFixed(0)} ms)`;

const dir = mkdtempSync(join(tmpdir(), 'io-nifti-bench-'));
try {
  const image = niftiFromVolume(makeVolume());
  const nii = join(dir, 'vol.nii');
  const gz = join(dir, 'vol.nii.gz');
  const rows = [];
  const writeNii = (await bestPair(() => writeNifti(nii, image), () => undefined))[0];
  const raw = readFileSync(nii);
  const [writeGz6, zlibGzip6] = await bestPair(() => writeNifti(gz, image, { level: 6 }), () => gzipAsync(raw, { level: 6 }));
  const [writeGz1, zlibGzip1] = await bestPair(() => writeNifti(join(dir, 'vol1.nii.gz'), image, { level: 1 }), () => gzipAsync(raw, { level: 1 }));
  await writeNifti(gz, image, { level: 6 });
  const compressed = readFileSync(gz);

  const [oursNii, theirsNii] = await bestPair(() => readNifti(nii), () => readWithNiftiReaderJs(nii));
  const [oursGz, theirsGz] = await bestPair(() => readNifti(gz), () => readWithNiftiReaderJs(gz));
  const [oursGz2, zlibGunzip] = await bestPair(() => readNifti(gz), () => gunzipAsync(compressed, { chunkSize: 1 << 20 }));

  // Reorientation of a permuted, flipped (PIR-like) copy: compared with a plain copy of the data.
  const pir = niftiFromVolume(makeVolume());
  pir.affine = [
    [0, 0, -1, 0],
    [-1, 0, 0, 0],
    [0, -1, 0, 0],
    [0, 0, 0, 1],
  ];
  const [canonical, plainCopy] = await bestPair(() => toCanonical(pir), () => pir.data.slice());

  rows.push(['read .nii', rate(oursNii), `nifti-reader-js ${rate(theirsNii)}`, `ratio ${(theirsNii / oursNii).toFixed(2)}×`]);
  rows.push(['read .nii.gz', rate(oursGz), `nifti-reader-js ${rate(theirsGz)}`, `ratio ${(theirsGz / oursGz).toFixed(2)}×`]);
  rows.push(['read .nii.gz (again)', rate(oursGz2), `zlib.gunzip alone ${rate(zlibGunzip)}`, `ours ${(zlibGunzip / oursGz2).toFixed(2)}× its speed`]);
  rows.push(['write .nii', rate(writeNii), '', '']);
  rows.push(['write .nii.gz level 6', rate(writeGz6), `zlib.gzip alone ${rate(zlibGzip6)}`, `ours ${(zlibGzip6 / writeGz6).toFixed(2)}× its speed`]);
  rows.push(['write .nii.gz level 1', rate(writeGz1), `zlib.gzip alone ${rate(zlibGzip1)}`, `ours ${(zlibGzip1 / writeGz1).toFixed(2)}× its speed`]);
  rows.push(['toCanonical (PIR → RAS)', rate(canonical), `plain data copy ${rate(plainCopy)}`, `${(canonical / plainCopy).toFixed(1)}× a copy's time`]);
  console.log(`256³ float32 (${MB.toFixed(1)} MB of voxels, .nii.gz ${(compressed.length / 1e6).toFixed(1)} MB), best of ${REPEATS}, Node ${process.version}`);
  for (const row of rows) console.log(row.map((c, i) => c.padEnd(i === 0 ? 32 : 38)).join(''));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
