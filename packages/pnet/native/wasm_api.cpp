// WebAssembly binding of the direct conv2d and its filter gradient (the C ABI twin of addon.cpp,
// same checks and messages from conv_checks.hpp). Built twice by scripts/build-wasm.sh as a
// relocatable side module without libc:
// - wasm/pnet-conv.wasm, instantiated on tfjs-backend-wasm's own memory, so the kernels read and
//   write tensors where tfjs keeps them (pointers are byte offsets into that heap; malloc/free
//   are tfjs'); one thread.
// - wasm/pnet-conv-threads.wasm, the same code on a shared memory of the package's own: the
//   caller copies in the inputs of the share the helpers compute (or of the whole call), plans
//   it, and the threads' instances run its parts (ranges of output rows); malloc is a per-call
//   arena kept by the caller.
// A call is plan (validate, allocate, pack) → run_part(0 … parts−1) → finish (sum the parts'
// gradients, free); a plan of 0 parts only validates. Each entry that can fail returns 0 or the address of a NUL-terminated message.
#include <emscripten/emscripten.h>
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "conv2d.hpp"
#include "conv_checks.hpp"

extern "C" {
void* malloc(size_t bytes);
void free(void* ptr);
}

namespace {

constexpr int kMaxParts = 16;

pnet::Message last_error;

const char* report(const pnet::Message& message) {
  if (message.ok()) return nullptr;
  last_error = "conv2d: ";
  last_error << message.text;
  return last_error.text;
}

/** The planned call that run_part and finish work on. */
struct Task {
  bool gradient = false;
  pnet::ConvShape s{};
  const float* x = nullptr;
  const float* second = nullptr;  // conv2d: the bias (or null); gradient: dy
  float* out = nullptr;           // conv2d: out; gradient: dfilter
  float* dbias = nullptr;
  int parts = 0;
  int64_t padded = 0;  // accumulator channel stride of the gradient
  pnet::ConvWorkspace ws[kMaxParts] = {};
  float* dbias_part[kMaxParts] = {};
  void* owned[kMaxParts * 6 + 1] = {};
  int owned_count = 0;

  void* allocate(int64_t bytes) {
    if (bytes > 0x7fff0000) return nullptr;
    void* p = malloc(bytes > 0 ? static_cast<size_t>(bytes) : 4);  // malloc(0) may return null
    if (p != nullptr) owned[owned_count++] = p;
    return p;
  }
  void release() {
    for (int i = 0; i < owned_count; ++i) free(owned[i]);
    owned_count = 0;
  }
};

Task task;
bool winograd = true;  // 3×3 forward convolutions by Winograd (F(4×4, 3×3) or F(2×2, 3×3))

/** mulberry32's increment of its state, and its 32-bit output for an advanced state. */
constexpr uint32_t kMulberry32Step = 0x6d2b79f5u;
inline uint32_t mulberry32_output(uint32_t a) {
  uint32_t t = (a ^ (a >> 15)) * (1u | a);
  t = (t + (t ^ (t >> 7)) * (61u | t)) ^ t;
  return t ^ (t >> 14);
}

/** Workspaces of every part: one packed filter (conv2d) or one accumulator and dbias per part (gradient). */
pnet::Message allocate_parts(Task& t) {
  const pnet::WorkspaceSizes n = pnet::workspace_sizes(t.s, pnet::geometry_wasm(t.s.cout), t.gradient);
  if (n.overflow()) return "sizes overflow";
  constexpr int64_t kPointer = static_cast<int64_t>(sizeof(void*));
  float* zeros = static_cast<float*>(t.allocate(n.zeros * 4));
  if (zeros == nullptr) return "out of memory for the workspace";
  for (int64_t i = 0; i < n.zeros; ++i) zeros[i] = 0.0f;
  for (int k = 0; k < t.parts; ++k) {
    pnet::ConvWorkspace& ws = t.ws[k];
    ws.zeros = zeros;
    ws.packed = k == 0 || t.gradient ? static_cast<float*>(t.allocate(n.packed * 4)) : t.ws[0].packed;
    ws.taps = static_cast<const float**>(t.allocate(n.taps * kPointer));
    ws.weights = static_cast<const float**>(t.allocate(n.weights * kPointer));
    ws.row = static_cast<float*>(t.allocate(n.row * 4));
    ws.scratch = static_cast<float*>(t.allocate(n.scratch * 4));
    if (ws.packed == nullptr || ws.taps == nullptr || ws.weights == nullptr || ws.row == nullptr || ws.scratch == nullptr)
      return "out of memory for the workspace";
    if (t.gradient) {
      std::memset(ws.packed, 0, static_cast<size_t>(n.packed) * 4);
      if (t.dbias != nullptr) {
        t.dbias_part[k] = static_cast<float*>(t.allocate(t.s.cout * 4));
        if (t.dbias_part[k] == nullptr) return "out of memory for the workspace";
        std::memset(t.dbias_part[k], 0, static_cast<size_t>(t.s.cout) * 4);
      }
    }
  }
  t.padded = pnet::filter_taps(t.s) * t.s.cin == 0 ? 0 : n.packed / (pnet::filter_taps(t.s) * t.s.cin);
  return pnet::Message();
}

pnet::CallArrays arrays(const char* const (&names)[4], const float* const (&data)[4], const uint32_t (&lengths)[4],
                        const bool (&written)[4]) {
  pnet::CallArrays a{};
  for (int k = 0; k < 4; ++k) {
    a.names[k] = names[k];
    a.data[k] = data[k];
    a.length[k] = lengths[k];
    a.present[k] = data[k] != nullptr;
    a.written[k] = written[k];
  }
  return a;
}

/** Validates and plans a call of `parts` parts (1 … kMaxParts; 0 validates only); an error or empty. */
pnet::Message plan(bool gradient, const float* const (&data)[4], const uint32_t (&lengths)[4], const double (&dims)[pnet::kDims], bool relu,
                   int32_t parts) {
  task.release();
  task = Task{};
  pnet::ConvShape s{};
  pnet::Message error = pnet::shape_from_dims(dims, &s);
  if (error.ok() && gradient) error = pnet::check_gradient_shape(s);
  if (!error.ok()) return error;
  if (data[0] == nullptr || data[1] == nullptr || data[gradient ? 2 : 3] == nullptr)
    return gradient ? "x, dy, dfilter: expected arrays on the heap" : "x, filter, out: expected arrays on the heap";
  int64_t expected[4];
  if (gradient)
    pnet::filter_gradient_lengths(s, expected);
  else
    pnet::conv2d_lengths(s, expected);
  const pnet::CallArrays a = gradient ? arrays({"x", "dy", "dfilter", "dbias"}, data, lengths, {false, false, true, true})
                                      : arrays({"x", "filter", "bias", "out"}, data, lengths, {false, false, false, true});
  error = pnet::check_lengths(a, expected);
  if (!error.ok()) return error;
  if (parts < 0 || parts > kMaxParts) return "parts: expected 0 to 16";
  if (parts == 0) return pnet::Message();  // validation only
  s.relu = relu;
  s.winograd = !gradient && winograd ? pnet::winograd_tile(s) : 0;
  task.gradient = gradient;
  task.s = s;
  task.x = data[0];
  task.second = gradient ? data[1] : data[2];
  task.out = const_cast<float*>(gradient ? data[2] : data[3]);
  task.dbias = gradient ? const_cast<float*>(data[3]) : nullptr;
  // No more parts than output rows.
  const int64_t rows = pnet::output_rows(s);
  task.parts = rows < parts ? static_cast<int>(rows) : parts;
  error = allocate_parts(task);
  if (!error.ok()) {
    task.release();
    return error;
  }
  if (!gradient) pnet::pack_filter_wasm(s, data[1], task.ws[0].packed);
  return pnet::Message();
}

}  // namespace

