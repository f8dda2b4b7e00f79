// Runs in Chromium (bundled by scripts/browser-test.mjs): imports the browser entry only.
import { encodeNiftiGzip, readNifti, toCanonical } from '../src/index.browser.js';
// Vite serves these as asset URLs.
// @ts-expect-error: '?url' imports are resolved by the bundler, not by tsc
import multimemberUrl from './fixtures/multimember.nii.gz?url';
// @ts-expect-error: '?url' imports are resolved by the bundler, not by tsc
import gzUrl from './fixtures/container-v1.nii.gz?url';

async function bytes(url: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

function weightedSum(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i]! * ((i % 7) + 1);
  return s;
}

export default async function run() {
  const multi = await readNifti(await bytes(multimemberUrl));
  const image = await readNifti(await bytes(gzUrl));
  const again = await readNifti(await encodeNiftiGzip(image));
  const same = again.data.length === image.data.length && (again.data as Int16Array).every((v, i) => v === (image.data as Int16Array)[i]);
  const pathError = await readNifti('brain.nii.gz').then(
    () => 'no error',
    (e: Error) => e.message,
  );
  return {
    userAgent: navigator.userAgent,
    multimember: { dims: multi.dims, weightedSum: weightedSum(multi.data as Int16Array) },
    canonicalDims: toCanonical(image).dims,
    roundTrip: same,
    pathError,
  };
}
