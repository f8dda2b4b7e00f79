"""Datasets with the layouts and config keys of the `deepigeos` CLI (generic globs paired by file
name or explicit lists by position, CSV pairs lists, BraTS 2021, Medical Segmentation Decathlon),
NIfTI read by nibabel, the CLI's preprocessing (closest canonical orientation, crop to the non-zero box, z-score over non-zero voxels) and
seeded patch sampling with the augmentations that matter for these nets.

Arrays are kept in the JavaScript packages' axis order: [D, H, W] = [z, y, x] (NIfTI's x fastest
in memory), channels first here: image [C, D, H, W] float32, label [D, H, W] uint8.
"""
import glob
import math
import os
import re

import nibabel as nib
import numpy as np
from scipy import ndimage

BRATS_WHOLE_TUMOUR = [1, 2, 4]


def rng_for(*parts):
    """A generator for one purpose (seed, sample index, stream tag…); negative parts are fine."""
    return np.random.default_rng([int(p) % (1 << 64) for p in parts])


class DatasetError(Exception):
    """Missing files, unpaired images, shape mismatches, non-finite voxels; names the file."""


def _dynamic(pattern):
    return re.search(r"[*?\[\]{}()!]", pattern) is not None


def expand_glob(pattern, what):
    """Files of a glob (sorted, absolute), or the one file a plain path names."""
    if not _dynamic(pattern):
        if not os.path.exists(pattern):
            raise DatasetError(f"{what}: file {pattern} does not exist (relative to {os.getcwd()})")
        if not os.path.isfile(pattern):
            raise DatasetError(f"{what}: {pattern} is not a file")
        return [os.path.abspath(pattern)]
    files = sorted(os.path.abspath(f) for f in glob.glob(pattern, recursive=True) if os.path.isfile(f))
    if not files:
        raise DatasetError(f"{what}: no files match {pattern!r} (relative to {os.getcwd()})")
    return files


def split_file_list(value):
    """`--images a.nii.gz,b.nii.gz` or a glob; braces keep a glob whole."""
    return [value] if re.search(r"[{}]", value) else [v.strip() for v in value.split(",") if v.strip()]


def _unique_ids(paths):
    seen, ids = {}, []
    for p in paths:
        base = stem(p)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return ids


def pair_by_position(images, labels):
    """Explicit file lists pair by position; ids are the image stems made unique."""
    if len(images) != len(labels):
        raise DatasetError(f"--images lists {len(images)} file(s) but --labels lists {len(labels)}; explicit lists pair by position and must have the same length")
    return [{"id": i, "image": f, "label": lab} for i, f, lab in zip(_unique_ids(images), images, labels)]


def read_pairs_list(path):
    """A pairs list (`data.pairs`): one case per line, `image[,more channels],label`, paths relative
    to the list; blank and `#` lines skipped; a first line naming no image file is a header."""
    if not os.path.exists(path):
        raise DatasetError(f"--pairs {path}: file does not exist")
    folder = os.path.dirname(os.path.abspath(path))
    rows = []
    with open(path) as f:
        for number, line in enumerate(f.read().splitlines(), start=1):
            fields = [x.strip() for x in line.split(",")]
            if "".join(fields) and not fields[0].startswith("#"):
                rows.append((number, fields))
    if rows and all(not re.search(r"\.(nii(\.gz)?|png|jpe?g|hdr|img)$", x, re.I) for x in rows[0][1]):
        rows.pop(0)
    if not rows:
        raise DatasetError(f'--pairs {path}: no cases listed (expected lines "image.nii.gz,label.nii.gz")')
    cases = []
    for number, fields in rows:
        if any(x == "" for x in fields):
            raise DatasetError(f"--pairs {path} line {number}: empty field in {','.join(fields)!r}")
        if len(fields) < 2:
            raise DatasetError(f"--pairs {path} line {number}: expected \"image,label\", got {','.join(fields)!r}")
        paths = [os.path.normpath(os.path.join(folder, x)) for x in fields]
        for x, p in zip(fields, paths):
            if not os.path.exists(p):
                raise DatasetError(f"--pairs {path} line {number}: {x} does not exist (resolved to {p})")
        cases.append({"images": paths[:-1], "label": paths[-1]})
    for case, i in zip(cases, _unique_ids([c["images"][0] for c in cases])):
        case["id"] = i
    return cases


