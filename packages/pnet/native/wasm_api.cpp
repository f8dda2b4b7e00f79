// WebAssembly binding of the direct conv2d and its filter gradient (the C ABI twin of addon.cpp,
// same checks and messages from conv_checks.hpp). Built as a relocatable side module that the
// package instantiates on tfjs-backend-wasm's own memory, so the kernels read and write tensors
// where tfjs keeps them: pointers are byte offsets into that heap, and the workspace comes from
// tfjs' allocator (the imported malloc/free). Each entry returns 0, or the address of a
// NUL-terminated error message.
#include <emscripten/emscripten.h>

#include <cstddef>
#include <cstdint>

#include "conv2d.hpp"
#include "conv_checks.hpp"

extern "C" {
void* malloc(size_t bytes);
void free(void* ptr);
}

namespace {

pnet::Message last_error;

const char* report(const pnet::Message& message) {
  if (message.ok()) return nullptr;
  last_error = "conv2d: ";
  last_error << message.text;
  return last_error.text;
}

/** Frees every part of a workspace on scope exit. */
struct Workspace {
  pnet::ConvWorkspace ws{};
  void* parts[5] = {};
  ~Workspace() {
    for (void* p : parts) free(p);
  }
  /** Allocates `s`'s workspace for the SIMD128 kernels; an error or empty. */
  pnet::Message allocate(const pnet::ConvShape& s, bool gradient) {
    const pnet::WorkspaceSizes n = pnet::workspace_sizes(s, pnet::geometry_wasm(s.cout), gradient);
    if (n.overflow()) return "sizes overflow";
    const int64_t bytes[5] = {n.packed * 4, n.zeros * 4, n.taps * static_cast<int64_t>(sizeof(void*)),
                              n.weights * static_cast<int64_t>(sizeof(void*)), n.row * 4};
    for (int i = 0; i < 5; ++i) {
      // malloc(0) may return null; every part gets at least one word.
      if (bytes[i] > 0x7fff0000 || (parts[i] = malloc(bytes[i] > 0 ? static_cast<size_t>(bytes[i]) : 4)) == nullptr)
        return "out of memory for the workspace";
    }
    ws.packed = static_cast<float*>(parts[0]);
    ws.zeros = static_cast<float*>(parts[1]);
    for (int64_t i = 0; i < n.zeros; ++i) ws.zeros[i] = 0.0f;
    ws.taps = static_cast<const float**>(parts[2]);
    ws.weights = static_cast<const float**>(parts[3]);
    ws.row = static_cast<float*>(parts[4]);
    return pnet::Message();
  }
};

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

}  // namespace

extern "C" {

/** conv2d(x, filter, bias | 0, out, dims…, relu): the addon's conv2d; a null x, filter or out is an error. */
EMSCRIPTEN_KEEPALIVE const char* pnet_conv2d(const float* x, uint32_t x_length, const float* filter, uint32_t filter_length,
                                             const float* bias, uint32_t bias_length, float* out, uint32_t out_length, double n, double h,
                                             double w, double cin, double kh, double kw, double cout, double pad_top, double pad_bottom,
                                             double pad_left, double pad_right, double dilation_h, double dilation_w, int32_t relu) {
  pnet::ConvShape s{};
  pnet::Message error = pnet::shape_from_dims({n, h, w, cin, kh, kw, cout, pad_top, pad_bottom, pad_left, pad_right, dilation_h, dilation_w}, &s);
  if (!error.ok()) return report(error);
  if (x == nullptr || filter == nullptr || out == nullptr) return report("x, filter, out: expected arrays on the heap");
  int64_t lengths[4];
  pnet::conv2d_lengths(s, lengths);
  error = pnet::check_lengths(arrays({"x", "filter", "bias", "out"}, {x, filter, bias, out}, {x_length, filter_length, bias_length, out_length},
                                     {false, false, false, true}),
                              lengths);
  if (!error.ok()) return report(error);
  s.relu = relu != 0;
  Workspace ws;
  error = ws.allocate(s, false);
  if (!error.ok()) return report(error);
  pnet::conv2d_wasm(s, x, filter, bias, out, ws.ws);
  return nullptr;
}

/** filterGradient(x, dy, dfilter, dbias | 0, dims…): the addon's filterGradient. */
EMSCRIPTEN_KEEPALIVE const char* pnet_filter_gradient(const float* x, uint32_t x_length, const float* dy, uint32_t dy_length, float* dfilter,
                                                      uint32_t dfilter_length, float* dbias, uint32_t dbias_length, double n, double h,
                                                      double w, double cin, double kh, double kw, double cout, double pad_top,
                                                      double pad_bottom, double pad_left, double pad_right, double dilation_h,
                                                      double dilation_w) {
  pnet::ConvShape s{};
  pnet::Message error = pnet::shape_from_dims({n, h, w, cin, kh, kw, cout, pad_top, pad_bottom, pad_left, pad_right, dilation_h, dilation_w}, &s);
  if (!error.ok()) return report(error);
  if (x == nullptr || dy == nullptr || dfilter == nullptr) return report("x, dy, dfilter: expected arrays on the heap");
  int64_t lengths[4];
  pnet::filter_gradient_lengths(s, lengths);
  error = pnet::check_lengths(arrays({"x", "dy", "dfilter", "dbias"}, {x, dy, dfilter, dbias}, {x_length, dy_length, dfilter_length, dbias_length},
                                     {false, false, true, true}),
                              lengths);
  if (!error.ok()) return report(error);
  Workspace ws;
  error = ws.allocate(s, true);
  if (!error.ok()) return report(error);
  pnet::filter_gradient_wasm(s, x, dy, dfilter, dbias, ws.ws);
  return nullptr;
}

}  // extern "C"
