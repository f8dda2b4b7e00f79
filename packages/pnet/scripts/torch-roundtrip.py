"""Round trip used by test/pnet-torch-parity.test.ts: loads a state dict exported by the JS
package into the PyTorch reference net (strict), runs it on an input given in OUR layout, and
writes the state dict back out (as PyTorch has it) plus the logits in our layout.

  /usr/bin/python3 scripts/torch-roundtrip.py <3d|2d-bn> <c_in> <weights_in> <input_in> <weights_out> <logits_out>
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from torch_pnet import PNet2DRef, PNet3DRef, load_safetensors, load_state_dict_numpy, save_safetensors, state_dict_numpy  # noqa: E402


def main(kind, c_in, weights_in, input_in, weights_out, logits_out):
    c_in = int(c_in)
    if kind == "3d":
        net, to_torch, to_ours = PNet3DRef(c_in, 16, 2), (0, 4, 3, 2, 1), (0, 4, 3, 2, 1)
    else:
        net, to_torch, to_ours = PNet2DRef(c_in, 8, 3, 16, batch_norm=True), (0, 3, 1, 2), (0, 2, 3, 1)
    load_state_dict_numpy(net, load_safetensors(weights_in))
    net.eval()
    x = torch.from_numpy(np.ascontiguousarray(load_safetensors(input_in)["input"].transpose(to_torch)))
    with torch.no_grad():
        logits = net.double()(x.double()).float().numpy()
    net.float()
    state = {k: v for k, v in state_dict_numpy(net).items() if not k.endswith("num_batches_tracked")}
    save_safetensors(weights_out, state)
    save_safetensors(logits_out, {"logits": np.ascontiguousarray(logits.transpose(to_ours))})


if __name__ == "__main__":
    main(*sys.argv[1:])
