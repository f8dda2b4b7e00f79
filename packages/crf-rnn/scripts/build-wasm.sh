#!/bin/sh
# Rebuilds wasm/crf-kernels.wasm from native/*.cpp with Debian's emscripten (emcc 3.1.6), as the
# geodesic package does: a standalone module without emscripten JS glue (src/kernels.ts
# instantiates it). The built file is committed, so installing the package needs no compiler.
set -eu
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
mkdir -p wasm
emcc -O3 -std=c++17 -msimd128 -fno-exceptions -fno-rtti \
  -s STANDALONE_WASM=1 --no-entry -s ALLOW_MEMORY_GROWTH=1 -s INITIAL_MEMORY=16MB \
  -s MAXIMUM_MEMORY=4GB -s FILESYSTEM=0 \
  -s EXPORTED_FUNCTIONS=_crf_alloc,_crf_free,_crf_tabulate,_crf_binary_mean_field,_crf_lattice_build,_crf_lattice_filter \
  native/wasm_api.cpp native/local_window.cpp native/lattice.cpp \
  -o wasm/crf-kernels.wasm
echo "built wasm/crf-kernels.wasm ($(wc -c < wasm/crf-kernels.wasm) bytes)"
