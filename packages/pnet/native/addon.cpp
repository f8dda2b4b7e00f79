// Node-API binding of the direct conv2d and its filter gradient:
//   conv2d(x, filter, bias | null, out, dims, relu, isa) -> undefined, writing `out` in place
//   filterGradient(x, dy, dfilter, dbias | null, dims, isa) -> undefined, writing dfilter (dbias)
//   dims = [N, H, W, Cin, KH, KW, Cout, padTop, padBottom, padLeft, padRight, dilationH, dilationW]
//     and optionally KD, dilationD: depth taps over consecutive input slices (conv2d only; the
//     filter is then [KD, KH, KW, Cin, Cout] and the output has N − (KD − 1)·dilationD slices)
//   setThreads(threads, minWork?) -> undefined: threads per call from now on (1 = the calling
//     thread only) and the multiply-adds below which a call stays on the calling thread
//   threads() -> the threads per call now
//   isas: the kernels this CPU can run, fastest first ('avx512', 'avx2'); empty if none.
// Every argument is validated here (types, integer ranges, lengths against the shapes, overflow,
// overlap of the output with the inputs) and reported as a JS exception, never by crashing. A
// large call runs on a pool of helper threads: conv2d splits its output rows (each thread writes
// its own rows, bit-identical to one thread), filterGradient sums per-part gradients of fixed
// row ranges in part order after all parts ran (the same result for any number of threads ≥ 2 and
// any timing; within float rounding of one thread). The thread settings and the pool belong to
// the Node environment (instance data), so worker threads may each load the module (context-aware).
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "conv2d.hpp"
#include "conv_checks.hpp"
#include "thread_pool.hpp"

namespace {

bool cpu_has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
bool cpu_has_avx512() { return __builtin_cpu_supports("avx512f") && cpu_has_avx2(); }

bool is_float32_array(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
}

Napi::Value Fail(Napi::Env env, const pnet::Message& message, const char* function = "conv2d") {
  const std::string text = std::string(function) + ": " + message.text;
  if (message.type_error())
    Napi::TypeError::New(env, text).ThrowAsJavaScriptException();
  else
    Napi::RangeError::New(env, text).ThrowAsJavaScriptException();
  return env.Undefined();
}

/** Reads dims into `s` (relu left false); an error message, or empty when valid. */
pnet::Message read_shape(const Napi::Value& value, pnet::ConvShape* s) {
  if (!value.IsArray()) return "dims: expected an array of 13 or 15 integers";
  const Napi::Array dims = value.As<Napi::Array>();
  const uint32_t length = dims.Length();
  if (length != pnet::kDims2d && length != pnet::kDims) return "dims: expected an array of 13 or 15 integers";
  double d[pnet::kDims] = {};
  d[13] = d[14] = 1;  // a conv2d: one depth tap
  for (uint32_t i = 0; i < length; ++i) {
    const Napi::Value v = dims.Get(i);
    d[i] = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : std::nan("");
  }
  return pnet::shape_from_dims(d, s);
}

/**
 * Reads arguments `indices` of `info` (Float32Array, or null where `optional`) into `a` and checks
 * them against the expected lengths (pnet::check_lengths). Error or empty.
 */
pnet::Message read_arrays(const Napi::CallbackInfo& info, const int (&indices)[4], const bool (&optional)[4], pnet::CallArrays* a,
                          const int64_t (&lengths)[4]) {
  for (int k = 0; k < 4; ++k) {
    const Napi::Value v = info[indices[k]];
    a->present[k] = false;
    if (optional[k] && (v.IsNull() || v.IsUndefined())) continue;
    if (!is_float32_array(v)) return pnet::Message(a->names[k]) << (optional[k] ? ": expected a Float32Array or null" : ": expected a Float32Array");
  }
  for (int k = 0; k < 4; ++k) {
    const Napi::Value v = info[indices[k]];
    if (optional[k] && (v.IsNull() || v.IsUndefined())) continue;
    Napi::Float32Array array = v.As<Napi::Float32Array>();
    a->present[k] = true;
    a->data[k] = array.Data();
    a->length[k] = static_cast<int64_t>(array.ElementLength());
  }
  return pnet::check_lengths(*a, lengths);
}

/** The kernels to run for `isa` and `cout`, or an error: AVX-512 only serves outputs wider than 8 channels. */
pnet::Message pick_isa(const Napi::Value& value, int64_t cout, bool* avx512) {
  if (!value.IsString()) return "isa: expected 'avx512' or 'avx2'";
  const std::string isa = value.As<Napi::String>().Utf8Value();
  if (!(isa == "avx512" ? cpu_has_avx512() : isa == "avx2" && cpu_has_avx2())) return pnet::Message("isa '") << isa.c_str() << "' is not supported on this CPU";
  // Up to 8 output channels the AVX2 kernel's 8-lane vectors multiply fewer zeros than 16 lanes
  // (measured 14 vs 11 GMAC/s for 16 → 4 channels).
  *avx512 = isa == "avx512" && cout > 8;
  return pnet::Message();
}

constexpr int kMaxThreads = 16;
/**
 * Multiply-adds (output values × KH·KW·Cin) below which a call stays on the calling thread: a
 * threaded call costs up to ~25 µs more when the helpers are slow to wake, and 4 M multiply-adds
 * take 45–90 µs on one AVX-512 core (bench/native-threads-bench.mjs --layers).
 */
constexpr double kDefaultMinWork = 4e6;
/**
 * The filter gradient's row ranges, each with its own accumulator, summed in order: up to 8, each
 * of at least 1024 output pixels (so zeroing and summing an accumulator costs under 0.1 % of the
 * part's multiply-adds). The partition depends on the shape only, so the result never depends on
 * the number of threads (≥ 2) or their timing.
 */
constexpr int64_t kGradientParts = 8;
constexpr int64_t kGradientPixelsPerPart = 1024;
/** Forward parts per thread: more parts than threads let idle threads take over a slow one's share. */
constexpr int kForwardPartsPerThread = 4;

/** The environment's thread settings and its pool (started by the first call that uses it). */
struct AddonData {
  int threads = 1;
  bool winograd = true;  // 3×3 forward convolutions by Winograd (F(4×4, 3×3) or F(2×2, 3×3))
  double min_work = kDefaultMinWork;
  std::unique_ptr<pnet::ThreadPool> pool;