def stem(path):
    return re.sub(r"\.(nii\.gz|nii|hdr\.gz|hdr|img\.gz|img|png|jpe?g)$", "", os.path.basename(path), flags=re.I)


def _without_suffix(s):
    return re.sub(r"_[^_]+$", "", s)


def pair_by_name(images, labels):
    """Identical stems first (`imagesTr/a.nii.gz` ↔ `labelsTr/a.nii.gz`), else stems without their
    last `_suffix` (`a_flair` ↔ `a_seg`), as the CLI pairs them."""
    for key in (stem, lambda f: _without_suffix(stem(f))):
        by_key = {}
        unique = True
        for lab in labels:
            unique &= key(lab) not in by_key
            by_key[key(lab)] = lab
        keys = [key(f) for f in images]
        if not unique or len(set(keys)) != len(images):
            continue
        if len(images) == len(labels) and all(k in by_key for k in keys):
            return [{"id": k, "image": f, "label": by_key[k]} for k, f in zip(keys, images)]
    stems = {stem(lab) for lab in labels}
    lonely = next((f for f in images if stem(f) not in stems and not any(_without_suffix(stem(lab)) == _without_suffix(stem(f)) for lab in labels)), None)
    detail = f": no label for {lonely}" if lonely else " (counts differ or names are ambiguous)"
    raise DatasetError(f"cannot pair {len(images)} images with {len(labels)} labels by file name{detail}")


def _nifti_in(folder, base):
    for ext in (".nii.gz", ".nii"):
        if os.path.exists(os.path.join(folder, base + ext)):
            return os.path.join(folder, base + ext)
    return None


def dataset_cases(data):
    """Case references ({id, images, label, foreground, channelIndices}) of the config's `data`."""
    fmt = data.get("format", "glob")
    fg = data.get("foreground")
    if fmt == "glob":
        if not data.get("images"):
            raise DatasetError("data.images (--images GLOB) is required for the glob layout")
        if not data.get("labels"):
            raise DatasetError("training needs labels: pass --labels GLOB (data.labels)")
        image_entries, label_entries = split_file_list(data["images"]), split_file_list(data["labels"])
        images = [f for e in image_entries for f in expand_glob(e, "--images")]
        labels = [f for e in label_entries for f in expand_glob(e, "--labels")]
        explicit = not any(_dynamic(e) for e in image_entries + label_entries)
        pairs = pair_by_position(images, labels) if explicit else pair_by_name(images, labels)
        return [{"id": p["id"], "images": [p["image"]], "label": p["label"], "foreground": fg} for p in pairs]
    if fmt == "pairs":
        if not data.get("pairs"):
            raise DatasetError("data.pairs (a CSV list of image,label lines) is required for the pairs layout")
        return [{**c, "foreground": fg} for c in read_pairs_list(data["pairs"])]
    root = data.get("root")
    if fmt == "brats":
        if not root or not os.path.isdir(root):
            raise DatasetError(f"BraTS dataset: directory {root} does not exist")
        cases = []
        for name in sorted(os.listdir(root)):
            folder = os.path.join(root, name)
            if not os.path.isdir(folder):
                continue
            files = []
            for m in data.get("modalities") or ["flair"]:
                f = _nifti_in(folder, f"{name}_{m}")
                if not f:
                    raise DatasetError(f"BraTS case {name}: missing {os.path.join(folder, f'{name}_{m}.nii.gz')}")
                files.append(f)
            label = _nifti_in(folder, f"{name}_seg")
            if not label:
                raise DatasetError(f"BraTS case {name}: missing {os.path.join(folder, f'{name}_seg.nii.gz')}")
            cases.append({"id": name, "images": files, "label": label, "foreground": fg or BRATS_WHOLE_TUMOUR})
        if not cases:
            raise DatasetError(f"BraTS dataset: no case folders in {root}")
        return cases
    if fmt == "msd":
        for sub in ("imagesTr", "labelsTr"):
            if not root or not os.path.isdir(os.path.join(root, sub)):
                raise DatasetError(f"MSD dataset: directory {os.path.join(root or '', sub)} does not exist")

        def listing(sub):
            return [os.path.join(root, sub, f) for f in sorted(os.listdir(os.path.join(root, sub))) if re.search(r"\.nii(\.gz)?$", f) and not f.startswith(".")]

        pairs = pair_by_name(listing("imagesTr"), listing("labelsTr"))
        return [{"id": p["id"], "images": [p["image"]], "label": p["label"], "foreground": fg, "channelIndices": data.get("channels")} for p in pairs]
    raise DatasetError(f"data.format {fmt!r} is not supported by the PyTorch trainer (glob, pairs, brats, msd)")


