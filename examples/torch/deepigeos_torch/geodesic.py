"""Geodesic distance maps for R-Net inputs, computed by `@deepigeos/geodesic`'s own C++ core
(packages/geodesic/native/core) through ctypes: the 'raster' method is GeodisTK-compatible and
bit-identical to what the JavaScript packages compute at inference. The shared library is built
with g++ on first use (into DEEPIGEOS_TORCH_BUILD, default examples/torch/build) and reused."""
import ctypes
import glob
import hashlib
import os
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CORE = os.path.normpath(os.path.join(HERE, "..", "..", "..", "packages", "geodesic", "native", "core"))
METHODS = {"raster": 0, "raster-causal": 1, "exact": 2}
# The package's native build flags: no fused multiply-add, so every build rounds identically.
FLAGS = ["-O3", "-std=c++17", "-ffp-contract=off", "-fno-trapping-math", "-fno-math-errno", "-fPIC", "-shared", "-pthread"]


class GeodesicError(Exception):
    """The core rejected its input, or the library could not be built."""


def _sources():
    return sorted(glob.glob(os.path.join(CORE, "*.cpp"))) + [os.path.join(HERE, "native", "geodesic_capi.cpp")]


def library_path():
    """Builds (once per source version) and returns the path of the shared library."""
    sources = _sources()
    if len(sources) < 2:
        raise GeodesicError(f"geodesic core sources not found in {CORE}")
    digest = hashlib.sha256()
    for f in sources + glob.glob(os.path.join(CORE, "*.hpp")):
        digest.update(open(f, "rb").read())
    digest.update(" ".join(FLAGS).encode())
    build = os.environ.get("DEEPIGEOS_TORCH_BUILD") or os.path.join(HERE, "..", "build")
    os.makedirs(build, exist_ok=True)
    target = os.path.join(build, f"libdeepigeos_geodesic-{digest.hexdigest()[:12]}.so")
    if not os.path.exists(target):
        # Several ranks may build at once: each writes its own file, the rename is atomic.
        fd, tmp = tempfile.mkstemp(suffix=".so", dir=build)
        os.close(fd)
        cmd = [os.environ.get("CXX", "g++"), *FLAGS, "-I", CORE, *sources, "-o", tmp]
        try:
            subprocess.run(cmd, check=True, capture_output=True, text=True)
        except FileNotFoundError as e:
            os.unlink(tmp)
            raise GeodesicError(f"building the geodesic core needs a C++17 compiler ({cmd[0]} not found; set CXX)") from e
        except subprocess.CalledProcessError as e:
            os.unlink(tmp)
            raise GeodesicError(f"building the geodesic core failed:\n{e.stderr}") from e
        os.replace(tmp, target)
    return target


_lib = None


def _library():
    global _lib
    if _lib is None:
        lib = ctypes.CDLL(library_path())
        lib.deepigeos_geodesic.restype = ctypes.c_int32
        lib.deepigeos_geodesic.argtypes = [ctypes.c_void_p] * 3 + [ctypes.c_int64] * 4 + [ctypes.c_double] * 4 + [ctypes.c_int32] * 2
        lib.deepigeos_geodesic_message.restype = ctypes.c_char_p
        lib.deepigeos_geodesic_message.argtypes = [ctypes.c_int32]
        _lib = lib
    return _lib


def geodesic_distance(image, seeds, spacing=None, lambda_=1.0, iterations=2, method="raster"):
    """Distance map (float32, shape of `seeds`) from the non-zero voxels of `seeds`.

    image: [C, *spatial] (channels first, as the data pipeline keeps it) or [*spatial];
    seeds: [H, W] or [D, H, W]; spacing per spatial axis (default 1). Same semantics as
    `geodesicDistance(image, seeds, shape, {spacing, lambda, iterations, method, channels})`.
    """
    seeds = np.ascontiguousarray(seeds, dtype=np.uint8)
    shape = seeds.shape
    img = np.asarray(image, dtype=np.float32)
    if img.shape == shape:
        img = img[None]
    if img.shape[1:] != shape:
        raise GeodesicError(f"image shape {img.shape} does not fit seeds {shape} (expected [C, *seeds.shape])")
    channels = img.shape[0]
    img = np.ascontiguousarray(np.moveaxis(img, 0, -1))  # channels interleaved per voxel
    d, h, w = (1,) + shape if len(shape) == 2 else shape
    sp = [1.0] * len(shape) if spacing is None else [float(s) for s in spacing]
    sd, sh, sw = ([1.0] + sp) if len(shape) == 2 else sp
    out = np.empty(shape, np.float32)
    lib = _library()
    status = lib.deepigeos_geodesic(img.ctypes.data, seeds.ctypes.data, out.ctypes.data, d, h, w, channels, sd, sh, sw, float(lambda_), int(iterations), METHODS[method])
    if status != 0:
        raise GeodesicError(lib.deepigeos_geodesic_message(status).decode())
    return out


def normalized_map(image, seeds, spacing, lambda_):
    """R-Net input channel of one seed set, as `@deepigeos/rnet` encodes it by default: distance /
    max finite distance, clipped to 1; an empty seed set is 1 everywhere ("infinitely far")."""
    if not seeds.any():
        return np.ones(seeds.shape, np.float32)
    dist = geodesic_distance(image, seeds, spacing, lambda_).astype(np.float64)
    finite = dist[np.isfinite(dist)]
    top = finite.max() if finite.size else 0.0
    scale = 1.0 / top if top > 0 else 0.0
    return np.minimum(1.0, dist * scale).astype(np.float32)