  /** The pool for a call of `work` multiply-adds, or null to stay on the calling thread. */
  pnet::ThreadPool* pool_for(double work) {
    if (threads <= 1 || work < min_work) return nullptr;
    if (pool == nullptr) {
      try {
        pool.reset(new pnet::ThreadPool(threads - 1));
      } catch (const std::bad_alloc&) {
        return nullptr;
      }
    }
    return pool->threads() > 1 ? pool.get() : nullptr;
  }
};

AddonData* addon_data(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

/** One ISA's kernels. */
struct Kernels {
  pnet::KernelGeometry (*geometry)(int64_t cout);
  void (*pack_filter)(const pnet::ConvShape&, const float*, float*);
  void (*conv2d_rows)(const pnet::ConvShape&, const float*, const float*, float*, const pnet::ConvWorkspace&, int64_t, int64_t);
  void (*filter_gradient_rows)(const pnet::ConvShape&, const float*, const float*, float*, const pnet::ConvWorkspace&, int64_t, int64_t);
  void (*conv2d)(const pnet::ConvShape&, const float*, const float*, const float*, float*, const pnet::ConvWorkspace&);
  void (*filter_gradient)(const pnet::ConvShape&, const float*, const float*, float*, float*, const pnet::ConvWorkspace&);
};

const Kernels kAvx2{pnet::geometry_avx2, pnet::pack_filter_avx2, pnet::conv2d_rows_avx2, pnet::filter_gradient_rows_avx2, pnet::conv2d_avx2,
                    pnet::filter_gradient_avx2};
const Kernels kAvx512{pnet::geometry_avx512, pnet::pack_filter_avx512, pnet::conv2d_rows_avx512, pnet::filter_gradient_rows_avx512,
                      pnet::conv2d_avx512, pnet::filter_gradient_avx512};

/** Multiply-adds of the convolution `s` (forward or filter gradient: the same count), as a double (no overflow). */
double work_of(const pnet::ConvShape& s) {
  return static_cast<double>(pnet::output_rows(s)) * static_cast<double>(s.out_w) * static_cast<double>(pnet::filter_taps(s)) *
         static_cast<double>(s.cin) * static_cast<double>(s.cout);
}

/** Floats for `count` copies of `each` floats, or an error on overflow; throws std::bad_alloc like vector. */
std::vector<float> floats(int64_t count, int64_t each) {
  const int64_t n = pnet::product(count, each);
  if (n < 0) throw std::bad_alloc();
  return std::vector<float>(static_cast<size_t>(n), 0.0f);
}

/** [r0, r1) of part `k` of `parts` over `rows` rows. */
inline void part_rows(int64_t rows, int parts, int k, int64_t* r0, int64_t* r1) {
  *r0 = rows * k / parts;
  *r1 = rows * (k + 1) / parts;
}

/** A threaded call's shared arguments and per-thread (forward) or per-part (gradient) workspaces. */
struct ThreadedCall {
  const pnet::ConvShape* s;
  const Kernels* kernels;
  const float* x;
  const float* second;  // conv2d: the bias (or null); gradient: dy
  float* out;           // conv2d: out; gradient: unused (parts accumulate into their workspaces)
  int64_t rows;
  int parts;
  pnet::ConvWorkspace thread_ws[kMaxThreads];
  float* part_acc;  // gradient: parts × packed floats
  float* part_dbias;  // gradient: parts × Cout floats, or null
  int64_t packed_floats;
};

void forward_part(void* context, int part, int thread) {
  const ThreadedCall& c = *static_cast<const ThreadedCall*>(context);
  int64_t r0, r1;
  part_rows(c.rows, c.parts, part, &r0, &r1);
  c.kernels->conv2d_rows(*c.s, c.x, c.second, c.out, c.thread_ws[thread], r0, r1);
}

void gradient_part(void* context, int part, int thread) {
  const ThreadedCall& c = *static_cast<const ThreadedCall*>(context);
  int64_t r0, r1;
  part_rows(c.rows, c.parts, part, &r0, &r1);
  pnet::ConvWorkspace ws = c.thread_ws[thread];
  ws.packed = c.part_acc + part * c.packed_floats;  // this part's accumulator
  c.kernels->filter_gradient_rows(*c.s, c.x, c.second, c.part_dbias == nullptr ? nullptr : c.part_dbias + part * c.s->cout, ws, r0, r1);
}

/**
 * conv2d (gradient false) or filterGradient (true) of `s` on `pool` (null: the calling thread
 * alone, the single-threaded kernels as they are); an error or empty. Arrays as in the bindings:
 * conv2d x, filter, bias, out; gradient x, dy, dfilter, dbias.
 */
pnet::Message run_call(const pnet::ConvShape& s, const Kernels& k, bool gradient, const float* const (&data)[4], pnet::ThreadPool* pool) {
  const pnet::WorkspaceSizes n = pnet::workspace_sizes(s, k.geometry(s.cout), gradient);
  if (n.overflow()) return "sizes overflow";
  const int64_t rows = pnet::output_rows(s);
  const int threads = pool == nullptr || rows < 2 ? 1 : pool->threads();
  float* out = const_cast<float*>(data[gradient ? 2 : 3]);
  float* dbias = gradient ? const_cast<float*>(data[3]) : nullptr;
  try {
    std::vector<float> zeros(static_cast<size_t>(n.zeros), 0.0f);
    std::vector<const float*> tap_pointers(static_cast<size_t>(n.taps * threads));
    std::vector<const float*> weight_pointers(static_cast<size_t>(n.weights * threads));
    std::vector<float> row_buffers = floats(threads, n.row);
    std::vector<float> scratch = floats(threads, n.scratch);
    std::vector<float> packed;
    if (threads == 1) {
      packed.resize(static_cast<size_t>(n.packed));
      const pnet::ConvWorkspace ws{packed.data(), zeros.data(), tap_pointers.data(), weight_pointers.data(), row_buffers.data(), scratch.data()};
      if (gradient)
        k.filter_gradient(s, data[0], data[1], out, dbias, ws);
      else
        k.conv2d(s, data[0], data[1], data[2], out, ws);
      return pnet::Message();
    }
    ThreadedCall call{};
    call.s = &s, call.kernels = &k, call.x = data[0], call.second = data[gradient ? 1 : 2], call.out = out, call.rows = rows;
    call.packed_floats = n.packed;
    std::vector<float> dbias_parts;
    if (gradient) {
      const int64_t by_pixels = rows * s.out_w / kGradientPixelsPerPart;
      call.parts = static_cast<int>(std::min({rows, kGradientParts, std::max<int64_t>(2, by_pixels)}));
      packed = floats(call.parts, n.packed);
      call.part_acc = packed.data();
      if (dbias != nullptr) dbias_parts = floats(call.parts, s.cout);
      call.part_dbias = dbias != nullptr ? dbias_parts.data() : nullptr;
    } else {
      const int64_t parts = static_cast<int64_t>(threads) * kForwardPartsPerThread;
      call.parts = static_cast<int>(rows < parts ? rows : parts);
      packed.resize(static_cast<size_t>(n.packed));
      k.pack_filter(s, data[1], packed.data());
    }
    for (int t = 0; t < threads; ++t) {
      call.thread_ws[t] = pnet::ConvWorkspace{packed.data(),          zeros.data(),
                                              tap_pointers.data() + t * n.taps, weight_pointers.data() + t * n.weights,
                                              row_buffers.data() + t * n.row, scratch.data() + t * n.scratch};
    }
    pool->run(call.parts, gradient ? gradient_part : forward_part, &call);
    if (gradient) {
      // Parts summed in part order, then the accumulator's first Cout of each padded row copied out.
      float* sum = packed.data();
      for (int p = 1; p < call.parts; ++p) {
        const float* part = packed.data() + p * n.packed;
        for (int64_t i = 0; i < n.packed; ++i) sum[i] += part[i];
      }
      const int64_t taps = s.kh * s.kw * s.cin, padded = n.packed / taps;
      for (int64_t r = 0; r < taps; ++r) std::memcpy(out + r * s.cout, sum + r * padded, static_cast<size_t>(s.cout) * sizeof(float));
      if (dbias != nullptr) {
        for (int64_t c = 0; c < s.cout; ++c) {
          float v = 0.0f;
          for (int p = 0; p < call.parts; ++p) v += dbias_parts[static_cast<size_t>(p * s.cout + c)];
          dbias[c] = v;
        }
      }
    }
  } catch (const std::bad_alloc&) {
    return "out of memory for the workspace";
  } catch (const std::length_error&) {
    return "out of memory for the workspace";
  }
  return pnet::Message();
}

// conv2d(x, filter, bias | null, out, dims, relu, isa)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 7) return Fail(env, "expected 7 arguments (x, filter, bias, out, dims, relu, isa)");
  pnet::ConvShape s{};
  pnet::Message error = read_shape(info[4], &s);
  if (error.ok() && !info[5].IsBoolean()) error = "relu: expected a boolean";
  pnet::CallArrays a{{"x", "filter", "bias", "out"}, {}, {}, {}, {false, false, false, true}};
  int64_t lengths[4];
  pnet::conv2d_lengths(s, lengths);
  if (error.ok()) error = read_arrays(info, {0, 1, 2, 3}, {false, false, true, false}, &a, lengths);
  bool avx512 = false;
  if (error.ok()) error = pick_isa(info[6], s.cout, &avx512);
  if (error.ok()) {
    s.relu = info[5].As<Napi::Boolean>().Value();
    s.winograd = addon_data(env)->winograd ? pnet::winograd_tile(s) : 0;
    error = run_call(s, avx512 ? kAvx512 : kAvx2, false, {a.data[0], a.data[1], a.data[2], a.data[3]}, addon_data(env)->pool_for(work_of(s)));
  }
  if (!error.ok()) return Fail(env, error);
  return env.Undefined();
}

// filterGradient(x, dy, dfilter, dbias | null, dims, isa): the weight gradients of conv2d(x, ·).
Napi::Value FilterGradient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6) return Fail(env, "expected 6 arguments (x, dy, dfilter, dbias, dims, isa)");
  pnet::ConvShape s{};
  pnet::Message error = read_shape(info[4], &s);
  if (error.ok()) error = pnet::check_gradient_shape(s);
  pnet::CallArrays a{{"x", "dy", "dfilter", "dbias"}, {}, {}, {}, {false, false, true, true}};
  int64_t lengths[4];
  pnet::filter_gradient_lengths(s, lengths);
  if (error.ok()) error = read_arrays(info, {0, 1, 2, 3}, {false, false, false, true}, &a, lengths);
  bool avx512 = false;
  if (error.ok()) error = pick_isa(info[5], s.cout, &avx512);
  if (error.ok()) {
    error = run_call(s, avx512 ? kAvx512 : kAvx2, true, {a.data[0], a.data[1], a.data[2], a.data[3]}, addon_data(env)->pool_for(work_of(s)));
  }
  if (!error.ok()) return Fail(env, error);
  return env.Undefined();
}

