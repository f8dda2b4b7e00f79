#!/bin/sh
# Rebuilds wasm/pnet-conv.wasm, the convolution kernels for WebAssembly SIMD128, from the same
# C++ source as the Node addon (native/conv2d_kernel.inc) with Debian's emscripten (emcc 3.1.6).
# A relocatable side module without emscripten JS glue and without libc: src/ops/wasm-conv.ts
# instantiates it on tfjs-backend-wasm's memory and hands it tfjs' malloc/free. -mbulk-memory
# turns memcpy/memset into memory.copy/memory.fill (no libc imports). The built file is
# committed, so installing the package needs no compiler.
set -eu
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
mkdir -p wasm
emcc -O3 -std=c++17 -msimd128 -mbulk-memory -fno-exceptions -fno-rtti -fvisibility=hidden -fvisibility-inlines-hidden -ffp-contract=fast \
  -s SIDE_MODULE=2 -s EXPORTED_FUNCTIONS=_pnet_conv2d,_pnet_filter_gradient \
  native/wasm_api.cpp native/conv2d_wasm.cpp -o wasm/pnet-conv.wasm
echo "built wasm/pnet-conv.wasm ($(wc -c < wasm/pnet-conv.wasm) bytes)"
