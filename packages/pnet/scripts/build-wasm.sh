#!/bin/sh
# Rebuilds the convolution kernels for WebAssembly SIMD128 from the same C++ source as the Node
# addon (native/conv2d_kernel.inc) with Debian's emscripten (emcc 3.1.6): relocatable side modules
# without emscripten JS glue and without libc, which src/ops/wasm-conv.ts instantiates itself.
# - wasm/pnet-conv.wasm: on tfjs-backend-wasm's memory (tfjs' malloc/free), one thread.
# - wasm/pnet-conv-threads.wasm: the same code importing a shared memory, one instance per thread.
# -mbulk-memory turns memcpy/memset into memory.copy/memory.fill (no libc imports). Binaryen
# inlines functions with one caller into it: every row kernel then ended up in pnet_run_part, and
# V8 ran that huge function's loops 25 % slower, so only small ones are inlined. The built
# files are committed, so installing the package needs no compiler.
set -eu
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
mkdir -p wasm
flags="-O3 -std=c++17 -msimd128 -mbulk-memory -fno-exceptions -fno-rtti -fvisibility=hidden -ffp-contract=fast -s SIDE_MODULE=2 -s BINARYEN_EXTRA_PASSES=--one-caller-inline-max-function-size=300
  -s EXPORTED_FUNCTIONS=_pnet_abi_version,_pnet_plan_conv2d,_pnet_plan_filter_gradient,_pnet_parts,_pnet_run_part,_pnet_finish,_pnet_copy_rows,_pnet_dropout_mask,_pnet_relu_gradient,_pnet_set_winograd"
sources="native/wasm_api.cpp native/conv2d_wasm.cpp"
# shellcheck disable=SC2086
emcc $flags $sources -o wasm/pnet-conv.wasm
echo "built wasm/pnet-conv.wasm ($(wc -c < wasm/pnet-conv.wasm) bytes)"
# shellcheck disable=SC2086
emcc $flags -matomics -Wl,--shared-memory $sources -o wasm/pnet-conv-threads.wasm
echo "built wasm/pnet-conv-threads.wasm ($(wc -c < wasm/pnet-conv-threads.wasm) bytes)"
