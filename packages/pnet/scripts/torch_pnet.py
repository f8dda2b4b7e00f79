"""PyTorch reference definitions of the P-Nets, written from the paper family's description (Wang et al. 2019) and the `P_RNet3D` layout, plus a minimal
safetensors reader/writer (Debian's python3-torch 1.13 ships without the safetensors package).

Tensor layouts: 3D nets take N,C,X,Y,Z (X = fastest NIfTI axis), as the P_RNet3D
reimplementation does; 2D nets take N,C,H,W. Key names match P_RNet3D's state_dict().
"""
import json
import struct

import numpy as np
import torch
from torch import nn

PNET_BLOCKS = [(2, 1), (2, 2), (3, 4), (3, 8), (3, 16)]  # (layers, dilation)


class PNet3DRef(nn.Module):
    """P_RNet3D layout: first conv of each block 3x3x3 dilation d, the others 3x3x1 dilation (d,d,1)."""

    def __init__(self, c_in, c_blk, n_classes, c_compress=4, p_drop=0.5):
        super().__init__()
        c = c_in
        for b, (n_layers, d) in enumerate(PNET_BLOCKS, start=1):
            mods = []
            for i in range(n_layers):
                if i == 0:
                    mods.append(nn.Conv3d(c, c_blk, (3, 3, 3), padding=(d, d, d), dilation=(d, d, d)))
                else:
                    mods.append(nn.Conv3d(c, c_blk, (3, 3, 1), padding=(d, d, 0), dilation=(d, d, 1)))
                mods.append(nn.ReLU())
                c = c_blk
            setattr(self, f"block{b}", nn.Sequential(*mods))
            setattr(self, f"block{b}_downsample", nn.Sequential(nn.Conv3d(c_blk, c_compress, 1), nn.ReLU()))
        self.block6 = nn.Sequential(
            nn.Dropout(p_drop),
            nn.Conv3d(5 * c_compress, c_blk, 1),
            nn.ReLU(),
            nn.Dropout(p_drop),
            nn.Conv3d(c_blk, n_classes, 3, padding=1),
        )

    def forward(self, x):
        feats = []
        for b in range(1, 6):
            x = getattr(self, f"block{b}")(x)
            feats.append(getattr(self, f"block{b}_downsample")(x))
        return self.block6(torch.cat(feats, dim=1))


class PNet2DRef(nn.Module):
    """2D P-Net: 3x3 convs (+ optional BN) + ReLU, concatenation, dropout/1x1/ReLU/dropout/1x1."""

    def __init__(self, c_in, c_blk, n_classes, c_hidden, batch_norm=False, p_drop=0.5):
        super().__init__()
        c = c_in
        for b, (n_layers, d) in enumerate(PNET_BLOCKS, start=1):
            mods = []
            for _ in range(n_layers):
                mods.append(nn.Conv2d(c, c_blk, 3, padding=d, dilation=d))
                if batch_norm:
                    mods.append(nn.BatchNorm2d(c_blk))
                mods.append(nn.ReLU())
                c = c_blk
            setattr(self, f"block{b}", nn.Sequential(*mods))
        self.block6 = nn.Sequential(
            nn.Dropout(p_drop),
            nn.Conv2d(5 * c_blk, c_hidden, 1),
            nn.ReLU(),
            nn.Dropout(p_drop),
            nn.Conv2d(c_hidden, n_classes, 1),
        )

    def forward(self, x):
        feats = []
        for b in range(1, 6):
            x = getattr(self, f"block{b}")(x)
            feats.append(x)
        return self.block6(torch.cat(feats, dim=1))


_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def save_safetensors(path, tensors):
    """tensors: dict name -> numpy array (written in insertion order)."""
    header, blobs, offset = {}, [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": _NAMES[arr.dtype], "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        arr = np.frombuffer(data[8 + n + begin : 8 + n + end], dtype=np.dtype(_DTYPES[entry["dtype"]]).newbyteorder("<"))
        out[name] = arr.reshape(entry["shape"]).copy()
    return out


def state_dict_numpy(model):
    return {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}


def load_state_dict_numpy(model, arrays):
    """Strict load, as a PyTorch user would do with safetensors.torch.load_file."""
    model.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()}, strict=True)
