// Extra exports of the threaded WebAssembly build (wasm/geodesic-threads.wasm): the helper
// instance's entry, and a lock around malloc. Both instances of the module allocate from the one
// shared heap, and the libc linked in is the single-threaded one (its dlmalloc has no lock).
#include <emscripten/emmalloc.h>
#include <emscripten/emscripten.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../core/threads.hpp"

namespace {

geodesic::detail::Mutex heap_lock;

}  // namespace

extern "C" {

// Every allocation entry point of dlmalloc, serialised. (realloc and calloc are rebuilt from the
// locked malloc/free, so dlmalloc's unlocked versions are never reached.)
void* malloc(size_t bytes) {
  geodesic::detail::Guard lock(heap_lock);
  return emscripten_builtin_malloc(bytes);
}

void free(void* ptr) {
  if (ptr == nullptr) return;
  geodesic::detail::Guard lock(heap_lock);
  emscripten_builtin_free(ptr);
}

void* memalign(size_t alignment, size_t bytes) {
  geodesic::detail::Guard lock(heap_lock);
  return emscripten_builtin_memalign(alignment, bytes);
}

void* aligned_alloc(size_t alignment, size_t bytes) { return memalign(alignment, bytes); }

int posix_memalign(void** out, size_t alignment, size_t bytes) {
  void* p = memalign(alignment, bytes);
  if (p == nullptr) return 12;  // ENOMEM
  *out = p;
  return 0;
}

void* calloc(size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return nullptr;
  void* p = malloc(count * size);
  if (p != nullptr) std::memset(p, 0, count * size);
  return p;
}

size_t malloc_usable_size(void* ptr);

void* realloc(void* ptr, size_t bytes) {
  if (ptr == nullptr) return malloc(bytes);
  if (bytes == 0) {
    free(ptr);
    return nullptr;
  }
  const size_t old = malloc_usable_size(ptr);
  if (old >= bytes) return ptr;
  void* p = malloc(bytes);
  if (p == nullptr) return nullptr;
  std::memcpy(p, ptr, old);
  free(ptr);
  return p;
}

/** The helper instance's entry: runs the tasks the solver posts, forever (see threads.hpp). */
EMSCRIPTEN_KEEPALIVE void geodesic_helper_run() { geodesic::detail::helper_run(); }

/** Address of the hand-over slot: int32 state at +0, stop flag address at +4, tasks done at +16. */
EMSCRIPTEN_KEEPALIVE void* geodesic_helper_slot() { return geodesic::detail::helper_slot(); }

/** Test hook: makes the helper trap 20 ms into its next task. */
EMSCRIPTEN_KEEPALIVE void geodesic_test_trap_helper(int32_t trap) {
  geodesic::detail::trap_helper_on_next_task(trap != 0);
}

}  // extern "C"
