// Memory exports of the WebAssembly kernels (no emscripten JS glue: src/kernels.ts instantiates
// the module itself and copies data in and out through these allocations).
#include <emscripten/emscripten.h>

#include <cstdlib>

extern "C" {

/** Allocates `bytes` bytes in the module's memory (0 on failure). */
EMSCRIPTEN_KEEPALIVE void* crf_alloc(double bytes) {
  if (!(bytes >= 0.0 && bytes <= 4294967295.0)) return nullptr;
  return std::malloc(bytes < 1 ? 1 : static_cast<size_t>(bytes));
}

/** Releases memory from crf_alloc or a kernel's returned block. */
EMSCRIPTEN_KEEPALIVE void crf_free(void* ptr) { std::free(ptr); }

}  // extern "C"
