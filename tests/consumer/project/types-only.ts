// Every public entry point, type-checked under the older `node10` and the `bundler` resolutions.
import type { DeepIGeoSError } from '@deepigeos/core';
import type { CrfNetFU } from '@deepigeos/crf-rnn';
import type { geodesicDistance } from '@deepigeos/geodesic';
import type { NiftiImage } from '@deepigeos/io-nifti';
import type { createPNet2D } from '@deepigeos/pnet';
import type { ShapeError } from '@deepigeos/pnet/errors';
import type { InteractiveSession } from '@deepigeos/rnet';

export type Everything = [DeepIGeoSError, CrfNetFU, typeof geodesicDistance, NiftiImage, typeof createPNet2D, ShapeError, InteractiveSession];
