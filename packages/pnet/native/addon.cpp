// Node-API binding of the direct conv2d and its filter gradient:
//   conv2d(x, filter, bias | null, out, dims, relu, isa) -> undefined, writing `out` in place
//   filterGradient(x, dy, dfilter, dbias | null, dims, isa) -> undefined, writing dfilter (dbias)
//   dims = [N, H, W, Cin, KH, KW, Cout, padTop, padBottom, padLeft, padRight, dilationH, dilationW]
//   isas: the kernels this CPU can run, fastest first ('avx512', 'avx2'); empty if none.
// Every argument is validated here (types, integer ranges, lengths against the shapes, overflow,
// overlap of the output with the inputs) and reported as a JS exception, never by crashing. The
// module keeps no per-thread state, so worker threads may each load it (context-aware).
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "conv2d.hpp"

namespace {

constexpr int64_t kMaxDim = 0x7fffffff;

bool cpu_has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
bool cpu_has_avx512() { return __builtin_cpu_supports("avx512f") && cpu_has_avx2(); }

bool read_integer(const Napi::Value& v, int64_t* out) {
  if (!v.IsNumber()) return false;
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(x) || std::floor(x) != x || std::fabs(x) > kMaxDim) return false;
  *out = static_cast<int64_t>(x);
  return true;
}

/** a·b·c·d without overflow, or -1. */
int64_t product(int64_t a, int64_t b, int64_t c = 1, int64_t d = 1) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || __builtin_mul_overflow(r, c, &r) || __builtin_mul_overflow(r, d, &r)) return -1;
  return r;
}

bool is_float32_array(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
}

bool overlaps(const float* a, int64_t na, const float* b, int64_t nb) {
  const auto a0 = reinterpret_cast<uintptr_t>(a), b0 = reinterpret_cast<uintptr_t>(b);
  return a0 < b0 + static_cast<uintptr_t>(nb) * sizeof(float) && b0 < a0 + static_cast<uintptr_t>(na) * sizeof(float);
}

Napi::Value Fail(Napi::Env env, bool type_error, const std::string& message) {
  if (type_error)
    Napi::TypeError::New(env, "conv2d: " + message).ThrowAsJavaScriptException();
  else
    Napi::RangeError::New(env, "conv2d: " + message).ThrowAsJavaScriptException();
  return env.Undefined();
}

/** Reads dims into `s` (relu left false); an error message, or empty when valid. */
std::string read_shape(const Napi::Value& value, pnet::ConvShape* s) {
  if (!value.IsArray()) return "dims: expected an array of 13 integers";
  const Napi::Array dims = value.As<Napi::Array>();
  if (dims.Length() != 13) return "dims: expected an array of 13 integers";
  int64_t d[13];
  for (uint32_t i = 0; i < 13; ++i) {
    if (!read_integer(dims.Get(i), &d[i])) return "dims: expected integers within ±2^31";
  }
  for (int i : {0, 1, 2, 3, 4, 5, 6, 11, 12}) {
    if (d[i] < 1) return "sizes and dilations must be at least 1";
  }
  for (int i : {7, 8, 9, 10}) {
    if (d[i] < 0) return "pads must be non-negative";
  }
  *s = pnet::ConvShape{};
  s->n = d[0], s->h = d[1], s->w = d[2], s->cin = d[3], s->kh = d[4], s->kw = d[5], s->cout = d[6];
  s->pad_top = d[7], s->pad_left = d[9], s->dh = d[11], s->dw = d[12];
  // All terms are below 2^31, so these sums and products fit in int64.
  s->out_h = s->h + d[7] + d[8] - s->dh * (s->kh - 1);
  s->out_w = s->w + d[9] + d[10] - s->dw * (s->kw - 1);
  if (s->out_h < 1 || s->out_w < 1) return "the dilated kernel is larger than the padded input";
  return "";
}

/** The float32 arrays of one call, checked against the shape: [x, filter or dy-side array, ...]. */
struct Checked {
  float* data[4] = {};
  int64_t length[4] = {};
};

/**
 * Checks arguments `indices` of `info` (Float32Array, or null where `optional`) against the
 * expected lengths, then that no array marked `written` overlaps any other. Error or empty.
 */
std::string check_arrays(const Napi::CallbackInfo& info, const int (&indices)[4], const char* const (&names)[4], const int64_t (&lengths)[4],
                         const bool (&optional)[4], const bool (&written)[4], Checked* out) {
  for (int k = 0; k < 4; ++k) {
    const Napi::Value v = info[indices[k]];
    if (optional[k] && (v.IsNull() || v.IsUndefined())) continue;
    if (!is_float32_array(v)) return std::string(names[k]) + (optional[k] ? ": expected a Float32Array or null" : ": expected a Float32Array");
  }
  for (int k = 0; k < 4; ++k) {
    if (lengths[k] < 0) return "sizes overflow";
  }
  for (int k = 0; k < 4; ++k) {
    const Napi::Value v = info[indices[k]];
    if (optional[k] && (v.IsNull() || v.IsUndefined())) continue;
    Napi::Float32Array a = v.As<Napi::Float32Array>();
    if (static_cast<int64_t>(a.ElementLength()) != lengths[k]) return std::string(names[k]) + ": length does not match dims";
    out->data[k] = a.Data();
    out->length[k] = lengths[k];
  }
  for (int w = 0; w < 4; ++w) {
    if (!written[w] || out->data[w] == nullptr) continue;
    for (int k = 0; k < 4; ++k) {
      if (k == w || out->data[k] == nullptr) continue;
      if (overlaps(out->data[w], out->length[w], out->data[k], out->length[k])) return std::string(names[w]) + " must not overlap " + names[k];
    }
  }
  return "";
}

