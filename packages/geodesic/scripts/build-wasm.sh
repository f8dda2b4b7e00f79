#!/bin/sh
# Rebuilds wasm/geodesic.wasm from the C++ core with Debian's emscripten (emcc 3.1.6).
# Standalone module: no emscripten JS glue; src/wasm-backend.ts instantiates it directly.
set -eu
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
mkdir -p wasm
emcc -O3 -std=c++17 -msimd128 -ffp-contract=off -fno-trapping-math -fno-exceptions \
  -s STANDALONE_WASM=1 --no-entry -s ALLOW_MEMORY_GROWTH=1 -s INITIAL_MEMORY=16MB \
  -s MAXIMUM_MEMORY=4GB -s FILESYSTEM=0 \
  -s EXPORTED_FUNCTIONS=_geodesic_alloc,_geodesic_free,_geodesic_compute \
  native/wasm/wasm_api.cpp native/core/geodesic.cpp native/core/raster.cpp native/core/exact.cpp native/core/buckets.cpp native/core/sweep.cpp \
  -o wasm/geodesic.wasm
echo "built wasm/geodesic.wasm ($(wc -c < wasm/geodesic.wasm) bytes)"
