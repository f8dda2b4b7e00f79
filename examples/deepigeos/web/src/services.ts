// Browser implementations of the app's services: NIfTI in and out (io-nifti's browser entry,
// gunzip/gzip via the Compression Streams API), the bundled sample and the networks.

import { encodeNiftiGzip, type NiftiImage, niftiFromVolume, readNifti, toCanonical, volumeFromNifti } from '@deepigeos/io-nifti';
import { maskToSource } from '../../src/data/load.js';
import type { AppServices } from './app.js';
import { bundledSample } from './bundled.js';
import { ViewerInputError } from './errors.js';
import { prepareSession } from './pipeline.js';
import type { ViewVolume } from './workspace.js';

/** The image as opened behind each loaded volume, to write masks on its grid with its header. */
const sources = new WeakMap<ViewVolume, NiftiImage>();

async function loadVolume(bytes: Uint8Array, name: string): Promise<ViewVolume> {
  const source = await readNifti(bytes);
  // Canonical RAS+ voxel order, as in training; the affine is updated so world positions stay.
  const volume = volumeFromNifti(toCanonical(source));
  const volumeView: ViewVolume = { name, data: volume.data, shape: volume.shape, spacing: volume.spacing };
  sources.set(volumeView, source);
  return volumeView;
}

async function fetchSample(): Promise<{ bytes: Uint8Array; name: string }> {
  const sample = bundledSample();
  if (!sample) throw new ViewerInputError('this build has no bundled sample volume');
  const response = await fetch(sample.url);
  if (!response.ok) throw new ViewerInputError(`fetching the sample ${sample.url} failed: HTTP ${response.status}`);
  return { bytes: new Uint8Array(await response.arrayBuffer()), name: sample.name };
}

/** The mask on the opened file's own voxel grid (reorientation undone), with its header and affine. */
async function encodeMask(volume: ViewVolume, mask: Uint8Array): Promise<Uint8Array> {
  const source = sources.get(volume);
  if (!source) throw new ViewerInputError(`no NIfTI header is known for ${volume.name}`);
  const [nx = 1, ny = 1, nz = 1] = source.dims;
  const onSourceGrid = maskToSource(mask, { reference: source, canonical: true });
  return encodeNiftiGzip(niftiFromVolume({ data: onSourceGrid, shape: [nz, ny, nx], spacing: [...volume.spacing], affine: source.affine }, source));
}

/** The services of the deployed app. */
export const browserServices: AppServices = { loadVolume, fetchSample, prepareSession, encodeMask };
