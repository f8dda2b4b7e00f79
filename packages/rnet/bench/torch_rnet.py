"""PyTorch side of bench/refine-bench.mjs: times the reference R-Net forward pass (the P-Net
reference of packages/pnet/scripts/torch_pnet.py with 4 input channels) on CPU with the case's
thread count (1, or 2 for the 2-worker case). Prints one JSON line {name: [wall s, process CPU s]} (median of `repeats`)."""
import json
import os
import sys

import torch

PNET = os.path.join(os.path.dirname(__file__), "..", "..", "pnet")
sys.path.insert(0, os.path.join(PNET, "scripts"))
sys.path.insert(0, os.path.join(PNET, "bench"))
from torch_bench import median_time  # noqa: E402
from torch_pnet import PNet2DRef, PNet3DRef  # noqa: E402


def main(spec, repeats):
    out = {}
    for item in spec:
        torch.set_num_threads(item.get("threads", 1))
        dims = item["shape"]
        c = item["channels"]
        net = PNet3DRef(4, c, 2) if len(dims) == 3 else PNet2DRef(4, c, 2, 2 * c)
        net.eval()
        x = torch.randn(1, 4, *dims)

        def run():
            with torch.no_grad():
                net(x)

        out[item["name"]] = median_time(run, repeats)
    print(json.dumps(out))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]), int(sys.argv[2]))