def split_cases(cases, seed, fraction, validation_ids=None):
    """Train/validation split by a seeded shuffle (at least one validation case when there are
    two or more), or by explicit validation ids."""
    if validation_ids:
        unknown = [i for i in validation_ids if all(c["id"] != i for c in cases)]
        if unknown:
            raise DatasetError(f"validation list names unknown cases: {', '.join(unknown)}")
        return [c for c in cases if c["id"] not in validation_ids], [c for c in cases if c["id"] in validation_ids]
    order = rng_for(seed, 0x5EED).permutation(len(cases))
    n_val = round(len(cases) * fraction)
    if fraction > 0 and len(cases) >= 2:
        n_val = min(max(n_val, 1), len(cases) - 1)
    val = set(order[:n_val].tolist())
    return [c for i, c in enumerate(cases) if i not in val], [c for i, c in enumerate(cases) if i in val]


def _read(path, canonical):
    try:
        img = nib.load(path)
        if canonical:
            img = nib.as_closest_canonical(img)
        data = np.asarray(img.dataobj, dtype=np.float32)
    except Exception as e:  # nibabel raises many types for malformed files
        raise DatasetError(f"cannot read {path}: {e}") from e
    zooms = img.header.get_zooms()
    return data, [float(z) for z in zooms[:3]] + [1.0] * (3 - len(zooms[:3]))


def _channels(path, canonical, indices):
    """[C, D, H, W] planes of one file (a 4D file gives one channel per 4th-dimension index)."""
    data, zooms = _read(path, canonical)
    while data.ndim < 3:
        data = data[..., None]
    if data.ndim == 3:
        if indices and any(i != 0 for i in indices):
            raise DatasetError(f"{path} is 3D; channel indices {indices} need a 4D image")
        vols = [data]
    else:
        if data.ndim > 4 and any(d != 1 for d in data.shape[4:]):
            raise DatasetError(f"{path} has {data.ndim} dimensions; at most 4 are supported")
        data = data.reshape(data.shape[:4])
        picks = indices if indices is not None else range(data.shape[3])
        for i in picks:
            if not (0 <= i < data.shape[3]):
                raise DatasetError(f"{path}: channel index {i} is outside 0..{data.shape[3] - 1}")
        vols = [data[..., i] for i in picks]
    planes = np.stack([np.ascontiguousarray(v.transpose(2, 1, 0)) for v in vols])  # x,y,z → z,y,x
    return planes, [zooms[2], zooms[1], zooms[0]]


def non_zero_box(image, margin):
    """Bounding box (start, end per axis) of voxels where any channel is non-zero, grown by margin."""
    nz = np.any(image != 0, axis=0)
    if not nz.any():
        return [0] * nz.ndim, list(nz.shape)
    idx = np.nonzero(nz)
    return [max(0, int(i.min()) - margin) for i in idx], [min(s, int(i.max()) + 1 + margin) for i, s in zip(idx, nz.shape)]


def zscore_non_zero(image, clip_percentiles=None):
    """Per channel over voxels non-zero in any channel; other voxels stay 0 (as the CLI does).
    With clip_percentiles [lo, hi], each channel is first clipped to those percentiles (linear
    interpolation) of its non-zero voxels, as the CLI's `preprocess.clipPercentiles`."""
    mask = np.any(image != 0, axis=0)
    out = np.zeros_like(image)
    if mask.any():
        for c in range(image.shape[0]):
            v = image[c][mask].astype(np.float64)
            if clip_percentiles is not None:
                lo, hi = np.percentile(v, clip_percentiles)
                v = np.clip(v, lo, hi)
            mean = v.mean()
            std = math.sqrt(max((v * v).mean() - mean * mean, 0)) or 1
            out[c][mask] = ((v - mean) / std).astype(np.float32)
    return out