// setThreads(threads, minWork?): threads per call (1 … 16; 1 = the calling thread only) and, if
// given, the multiply-adds (≥ 0) below which a call stays on the calling thread.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t threads = 0;
  if (info.Length() < 1 || info.Length() > 2 || !info[0].IsNumber()) return Fail(env, "expected (threads, minWork?) numbers", "setThreads");
  if (!pnet::integer_value(info[0].As<Napi::Number>().DoubleValue(), &threads) || threads < 1 || threads > kMaxThreads)
    return Fail(env, "threads must be an integer from 1 to 16", "setThreads");
  double min_work = kDefaultMinWork;
  if (info.Length() == 2 && !info[1].IsUndefined()) {
    if (!info[1].IsNumber()) return Fail(env, "minWork: expected a number", "setThreads");
    min_work = info[1].As<Napi::Number>().DoubleValue();
    if (!(min_work >= 0)) return Fail(env, "minWork must be a non-negative number", "setThreads");
  }
  AddonData* data = addon_data(env);
  if (threads != data->threads) data->pool.reset();  // joins the old helpers; a new pool starts on demand
  data->threads = static_cast<int>(threads);
  data->min_work = min_work;
  return env.Undefined();
}

// setWinograd(on): 3×3 forward convolutions by Winograd (true, the default) or directly.
Napi::Value SetWinograd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsBoolean()) return Fail(env, "expected (on) boolean", "setWinograd");
  addon_data(env)->winograd = info[0].As<Napi::Boolean>().Value();
  return env.Undefined();
}

// threads(): the threads per call set now.
Napi::Value Threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), addon_data(info.Env())->threads); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Deleted (helpers joined) when this environment is torn down: process exit or worker end.
  AddonData* data = new AddonData();
  const unsigned cores = std::thread::hardware_concurrency();
  data->threads = cores == 0 ? 1 : cores < 4 ? static_cast<int>(cores) : 4;
  env.SetInstanceData<AddonData>(data);
  Napi::Array isas = Napi::Array::New(env);
  uint32_t i = 0;
  if (cpu_has_avx512()) isas.Set(i++, "avx512");
  if (cpu_has_avx2()) isas.Set(i++, "avx2");
  exports.Set("conv2d", Napi::Function::New(env, Conv2d, "conv2d"));
  exports.Set("filterGradient", Napi::Function::New(env, FilterGradient, "filterGradient"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("threads", Napi::Function::New(env, Threads, "threads"));
  exports.Set("setWinograd", Napi::Function::New(env, SetWinograd, "setWinograd"));
  exports.Set("isas", isas);
  exports.Set("abiVersion", Napi::Number::New(env, 5));
  return exports;
}

}  // namespace

NODE_API_MODULE(pnet_conv, Init)
