"""Python half of the cross-language tests (test/*.test.ts): each subcommand reads or writes
safetensors files that the TypeScript side compares with the JavaScript packages.

  state OUT_DIR DIM:IN:CHANNELS...         fresh seeded nets' state dicts
  geodesic DIR NAME...                      raster maps (+ normalised) of DIR/inNAME → DIR/outNAME
  forward OUT_DIR IMAGE RUN_DIR...          preprocessed image and logits of each run's network
  tfjs OUT_DIR DIR...                       tfjs model folders read as PyTorch state dicts
  bad DATA_DIR OUT_DIR                      broken datasets (unpaired, shape mismatch, NaN voxels)
  cases OUT_DIR DATA_JSON...                dataset layouts: case references and the first case loaded
  defaults                                  the default configs and allowed keys (JSON) of pnet and rnet
  perturb                                   perturbInput's warp and ellipse on test maps (JSON summary)
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from deepigeos_torch import config as cfg  # noqa: E402
from deepigeos_torch.data import load_case  # noqa: E402
from deepigeos_torch.files import read_run, read_safetensors, read_tfjs_state, write_safetensors  # noqa: E402
from deepigeos_torch.geodesic import geodesic_distance, normalized_map  # noqa: E402
from deepigeos_torch.interactions import perturb_probability, warp_probability  # noqa: E402
from deepigeos_torch.models import create_net, forward, infer_shape  # noqa: E402


def state(out_dir, *specs):
    """One file per DIM:IN_CHANNELS:CHANNELS spec, named after it."""
    torch.manual_seed(1)
    for spec in specs:
        dim, cin, channels = (int(v) for v in spec.split(":"))
        net = create_net(dim, cin, channels, 0.5)
        write_safetensors(os.path.join(out_dir, f"{spec.replace(':', '-')}.safetensors"), {k: v.numpy() for k, v in net.state_dict().items()})


def geodesic(folder, *names):
    """For each NAME: folder/inNAME.safetensors (image channels-last, seeds, spacing, lambda) →
    folder/outNAME.safetensors (raster distance, normalised R-Net channel)."""
    for name in names:
        t = read_safetensors(os.path.join(folder, f"in{name}.safetensors"))
        image = np.moveaxis(t["image"], -1, 0)  # channels-last → channels-first
        seeds = (t["seeds"] > 0).astype(np.uint8)
        spacing, lam = t["spacing"].tolist(), float(t["lambda"][0])
        write_safetensors(os.path.join(folder, f"out{name}.safetensors"), {
            "raster": geodesic_distance(image, seeds, spacing, lam),
            "normalized": normalized_map(image, seeds, spacing, lam),
        })


def forward_runs(out_dir, image_path, *run_dirs):
    """forward_run for each run folder, into OUT_DIR/<run folder name>.safetensors."""
    os.makedirs(out_dir, exist_ok=True)
    for run_dir in run_dirs:
        forward_run(run_dir, image_path, os.path.join(out_dir, f"{os.path.basename(run_dir)}.safetensors"))


def forward_run(run_dir, image_path, out):
    config, weights = read_run(run_dir)
    dim, cin, channels = infer_shape(weights)
    net = create_net(dim, cin, channels, config.get("dropout", 0.2))
    net.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    net.eval()
    case = load_case({"id": "x", "images": [image_path]}, cfg.validate(config, "rnet" if "pnet" in config else "pnet")["preprocess"])
    image = torch.from_numpy(case["image"])  # [C, D, H, W]
    x = image[None] if dim == 3 else image.permute(1, 0, 2, 3)  # 2D: the axial slices as a batch
    with torch.no_grad():
        logits = forward(net, x.contiguous(), dim)  # [N, 2, ...]
    logits = logits.movedim(1, -1).reshape(*case["image"].shape[1:], 2)
    write_safetensors(out, {"image": np.ascontiguousarray(np.moveaxis(case["image"], 0, -1)), "logits": np.ascontiguousarray(logits.numpy())})


def tfjs(out_dir, *folders):
    for folder in folders:
        write_safetensors(os.path.join(out_dir, f"{os.path.basename(folder)}.safetensors"), read_tfjs_state(folder))


def bad_data(data_dir, out_dir):
    """Three broken datasets from phantom cases: an image without label (pairs/), a label of
    another shape (shape/), an image with NaN voxels (nan/)."""
    import glob
    import shutil

    import nibabel as nib

    flair = sorted(glob.glob(os.path.join(data_dir, "*", "*_flair.nii.gz")))[:2]
    seg = [f.replace("_flair", "_seg") for f in flair]
    for name in ("pairs", "shape", "nan"):
        os.makedirs(os.path.join(out_dir, name))
        for f in flair + (seg if name != "pairs" else seg[:1]):
            shutil.copy(f, os.path.join(out_dir, name))
    img = nib.load(seg[1])
    nib.save(nib.Nifti1Image(np.asarray(img.dataobj)[:-1], img.affine), os.path.join(out_dir, "shape", os.path.basename(seg[1])))
    img = nib.load(flair[1])
    data = np.asarray(img.dataobj, dtype=np.float32).copy()
    data[3, 4, 5] = np.nan
    nib.save(nib.Nifti1Image(data, img.affine), os.path.join(out_dir, "nan", os.path.basename(flair[1])))


def cases(out_dir, *data_configs):
    """For each JSON `data` config k: OUT_DIR/cases{k}.json (the case references) and
    OUT_DIR/case{k}.safetensors (the first case loaded with the default preprocessing)."""
    from deepigeos_torch.data import dataset_cases

    for k, text in enumerate(data_configs):
        refs = dataset_cases(json.loads(text))
        with open(os.path.join(out_dir, f"cases{k}.json"), "w") as f:
            json.dump(refs, f)
        case = load_case(refs[0], cfg.PREPROCESS)
        write_safetensors(os.path.join(out_dir, f"case{k}.safetensors"), {
            "image": np.ascontiguousarray(np.moveaxis(case["image"], 0, -1)),
            "label": case["label"].astype(np.float32),
        })


def perturb():
    """Properties of R-Net's perturbed first-round inputs, for the TypeScript side to check."""
    square = np.zeros((32, 32), np.float32)
    square[8:24, 8:24] = 1
    outs = [perturb_probability(square, np.random.default_rng(s), 6) for s in range(16)]
    warps = [warp_probability(square, np.random.default_rng(s), 6) for s in range(16)]
    flat = np.full((10, 12, 14), 0.3, np.float32)
    print(json.dumps({
        "identity": float(np.abs(warp_probability(square, np.random.default_rng(1), 0) - square).max()),
        "constant3d": float(np.abs(warp_probability(flat, np.random.default_rng(2), 5) - 0.3).max()),
        "changed": [int(((o > 0.5) != (square > 0.5)).sum()) for o in outs],
        "painted": sum(int(not np.array_equal(o, w)) for o, w in zip(outs, warps)),
        "range": [float(min(o.min() for o in outs)), float(max(o.max() for o in outs))],
        "reproducible": bool(np.array_equal(perturb_probability(square, np.random.default_rng(3), 6), outs[3])),
    }))


def main(cmd, *args):
    if cmd == "defaults":
        print(json.dumps({"pnet": cfg.defaults("pnet"), "rnet": cfg.defaults("rnet"), "keys": {n: cfg.allowed_keys(n) for n in ("pnet", "rnet")}}))
        return
    {"state": state, "geodesic": geodesic, "forward": forward_runs, "tfjs": tfjs, "bad": bad_data, "cases": cases, "perturb": perturb}[cmd](*args)


if __name__ == "__main__":
    main(*sys.argv[1:])
