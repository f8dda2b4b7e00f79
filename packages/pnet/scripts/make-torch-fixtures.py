"""Writes the PyTorch parity fixtures of test/pnet-torch-parity.test.ts (run with Debian's
/usr/bin/python3, torch 1.13):

  /usr/bin/python3 scripts/make-torch-fixtures.py

For each net: <name>.weights.safetensors (the state_dict, PyTorch layout, float32) and
<name>.io.safetensors (input and float64-computed logits, converted to OUR channels-last layout:
3D N,C,X,Y,Z -> N,Z,Y,X,C = N,D,H,W,C; 2D N,C,H,W -> N,H,W,C).
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from torch_pnet import PNet2DRef, PNet3DRef, save_safetensors, state_dict_numpy  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures")


def randomise(model, seed):
    """Kaiming-normal kernels, non-zero biases and BN statistics, so every tensor matters."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            if p.dim() > 1:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g) * (2.0 / fan_in) ** 0.5)
            elif name.endswith("running_var"):
                p.copy_(0.5 + torch.rand(p.shape, generator=g))
            elif name.endswith(".weight"):  # BN gamma
                p.copy_(0.8 + 0.4 * torch.rand(p.shape, generator=g))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))


def write(name, model, x, to_ours):
    model.eval()
    save_safetensors(os.path.join(OUT, f"{name}.weights.safetensors"), state_dict_numpy(model))
    with torch.no_grad():
        logits = model.double()(x.double()).float()
    model.float()
    save_safetensors(
        os.path.join(OUT, f"{name}.io.safetensors"),
        {"input": to_ours(x.numpy()), "logits": to_ours(logits.numpy())},
    )
    print(name, "params", sum(p.numel() for p in model.parameters()), "logits", tuple(logits.shape),
          "max|logit|", float(logits.abs().max()))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    ours3d = lambda a: np.ascontiguousarray(a.transpose(0, 4, 3, 2, 1))  # noqa: E731
    ours2d = lambda a: np.ascontiguousarray(a.transpose(0, 2, 3, 1))  # noqa: E731
    for c_in, seed in [(1, 1), (4, 2)]:
        net = PNet3DRef(c_in, 16, 2)
        randomise(net, seed)
        # X=13, Y=11, Z=9: distinct sizes catch axis mix-ups.
        x = torch.randn(1, c_in, 13, 11, 9, generator=torch.Generator().manual_seed(seed + 10))
        write(f"pnet3d_c{c_in}", net, x, ours3d)
    net2d = PNet2DRef(3, 8, 3, 16, batch_norm=True)
    randomise(net2d, 3)
    x2 = torch.randn(2, 3, 37, 29, generator=torch.Generator().manual_seed(13))
    write("pnet2d_bn", net2d, x2, ours2d)


if __name__ == "__main__":
    main()
