#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine: Chromium for the browser
# tests (Debian's build; never a downloaded one), Debian's PyTorch stack for examples/torch, and
# the npm workspace from the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: /usr/bin/chromium is missing; install Debian's chromium package (browser tests need it)" >&2
  fi
fi
# The PyTorch trainer's tests (examples/torch): Debian's python3-torch, python3-nibabel,
# python3-scipy and g++, and a fix for Debian 12's torchrun on Python 3.11.
bash examples/torch/scripts/setup-python.sh
npm ci --no-audit --no-fund
