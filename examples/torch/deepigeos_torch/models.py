"""P-Net / R-Net in PyTorch, key- and shape-compatible with `importTorchStateDict` of
`@deepigeos/pnet` (the JavaScript side defines the architecture; tests check every key and shape).

3D nets use the layout of the `P_RNet3D` reimplementation: tensors N,C,X,Y,Z with X the fastest
NIfTI axis. The data pipeline here keeps volumes as [D, H, W] (= Z, Y, X) like the JavaScript
packages, so `to_net` / `from_net` reverse the spatial axes at the network boundary. 2D nets take
N,C,H,W in both worlds.
"""
import torch
from torch import nn

PNET_BLOCKS = [(2, 1), (2, 2), (3, 4), (3, 8), (3, 16)]  # (layers, dilation) per block


class PNet3D(nn.Module):
    """`createPNet3D`: per block a 3x3x3 conv (dilation d) then 3x3x1 convs (dilation d,d,1), ReLU,
    a 1x1x1 compression to `compress` channels + ReLU; concat; dropout, 1x1x1 + ReLU, dropout,
    3x3x3 conv to class logits."""

    def __init__(self, in_channels, num_classes=2, channels=16, compress=4, dropout=0.5):
        super().__init__()
        c = in_channels
        for b, (layers, d) in enumerate(PNET_BLOCKS, start=1):
            mods = []
            for i in range(layers):
                if i == 0:
                    mods.append(nn.Conv3d(c, channels, 3, padding=d, dilation=d))
                else:
                    mods.append(nn.Conv3d(c, channels, (3, 3, 1), padding=(d, d, 0), dilation=(d, d, 1)))
                mods.append(nn.ReLU())
                c = channels
            setattr(self, f"block{b}", nn.Sequential(*mods))
            setattr(self, f"block{b}_downsample", nn.Sequential(nn.Conv3d(channels, compress, 1), nn.ReLU()))
        self.block6 = nn.Sequential(
            nn.Dropout(dropout),
            nn.Conv3d(5 * compress, channels, 1),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Conv3d(channels, num_classes, 3, padding=1),
        )

    def forward(self, x):
        feats = []
        for b in range(1, 6):
            x = getattr(self, f"block{b}")(x)
            feats.append(getattr(self, f"block{b}_downsample")(x))
        return self.block6(torch.cat(feats, dim=1))


class PNet2D(nn.Module):
    """`createPNet2D` without batch norm (as the CLI builds it): 3x3 dilated convs + ReLU, the five
    block outputs concatenated, dropout, 1x1 conv (2 x channels) + ReLU, dropout, 1x1 conv."""

    def __init__(self, in_channels, num_classes=2, channels=32, hidden=None, dropout=0.5):
        super().__init__()
        hidden = hidden or 2 * channels
        c = in_channels
        for b, (layers, d) in enumerate(PNET_BLOCKS, start=1):
            mods = []
            for _ in range(layers):
                mods += [nn.Conv2d(c, channels, 3, padding=d, dilation=d), nn.ReLU()]
                c = channels
            setattr(self, f"block{b}", nn.Sequential(*mods))
        self.block6 = nn.Sequential(
            nn.Dropout(dropout),
            nn.Conv2d(5 * channels, hidden, 1),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Conv2d(hidden, num_classes, 1),
        )

    def forward(self, x):
        feats = []
        for b in range(1, 6):
            x = getattr(self, f"block{b}")(x)
            feats.append(x)
        return self.block6(torch.cat(feats, dim=1))


def create_net(dim, in_channels, channels, dropout):
    """The network the CLI builds for a config: P-Net (in_channels = image channels) or R-Net
    (in_channels = image channels + 3), two classes."""
    if dim == 2:
        return PNet2D(in_channels, 2, channels, dropout=dropout)
    return PNet3D(in_channels, 2, channels, dropout=dropout)


def to_net(x, dim):
    """[N, C, D, H, W] (our axis order) → the 3D net's N,C,X,Y,Z; 2D batches pass unchanged."""
    return x.permute(0, 1, 4, 3, 2) if dim == 3 else x


def from_net(y, dim):
    """Inverse of `to_net`."""
    return y.permute(0, 1, 4, 3, 2) if dim == 3 else y


def forward(net, x, dim):
    """Logits [N, 2, *spatial] in our axis order for a batch [N, C, *spatial] in our axis order."""
    return from_net(net(to_net(x, dim)), dim)


def infer_shape(state):
    """(dim, in_channels, channels) of a state dict written by either side."""
    w = state["block1.0.weight"]
    return (3 if w.ndim == 5 else 2), int(w.shape[1]), int(w.shape[0])
