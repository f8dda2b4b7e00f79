"""Simulated users for R-Net training (DeepIGeoS' rule, as `@deepigeos/rnet`'s simulateInteractions
applies it): every face-connected under-segmented region (missed object → foreground clicks) or
over-segmented region (leak → background clicks) of N voxels gets 0 clicks if N < 30, else
⌈N / 100⌉ clicks at random voxels of the region; encoded with geodesic maps for R-Net."""
import math

import numpy as np
from scipy import ndimage

from .geodesic import normalized_map


def simulate_clicks(probability, truth, rng, min_region=30, voxels_per_seed=100):
    """(fg seeds, bg seeds) masks for a foreground probability map and the ground truth."""
    pred = probability > 0.5
    truth = truth.astype(bool)
    seeds = []
    for errors in (truth & ~pred, pred & ~truth):
        mask = np.zeros(truth.shape, np.uint8)
        labels, count = ndimage.label(errors)  # face connectivity in 2D and 3D
        for region in range(1, count + 1):
            voxels = np.flatnonzero(labels == region)
            if len(voxels) < min_region:
                continue
            k = min(math.ceil(len(voxels) / voxels_per_seed), len(voxels))
            mask.flat[rng.choice(voxels, size=k, replace=False)] = 1
        seeds.append(mask)
    return seeds[0], seeds[1]


def rnet_input(image, probability, fg, bg, spacing, lambda_):
    """R-Net input [C + 3, *spatial]: image channels, foreground probability, G(fg), G(bg)."""
    return np.concatenate([
        image,
        probability[None].astype(np.float32),
        normalized_map(image, fg, spacing, lambda_)[None],
        normalized_map(image, bg, spacing, lambda_)[None],
    ])
