"""Files shared with the JavaScript side: safetensors (PyTorch state dicts, as `@deepigeos/pnet`
reads and writes them), tfjs layers folders written by `deepigeos train-pnet/train-rnet`
(`model.json` + weights), and atomic folder replacement."""
import json
import os
import shutil
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64}
_NAMES = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64", np.dtype(np.float64): "F64"}


class ModelFolderError(Exception):
    """A model folder is missing, malformed, or does not fit the network."""


def write_safetensors(path, tensors, metadata=None):
    """Writes a dict name -> numpy array (insertion order) as safetensors; header padded to 8 bytes."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
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


def read_safetensors(path):
    """Reads a safetensors file into a dict name -> numpy array (float types as float32)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ModelFolderError(f"{path}: too short for a safetensors header")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ModelFolderError(f"{path}: header length {n} exceeds the file ({len(data)} bytes)")
    try:
        header = json.loads(data[8 : 8 + n])
    except ValueError as e:
        raise ModelFolderError(f"{path}: header is not valid JSON ({e})") from e
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] not in _DTYPES:
            raise ModelFolderError(f"{path}: tensor '{name}' has unsupported dtype {entry['dtype']}")
        begin, end = entry["data_offsets"]
        arr = np.frombuffer(data[8 + n + begin : 8 + n + end], dtype=np.dtype(_DTYPES[entry["dtype"]]).newbyteorder("<"))
        arr = arr.reshape(entry["shape"])
        out[name] = arr.astype(np.float32) if arr.dtype.kind == "f" else arr.copy()
    return out


def _torch_key(tfjs_name):
    """tfjs variable name → PyTorch key: `block1/conv0_kernel` → `block1.0.weight`,
    `block6.4/kernel` → `block6.4.weight` (layer names are the PyTorch prefixes)."""
    layer, var = tfjs_name.rsplit("/", 1)
    kind = "weight" if var.endswith("kernel") else "bias"
    if var.startswith("conv"):
        return f"{layer}.{2 * int(var[4:].split('_')[0])}.{kind}"
    return f"{layer}.{kind}"


def read_tfjs_state(folder):
    """Reads a tfjs layers folder (model.json + weight shards) written by the JavaScript trainer as
    a PyTorch state dict (numpy arrays, kernels permuted to PyTorch's layout)."""
    with open(os.path.join(folder, "model.json")) as f:
        model = json.load(f)
    state = {}
    for group in model["weightsManifest"]:
        blob = b"".join(open(os.path.join(folder, p), "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            if w.get("dtype", "float32") != "float32" or "quantization" in w:
                raise ModelFolderError(f"{folder}: weight {w['name']} is not plain float32")
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            arr = np.frombuffer(blob, dtype="<f4", count=count, offset=offset).reshape(w["shape"])
            offset += 4 * count
            if len(w["shape"]) == 5:  # [D, H, W, Cin, Cout] → [Cout, Cin, X, Y, Z]
                arr = arr.transpose(4, 3, 2, 1, 0)
            elif len(w["shape"]) == 4:  # [H, W, Cin, Cout] → [Cout, Cin, H, W]
                arr = arr.transpose(3, 2, 0, 1)
            state[_torch_key(w["name"])] = np.ascontiguousarray(arr, dtype=np.float32)
    return state


def model_folder(run_dir):
    """The folder holding the weights of a run folder, as the CLI resolves it: `best`, `model`, or
    the folder itself, each with `model.safetensors` or `model.json`."""
    for d in (os.path.join(run_dir, "best"), os.path.join(run_dir, "model"), run_dir):
        for name in ("model.safetensors", "model.json"):
            if os.path.exists(os.path.join(d, name)):
                return d
    raise ModelFolderError(f"{run_dir}: no model.safetensors or model.json in {run_dir}, its best/ or model/ folder")


def read_run(run_dir):
    """(config dict, state dict of numpy arrays) of a run folder written by either trainer."""
    if not os.path.isdir(run_dir):
        raise ModelFolderError(f"{run_dir}: folder does not exist")
    folder = model_folder(run_dir)
    config_file = next((f for f in (os.path.join(run_dir, "config.json"), os.path.join(folder, "config.json")) if os.path.exists(f)), None)
    if config_file is None:
        raise ModelFolderError(f"{run_dir}: no config.json next to the model")
    with open(config_file) as f:
        config = json.load(f)
    st = os.path.join(folder, "model.safetensors")
    state = read_safetensors(st) if os.path.exists(st) else read_tfjs_state(folder)
    return config, state


def write_dir_atomically(folder, fill):
    """Replaces `folder` by what `fill(tmp)` writes into a fresh temporary folder."""
    tmp = f"{folder}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        fill(tmp)
        old = f"{folder}.old-{os.getpid()}"
        if os.path.exists(folder):
            os.rename(folder, old)
        os.rename(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_model_folder(folder, net):
    """Writes `folder/model.safetensors` (float32 state dict) atomically."""
    state = {k: v.detach().cpu().float().numpy() for k, v in net.state_dict().items()}
    write_dir_atomically(folder, lambda tmp: write_safetensors(os.path.join(tmp, "model.safetensors"), state, {"format": "pt", "producer": "deepigeos_torch"}))
