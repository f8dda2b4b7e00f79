// Browser implementations of the app's services: NIfTI in and out (io-nifti's browser entry,
// gunzip/gzip via the Compression Streams API), the bundled sample and the networks.

import { encodeNiftiGzip, type NiftiImage, niftiFromVolume, readNifti, toCanonical, volumeFromNifti } from '@deepigeos/io-nifti';
import type { AppServices } from './app.js';
import { bundledSample } from './bundled.js';
import { ViewerInputError } from './errors.js';
import { prepareSession } from './pipeline.js';
import type { ViewVolume } from './workspace.js';

/** The decoded (canonical) image behind each loaded volume, to write masks with its header. */
const sources = new WeakMap<ViewVolume, NiftiImage>();

async function loadVolume(bytes: Uint8Array, name: string): Promise<ViewVolume> {
  // Canonical RAS+ voxel order, as in training; the affine is updated so world positions stay.
  const image = toCanonical(await readNifti(bytes));
  const volume = volumeFromNifti(image);
  const volumeView: ViewVolume = { name, data: volume.data, shape: volume.shape, spacing: volume.spacing };
  sources.set(volumeView, image);
  return volumeView;
}

async function fetchSample(): Promise<{ bytes: Uint8Array; name: string }> {
  const sample = bundledSample();
  if (!sample) throw new ViewerInputError('this build has no bundled sample volume');
  const response = await fetch(sample.url);
  if (!response.ok) throw new ViewerInputError(`fetching the sample ${sample.url} failed: HTTP ${response.status}`);
  return { bytes: new Uint8Array(await response.arrayBuffer()), name: sample.name };
}

async function encodeMask(volume: ViewVolume, mask: Uint8Array): Promise<Uint8Array> {
  const like = sources.get(volume);
  if (!like) throw new ViewerInputError(`no NIfTI header is known for ${volume.name}`);
  const [d, h, w] = volume.shape;
  return encodeNiftiGzip(niftiFromVolume({ data: mask, shape: [d, h, w], spacing: [...volume.spacing], affine: like.affine }, like));
}

/** The services of the deployed app. */
export const browserServices: AppServices = { loadVolume, fetchSample, prepareSession, encodeMask };
