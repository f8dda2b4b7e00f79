#!/usr/bin/env bash
# Debian packages the PyTorch trainer and its tests need, and a fix for Debian 12's torchrun.
# Run as root by scripts/setup.sh (skipped with a message otherwise).
set -euo pipefail
PY=/usr/bin/python3
if ! $PY -c 'import torch, nibabel, scipy' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-nibabel python3-scipy g++ >/dev/null
  else
    echo "setup: install Debian's python3-torch python3-nibabel python3-scipy g++ (examples/torch tests need them)" >&2
    exit 0
  fi
fi
# Debian 12's torch 1.13 on Python 3.11: torchrun crashes at launch ("'NoneType' object has no
# attribute 'get'") because Std.from_str("0") finds no member when iterating an IntFlag (3.11
# iterates canonical members only). Enumerate the members explicitly (what later PyTorch releases
# do) in the installed file once.
api=$($PY -c 'import torch.distributed.elastic.multiprocessing.api as m; print(m.__file__)')
if ! $PY -c 'from torch.distributed.elastic.multiprocessing.api import Std; assert Std.from_str("0") is not None' 2>/dev/null; then
  if [ -w "$api" ]; then
    sed -i 's/^            for s in Std:$/            for s in (Std.NONE, Std.OUT, Std.ERR, Std.ALL):/' "$api"
    $PY -c 'from torch.distributed.elastic.multiprocessing.api import Std; assert Std.from_str("0") == Std.NONE' \
      && echo "setup: patched torchrun's Std.from_str for Python 3.11 in $api"
  else
    echo "setup: torchrun is broken on this Python (see examples/torch/README.md); run setup as root to patch $api" >&2
  fi
fi