extern "C" {

/** The interface version the TypeScript loader checks (5: pnet_relu_gradient; 4: pnet_set_winograd; 3: dims carry KD and dilationD; copy_rows, dropout_mask), so a stale cached module is refused, not misread. */
EMSCRIPTEN_KEEPALIVE int32_t pnet_abi_version() { return 5; }

/** 3×3 forward convolutions planned from now on by Winograd (non-zero, the default) or directly (0). */
EMSCRIPTEN_KEEPALIVE void pnet_set_winograd(int32_t on) { winograd = on != 0; }

/** Plans conv2d(x, filter, bias | 0, out, dims… (15, with depth taps), relu) in `parts` parts; 0 or an error message. */
EMSCRIPTEN_KEEPALIVE const char* pnet_plan_conv2d(const float* x, uint32_t x_length, const float* filter, uint32_t filter_length,
                                                  const float* bias, uint32_t bias_length, float* out, uint32_t out_length, double n,
                                                  double h, double w, double cin, double kh, double kw, double cout, double pad_top,
                                                  double pad_bottom, double pad_left, double pad_right, double dilation_h,
                                                  double dilation_w, double kd, double dilation_d, int32_t relu, int32_t parts) {
  return report(plan(false, {x, filter, bias, out}, {x_length, filter_length, bias_length, out_length},
                     {n, h, w, cin, kh, kw, cout, pad_top, pad_bottom, pad_left, pad_right, dilation_h, dilation_w, kd, dilation_d}, relu != 0,
                     parts));
}

/** Plans filterGradient(x, dy, dfilter, dbias | 0, dims…) in `parts` parts; 0 or an error message. */
EMSCRIPTEN_KEEPALIVE const char* pnet_plan_filter_gradient(const float* x, uint32_t x_length, const float* dy, uint32_t dy_length,
                                                           float* dfilter, uint32_t dfilter_length, float* dbias, uint32_t dbias_length,
                                                           double n, double h, double w, double cin, double kh, double kw, double cout,
                                                           double pad_top, double pad_bottom, double pad_left, double pad_right,
                                                           double dilation_h, double dilation_w, double kd, double dilation_d,
                                                           int32_t parts) {
  return report(plan(true, {x, dy, dfilter, dbias}, {x_length, dy_length, dfilter_length, dbias_length},
                     {n, h, w, cin, kh, kw, cout, pad_top, pad_bottom, pad_left, pad_right, dilation_h, dilation_w, kd, dilation_d}, false, parts));
}

/**
 * Copies `rows` runs of `width` floats from `src` (run stride `src_stride`) to `dst` (stride
 * `dst_stride`): a channel block of a `[voxels, C]` tensor into or out of a concatenation. The
 * caller passes regions of the heap that hold them (checked in TypeScript, which owns the tensors).
 */
EMSCRIPTEN_KEEPALIVE void pnet_copy_rows(float* dst, uint32_t dst_stride, const float* src, uint32_t src_stride, uint32_t rows, uint32_t width) {
  // Short runs (the 3D P-Net's 4-channel blocks) are copied inline, a vector at a time:
  // memory.copy costs a call into the engine per run, several times the copy itself.
  if (width % 4 == 0 && width <= 16) {
    for (uint32_t r = 0; r < rows; ++r) {
      float* d = dst + static_cast<size_t>(r) * dst_stride;
      const float* s = src + static_cast<size_t>(r) * src_stride;
      for (uint32_t i = 0; i < width; i += 4) wasm_v128_store(d + i, wasm_v128_load(s + i));
    }
    return;
  }
  for (uint32_t r = 0; r < rows; ++r) std::memcpy(dst + static_cast<size_t>(r) * dst_stride, src + static_cast<size_t>(r) * src_stride, width * sizeof(float));
}

/**
 * A dropout mask: `count` floats, each `scale` when a 16-bit draw is below `threshold` and 0
 * otherwise, two draws per 32-bit output of mulberry32 from `state`; returns the next state. The
 * same generator and order as the TypeScript fallback (src/layers/dropout.ts), so both give the
 * same mask for a state.
 */
EMSCRIPTEN_KEEPALIVE uint32_t pnet_dropout_mask(float* dst, uint32_t count, uint32_t threshold, float scale, uint32_t state) {
  uint32_t a = state;
  const uint32_t pairs = count / 2;
  for (uint32_t j = 0; j < pairs; ++j) {
    const uint32_t t = mulberry32_output(a += kMulberry32Step);
    dst[2 * j] = (t & 0xffffu) < threshold ? scale : 0.0f;
    dst[2 * j + 1] = (t >> 16) < threshold ? scale : 0.0f;
  }
  if (count % 2 == 1) dst[count - 1] = (mulberry32_output(a += kMulberry32Step) & 0xffffu) < threshold ? scale : 0.0f;
  return a;
}

/**
 * The gradient through a ReLU: `dst[i] = y[i] > 0 ? dy[i] : 0` for `count` floats, `y` being the
 * ReLU's output. One pass over the memory, where tfjs' step and multiply took two and a temporary.
 */
EMSCRIPTEN_KEEPALIVE void pnet_relu_gradient(float* dst, const float* dy, const float* y, uint32_t count) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  uint32_t i = 0;
  for (; i + 4 <= count; i += 4) {
    const v128_t positive = wasm_f32x4_gt(wasm_v128_load(y + i), zero);
    wasm_v128_store(dst + i, wasm_v128_and(wasm_v128_load(dy + i), positive));
  }
  for (; i < count; ++i) dst[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

/** The number of parts the planned call has (fewer than asked when there are fewer output rows). */
EMSCRIPTEN_KEEPALIVE int32_t pnet_parts() { return task.parts; }

/** Runs part `k` of the planned call (any thread's instance; parts touch disjoint memory). */
EMSCRIPTEN_KEEPALIVE void pnet_run_part(int32_t k) {
  const Task& t = task;
  if (k < 0 || k >= t.parts) return;
  const int64_t rows = pnet::output_rows(t.s);
  const int64_t r0 = rows * k / t.parts, r1 = rows * (k + 1) / t.parts;
  if (t.gradient)
    pnet::filter_gradient_rows_wasm(t.s, t.x, t.second, t.dbias_part[k], t.ws[k], r0, r1);
  else
    pnet::conv2d_rows_wasm(t.s, t.x, t.second, t.out, t.ws[k], r0, r1);
}

/** Completes the planned call once every part ran: sums the gradient parts into dfilter/dbias; frees the workspace. */
EMSCRIPTEN_KEEPALIVE void pnet_finish() {
  Task& t = task;
  if (t.gradient && t.parts > 0) {
    const int64_t taps = t.s.kh * t.s.kw * t.s.cin;
    float* sum = t.ws[0].packed;
    for (int k = 1; k < t.parts; ++k) {
      for (int64_t i = 0; i < taps * t.padded; ++i) sum[i] += t.ws[k].packed[i];
    }
    for (int64_t r = 0; r < taps; ++r) std::memcpy(t.out + r * t.s.cout, sum + r * t.padded, static_cast<size_t>(t.s.cout) * 4);
    if (t.dbias != nullptr) {
      for (int64_t c = 0; c < t.s.cout; ++c) {
        float v = 0.0f;
        for (int k = 0; k < t.parts; ++k) v += t.dbias_part[k][c];
        t.dbias[c] = v;
      }
    }
  }
  t.release();
  t.parts = 0;
}

}  // extern "C"
