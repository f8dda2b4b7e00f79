"""PyTorch side of bench/pnet-bench.mjs: times the reference P-Nets (scripts/torch_pnet.py) on
CPU at a given thread count. Prints one JSON line: {name: [wall s, cpu s]}. Median of `repeats`."""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
from torch_pnet import PNet2DRef, PNet3DRef  # noqa: E402


def median_time(fn, repeats):
    """Median wall and process CPU seconds (CPU time is robust to other jobs on the machine)."""
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t0, time.process_time() - c0))
    times.sort()
    return list(times[len(times) // 2])


def main(threads, spec, repeats):
    torch.set_num_threads(threads)
    out = {}
    for item in spec:
        dims = item["shape"]
        if item["net"] == "3d":
            channels = item.get("channels", 1)
            net = PNet3DRef(channels, 16, 2)
            x = torch.randn(1, channels, *dims[::-1])  # our [D,H,W] is PyTorch's X,Y,Z reversed
        else:
            net = PNet2DRef(1, 64, 2, 128)
            x = torch.randn(item.get("batch", 1), 1, *dims)
        if item["mode"] != "train":  # forward, and the tfjs-side predictVolume modes
            net.eval()

            def run():
                with torch.no_grad():
                    net(x)
        else:
            net.train()
            opt = torch.optim.Adam(net.parameters(), 1e-3)
            y = torch.randint(0, 2, (x.shape[0], *x.shape[2:]))
            loss_fn = torch.nn.CrossEntropyLoss()

            def run():
                opt.zero_grad()
                loss_fn(net(x), y).backward()
                opt.step()

        out[item["name"]] = median_time(run, repeats)
    print(json.dumps(out))


if __name__ == "__main__":
    main(int(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3]))