def load_case(ref, prep):
    """Loads one case: image [C, D, H, W] float32, label [D, H, W] uint8, spacing [sd, sh, sw]."""
    if prep.get("spacing"):
        raise DatasetError("preprocess.spacing (resampling) is not supported by the PyTorch trainer; resample the data beforehand or set it to null")
    parts = [_channels(f, prep["canonical"], ref.get("channelIndices")) for f in ref["images"]]
    first = parts[0][0]
    for (planes, _), f in zip(parts[1:], ref["images"][1:]):
        if planes.shape[1:] != first.shape[1:]:
            raise DatasetError(f"case {ref['id']}: {f} is {'×'.join(map(str, planes.shape[1:]))} but {ref['images'][0]} is {'×'.join(map(str, first.shape[1:]))} ([D, H, W])")
    image = np.concatenate([p for p, _ in parts])
    spacing = parts[0][1]
    bad = int(np.count_nonzero(~np.isfinite(image)))
    if bad:
        raise DatasetError(f"case {ref['id']}: {', '.join(ref['images'])} has {bad} NaN or infinite voxel(s); fix or mask them before training")
    label = None
    if ref.get("label"):
        planes, _ = _channels(ref["label"], prep["canonical"], None)
        values = planes[0]
        if not np.all(np.isfinite(values)):
            raise DatasetError(f"case {ref['id']}: label {ref['label']} has NaN or infinite voxels")
        if values.shape != image.shape[1:]:
            raise DatasetError(f"case {ref['id']}: label {ref['label']} is {'×'.join(map(str, values.shape))} but image {ref['images'][0]} is {'×'.join(map(str, image.shape[1:]))} ([D, H, W])")
        rounded = np.round(values)
        fg = ref.get("foreground")
        label = (np.isin(rounded, fg) if fg else rounded > 0).astype(np.uint8)
    if prep["crop"]:
        start, end = non_zero_box(image, prep["cropMargin"])
        box = tuple(slice(s, e) for s, e in zip(start, end))
        image = np.ascontiguousarray(image[(slice(None),) + box])
        if label is not None:
            label = np.ascontiguousarray(label[box])
    if prep["zscore"]:
        image = zscore_non_zero(image, prep.get("clipPercentiles", [0.5, 99.5]))
    return {"id": ref["id"], "image": image, "label": label, "spacing": spacing}


class CaseCache:
    """Loaded cases by index, the `cacheCases` most recently used kept in memory (as the CLI's
    cache does), so datasets larger than memory train too."""

    def __init__(self, refs, prep, capacity):
        self.refs, self.prep, self.capacity = refs, prep, max(1, capacity)
        self.cases = {}

    def __len__(self):
        return len(self.refs)

    def get(self, i):
        case = self.cases.pop(i, None) or load_case(self.refs[i], self.prep)
        self.cases[i] = case  # most recent last
        while len(self.cases) > self.capacity:
            self.cases.pop(next(iter(self.cases)))
        return case


def extract_slice(image, label, spacing, axis, index):
    """A 2D slice [C, H', W'] / [H', W'] of a [C, D, H, W] volume along axis 0, 1 or 2."""
    sl = [slice(None)] * 3
    sl[axis] = index
    keep = [a for a in range(3) if a != axis]
    return np.ascontiguousarray(image[(slice(None),) + tuple(sl)]), np.ascontiguousarray(label[tuple(sl)]), [spacing[a] for a in keep]


def _pick_slice(label, axis, rng, p):
    if rng.random() < p:
        with_fg = np.nonzero(label.any(axis=tuple(a for a in range(3) if a != axis)))[0]
        if len(with_fg):
            return int(with_fg[rng.integers(len(with_fg))])
    return int(rng.integers(label.shape[axis]))