/** The kernels to run for `isa` and `cout`, or an error: AVX-512 only serves outputs wider than 8 channels. */
std::string pick_isa(const Napi::Value& value, int64_t cout, bool* avx512) {
  if (!value.IsString()) return "isa: expected 'avx512' or 'avx2'";
  const std::string isa = value.As<Napi::String>().Utf8Value();
  if (!(isa == "avx512" ? cpu_has_avx512() : isa == "avx2" && cpu_has_avx2())) return "isa '" + isa + "' is not supported on this CPU";
  // Up to 8 output channels the AVX2 kernel's 8-lane vectors multiply fewer zeros than 16 lanes
  // (measured 14 vs 11 GMAC/s for 16 → 4 channels).
  *avx512 = isa == "avx512" && cout > 8;
  return "";
}

/** Runs `kernel` with a workspace sized for `s` on the chosen ISA; an error or empty. */
template <typename Kernel>
std::string with_workspace(const pnet::ConvShape& s, bool avx512, bool gradient, Kernel kernel) {
  const pnet::KernelGeometry g = avx512 ? pnet::geometry_avx512(s.cout) : pnet::geometry_avx2(s.cout);
  const int64_t taps = s.kh * s.kw;  // < 2^62
  const int64_t padded = (s.cout + g.channels - 1) / g.channels * g.channels;
  const int64_t packed_len = product(padded, taps, s.cin);
  const int64_t pointers = product(taps, g.pixels);
  const int64_t row_len = gradient ? product(s.out_w, padded) : 0;
  if (packed_len < 0 || pointers < 0 || row_len < 0) return "sizes overflow";
  try {
    std::vector<float> packed(static_cast<size_t>(packed_len));
    std::vector<float> zeros(static_cast<size_t>(s.cin), 0.0f);
    std::vector<const float*> tap_pointers(gradient ? 0 : static_cast<size_t>(pointers));
    std::vector<const float*> weight_pointers(gradient ? 0 : static_cast<size_t>(taps));
    std::vector<float> row(static_cast<size_t>(row_len));
    kernel(pnet::ConvWorkspace{packed.data(), zeros.data(), tap_pointers.data(), weight_pointers.data(), row.data()});
  } catch (const std::bad_alloc&) {
    return "out of memory for the workspace";
  } catch (const std::length_error&) {
    return "out of memory for the workspace";
  }
  return "";
}

Napi::Value Fail(Napi::Env env, const std::string& message) {
  // Wrong kinds of values are TypeErrors, wrong sizes RangeErrors (like the TS layer's checks).
  const bool type_error = message.find("expected") != std::string::npos;
  return Fail(env, type_error, message);
}

// conv2d(x, filter, bias | null, out, dims, relu, isa)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 7) return Fail(env, true, "expected 7 arguments (x, filter, bias, out, dims, relu, isa)");
  pnet::ConvShape s{};
  std::string error = read_shape(info[4], &s);
  if (error.empty() && !info[5].IsBoolean()) error = "relu: expected a boolean";
  Checked a;
  if (error.empty())
    error = check_arrays(info, {0, 1, 2, 3}, {"x", "filter", "bias", "out"},
                         {product(s.n, s.h, s.w, s.cin), product(s.kh, s.kw, s.cin, s.cout), s.cout, product(s.n, s.out_h, s.out_w, s.cout)},
                         {false, false, true, false}, {false, false, false, true}, &a);
  bool avx512 = false;
  if (error.empty()) error = pick_isa(info[6], s.cout, &avx512);
  if (error.empty()) {
    s.relu = info[5].As<Napi::Boolean>().Value();
    error = with_workspace(s, avx512, false, [&](const pnet::ConvWorkspace& ws) {
      (avx512 ? pnet::conv2d_avx512 : pnet::conv2d_avx2)(s, a.data[0], a.data[1], a.data[2], a.data[3], ws);
    });
  }
  if (!error.empty()) return Fail(env, error);
  return env.Undefined();
}

// filterGradient(x, dy, dfilter, dbias | null, dims, isa): the weight gradients of conv2d(x, ·).
Napi::Value FilterGradient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6) return Fail(env, true, "expected 6 arguments (x, dy, dfilter, dbias, dims, isa)");
  pnet::ConvShape s{};
  std::string error = read_shape(info[4], &s);
  Checked a;
  if (error.empty())
    error = check_arrays(info, {0, 1, 2, 3}, {"x", "dy", "dfilter", "dbias"},
                         {product(s.n, s.h, s.w, s.cin), product(s.n, s.out_h, s.out_w, s.cout), product(s.kh, s.kw, s.cin, s.cout), s.cout},
                         {false, false, false, true}, {false, false, true, true}, &a);
  bool avx512 = false;
  if (error.empty()) error = pick_isa(info[5], s.cout, &avx512);
  if (error.empty()) {
    error = with_workspace(s, avx512, true, [&](const pnet::ConvWorkspace& ws) {
      (avx512 ? pnet::filter_gradient_avx512 : pnet::filter_gradient_avx2)(s, a.data[0], a.data[1], a.data[2], a.data[3], ws);
    });
  }
  if (!error.empty()) return Fail(env, error);
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Array isas = Napi::Array::New(env);
  uint32_t i = 0;
  if (cpu_has_avx512()) isas.Set(i++, "avx512");
  if (cpu_has_avx2()) isas.Set(i++, "avx2");
  exports.Set("conv2d", Napi::Function::New(env, Conv2d, "conv2d"));
  exports.Set("filterGradient", Napi::Function::New(env, FilterGradient, "filterGradient"));
  exports.Set("isas", isas);
  exports.Set("abiVersion", Napi::Number::New(env, 2));
  return exports;
}

}  // namespace

NODE_API_MODULE(pnet_conv, Init)
