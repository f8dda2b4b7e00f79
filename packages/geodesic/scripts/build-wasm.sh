#!/bin/sh
# Rebuilds the WebAssembly builds of the C++ core with Debian's emscripten (emcc 3.1.6).
# Standalone modules: no emscripten JS glue; src/wasm-backend.ts instantiates them directly.
# - wasm/geodesic.wasm: single-threaded (browsers, and wherever shared memory is unavailable).
# - wasm/geodesic-threads.wasm: the same core compiled with atomics, importing a shared memory;
#   a second instance in a worker is the exact solver's second thread (native/core/threads.hpp).
#   Linked against emscripten's single-threaded libc (--no-check-features), whose malloc is
#   serialised by native/wasm/wasm_threads.cpp; no pthreads runtime is involved.
#   STACK_OVERFLOW_CHECK=2 checks every stack-pointer move against per-instance limits, so the
#   helper's stack (a 1 MB heap block, src/wasm-threads.ts) traps on overflow instead of
#   overwriting the heap below it (the check exports emscripten_stack_init and __set_stack_limits).
set -eu
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
mkdir -p wasm
core="native/wasm/wasm_api.cpp native/core/geodesic.cpp native/core/raster.cpp native/core/exact.cpp native/core/buckets.cpp native/core/sweep.cpp native/core/threads.cpp"
flags="-O3 -std=c++17 -msimd128 -ffp-contract=off -fno-trapping-math -fno-exceptions
  -s STANDALONE_WASM=1 --no-entry -s ALLOW_MEMORY_GROWTH=1 -s INITIAL_MEMORY=16MB
  -s MAXIMUM_MEMORY=4GB -s FILESYSTEM=0"
exports="_geodesic_alloc,_geodesic_free,_geodesic_compute,_geodesic_set_split"
# shellcheck disable=SC2086
emcc $flags -s EXPORTED_FUNCTIONS=$exports $core -o wasm/geodesic.wasm
echo "built wasm/geodesic.wasm ($(wc -c < wasm/geodesic.wasm) bytes)"
# shellcheck disable=SC2086
emcc $flags -matomics -mbulk-memory -DGEODESIC_WASM_THREADS -s STACK_OVERFLOW_CHECK=2 \
  -s EXPORTED_FUNCTIONS=$exports,_geodesic_helper_run,_geodesic_helper_slot,_geodesic_test_trap_helper,stackRestore \
  -Wl,--shared-memory,--import-memory,--no-check-features \
  $core native/wasm/wasm_threads.cpp -o wasm/geodesic-threads.wasm
echo "built wasm/geodesic-threads.wasm ($(wc -c < wasm/geodesic-threads.wasm) bytes)"
