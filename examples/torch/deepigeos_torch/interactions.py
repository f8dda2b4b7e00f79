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


def warp_probability(probability, rng, max_sigma, grid=4):
    """The probability map warped by a smooth random displacement (std drawn from [0, max_sigma]
    voxels, on a grid^rank control lattice interpolated linearly); positions clamp to the edge."""
    shape = probability.shape
    sigma = rng.uniform(0, max_sigma)
    coarse = rng.normal(0, 1, (len(shape),) + (grid,) * len(shape)) * sigma
    at_grid = np.meshgrid(*[np.linspace(0, grid - 1, n) for n in shape], indexing="ij")
    voxel = np.meshgrid(*[np.arange(n, dtype=np.float64) for n in shape], indexing="ij")
    source = [np.clip(v + ndimage.map_coordinates(coarse[a], at_grid, order=1), 0, shape[a] - 1) for a, v in enumerate(voxel)]
    return ndimage.map_coordinates(probability, source, order=1).astype(np.float32)


def perturb_probability(probability, rng, max_sigma):
    """A harder first-round input for R-Net (the CLI's `perturbInput`): the warped probability and,
    in half the cases, a random axis-aligned ellipse (semi-axes 15–50 % of each side) set to
    background (a missed region) or foreground (a leak)."""
    out = warp_probability(probability, rng, max_sigma)
    if rng.random() < 0.5:
        shape = out.shape
        centre = [rng.uniform(0, n - 1) for n in shape]
        radius = [max(1.0, rng.uniform(0.15, 0.5) * n) for n in shape]
        grids = np.meshgrid(*[np.arange(n) for n in shape], indexing="ij")
        inside = sum(((g - c) / r) ** 2 for g, c, r in zip(grids, centre, radius)) <= 1
        out[inside] = 0.0 if rng.random() < 0.5 else 1.0
    return out