def sample_patch(image, label, size, rng, p_fg):
    """A patch of `size` (zero-padded where the image is smaller), centred on a random foreground
    voxel with probability p_fg, else at a uniformly random position."""
    shape = label.shape
    if rng.random() < p_fg and label.any():
        fg = np.flatnonzero(label)
        centre = np.unravel_index(int(fg[rng.integers(len(fg))]), shape)
        start = [int(c) - s // 2 for c, s in zip(centre, size)]
    else:
        start = [int(rng.integers(max(d - s, 0) + 1)) if d >= s else -((s - d) // 2) for d, s in zip(shape, size)]
    start = [min(max(st, 0), d - s) if d >= s else -((s - d) // 2) for st, d, s in zip(start, shape, size)]
    out_img = np.zeros((image.shape[0],) + tuple(size), np.float32)
    out_lab = np.zeros(tuple(size), np.uint8)
    src = tuple(slice(max(st, 0), min(st + s, d)) for st, s, d in zip(start, size, shape))
    dst = tuple(slice(max(st, 0) - st, min(st + s, d) - st) for st, s, d in zip(start, size, shape))
    out_img[(slice(None),) + dst] = image[(slice(None),) + src]
    out_lab[dst] = label[src]
    return out_img, out_lab


def augment(image, label, rng, opts):
    """Seeded augmentation (the CLI's keys): random flips per axis, in-plane rotation and scaling
    (with probability spatialProbability), a smooth multiplicative bias field, gamma on the
    min–max range, Gaussian noise. Elastic deformation (elasticSigma) is not implemented here."""
    rank = label.ndim
    for a in range(rank):
        if rng.random() < opts["flipProbability"]:
            image, label = np.flip(image, a + 1), np.flip(label, a)
    image, label = np.ascontiguousarray(image), np.ascontiguousarray(label)
    if rng.random() < opts["spatialProbability"] and (opts["rotation"] > 0 or opts["scale"] > 0):
        angle = rng.uniform(-opts["rotation"], opts["rotation"])
        scale = 1 + rng.uniform(-opts["scale"], opts["scale"])
        m = np.eye(rank)
        c, s = math.cos(angle) / scale, math.sin(angle) / scale
        m[-2:, -2:] = [[c, -s], [s, c]]
        centre = (np.array(label.shape) - 1) / 2
        offset = centre - m @ centre
        image = np.stack([ndimage.affine_transform(ch, m, offset, order=1, mode="constant") for ch in image]).astype(np.float32)
        label = ndimage.affine_transform(label, m, offset, order=0, mode="constant").astype(np.uint8)
    if opts["biasField"] > 0:
        grids = np.meshgrid(*[np.linspace(-1, 1, n) for n in label.shape], indexing="ij")
        field = sum(rng.uniform(-opts["biasField"], opts["biasField"]) * g for g in grids)
        image = (image * np.exp(field)[None]).astype(np.float32)
    if opts["gamma"] > 0:
        g = math.exp(rng.uniform(-opts["gamma"], opts["gamma"]))
        lo, hi = image.min(), image.max()
        if hi > lo:
            image = (lo + (hi - lo) * ((image - lo) / (hi - lo)) ** g).astype(np.float32)
    if opts["noise"] > 0:
        image = (image + rng.normal(0, opts["noise"], image.shape)).astype(np.float32)
    return image, label


def draw_sample(case, config, patch, rng):
    """One training sample (image [C, *spatial], label [*spatial]) as the CLI draws it: a slice
    (2D from volumes) or a volume patch, foreground-centred with foregroundProbability, augmented."""
    image, label, spacing = case["image"], case["label"], case["spacing"]
    if config["dim"] == 2:
        axis = config["sliceAxis"]
        image, label, spacing = extract_slice(image, label, spacing, axis, _pick_slice(label, axis, rng, config["foregroundProbability"]))
    image, label = sample_patch(image, label, [patch] * config["dim"], rng, config["foregroundProbability"])
    if config["augment"]["enabled"]:
        image, label = augment(image, label, rng, config["augment"])
    return image, label, spacing


def validation_samples(cases, config, patch, seed):
    """Fixed validation samples: slices (2D) or patches of up to 2 × patch (3D), as the CLI draws them."""
    rng = rng_for(seed, 1)
    out = []
    for k in range(config["validationSamples"] if cases else 0):
        c = cases[k % len(cases)]
        image, label, spacing = c["image"], c["label"], c["spacing"]
        if config["dim"] == 2:
            axis = config["sliceAxis"]
            image, label, spacing = extract_slice(image, label, spacing, axis, _pick_slice(label, axis, rng, 0.75))
        else:
            image, label = sample_patch(image, label, [min(d, 2 * patch) for d in label.shape], rng, 0.75)
        out.append((image, label, spacing))
    return out
