"""Training throughput of the PyTorch P-Nets on this machine, with the analytic FLOP count per
sample that the GPU estimates in docs/training-at-scale.md divide by.

  OMP_NUM_THREADS=2 /usr/bin/python3 examples/torch/bench/throughput.py

Prints, per network and patch: samples/s of full training steps (forward, backward, Adam) on the
CPU, the forward multiply-accumulates per voxel counted from the layers, the training FLOPs per
sample (3 × forward: the backward pass costs about twice the forward), the achieved CPU GFLOP/s,
and the time of one R-Net sample's two geodesic maps (the C++ core, one thread).
"""
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from deepigeos_torch.geodesic import geodesic_distance  # noqa: E402
from deepigeos_torch.models import create_net, forward  # noqa: E402


def macs_per_voxel(net):
    """Multiply-accumulates per output voxel: every conv runs at full resolution (stride 1)."""
    total = 0
    for m in net.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Conv3d)):
            total += m.weight.numel()
    return total


def bench(dim, patch, batch, channels, in_channels=1, seconds=20):
    torch.manual_seed(0)
    net = create_net(dim, in_channels, channels, 0.5)
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x = torch.randn(batch, in_channels, *[patch] * dim)
    y = torch.randint(0, 2, (batch, *[patch] * dim))
    step = lambda: (opt.zero_grad(), torch.nn.functional.cross_entropy(forward(net, x, dim), y).backward(), opt.step())  # noqa: E731
    step()  # warm-up
    n, t0 = 0, time.time()
    while time.time() - t0 < seconds or n < 2:
        step()
        n += 1
    rate = n * batch / (time.time() - t0)
    macs = macs_per_voxel(net)
    flops = 3 * 2 * macs * patch**dim
    return rate, macs, flops


def geodesic_seconds(dim, patch):
    rng = np.random.default_rng(0)
    image = rng.random((1, *[patch] * dim), dtype=np.float32)
    seeds = np.zeros([patch] * dim, np.uint8)
    seeds.flat[rng.choice(seeds.size, 3, replace=False)] = 1
    geodesic_distance(image, seeds)
    t0 = time.time()
    for _ in range(3):
        geodesic_distance(image, seeds)
    return 2 * (time.time() - t0) / 3


def main():
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), load average {os.getloadavg()[0]:.2f}")
    for dim, patch, batch, channels in [(3, 32, 2, 16), (3, 48, 1, 16), (2, 64, 4, 32), (2, 128, 4, 32)]:
        rate, macs, flops = bench(dim, patch, batch, channels)
        print(f"P-Net {dim}D {channels} ch, patch {patch}^{dim}, batch {batch}: {rate:.2f} samples/s; "
              f"{macs} MAC/voxel; {flops / 1e9:.2f} GFLOP/sample (train); CPU {rate * flops / 1e9:.1f} GFLOP/s; "
              f"geodesic maps per R-Net sample {1000 * geodesic_seconds(dim, patch):.1f} ms")


if __name__ == "__main__":
    main()
