// Node-API binding: compute(image, seeds, depth, height, width, channels, sd, sh, sw, lambda,
// iterations, method) -> Float32Array. Validates every argument itself (the TS layer does too)
// and reports problems as JS exceptions, never by crashing the process.
#include <napi.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "../core/geodesic.hpp"

namespace {

bool read_integer(const Napi::Value& v, int64_t* out) {
  if (!v.IsNumber()) return false;
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(x) || std::floor(x) != x || std::fabs(x) > 9007199254740991.0) return false;
  *out = static_cast<int64_t>(x);
  return true;
}

Napi::Value Compute(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 12) {
    Napi::TypeError::New(env, "compute: expected 12 arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    Napi::TypeError::New(env, "image: expected a Float32Array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(env, "seeds: expected a Uint8Array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  geodesic::Params p;
  int64_t iterations = 0, method = 0;
  if (!read_integer(info[2], &p.depth) || !read_integer(info[3], &p.height) ||
      !read_integer(info[4], &p.width) || !read_integer(info[5], &p.channels) ||
      !read_integer(info[10], &iterations) || !read_integer(info[11], &method)) {
    Napi::TypeError::New(env, "shape, channels, iterations and method must be integers")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  for (int i = 0; i < 3; ++i) {
    if (!info[6 + i].IsNumber()) {
      Napi::TypeError::New(env, "spacing: expected numbers").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    p.spacing[i] = info[6 + i].As<Napi::Number>().DoubleValue();
  }
  if (!info[9].IsNumber()) {
    Napi::TypeError::New(env, "lambda: expected a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  p.lambda = info[9].As<Napi::Number>().DoubleValue();
  p.iterations = iterations > 0x7fffffff ? 0x7fffffff : static_cast<int32_t>(iterations < 0 ? 0 : iterations);
  p.method = static_cast<geodesic::Method>(method < 0 || method > 255 ? 255 : method);
  // DEEPIGEOS_GEODESIC_THREADS=1 keeps 'exact' on one thread (benchmarks report both figures).
  const char* threads = std::getenv("DEEPIGEOS_GEODESIC_THREADS");
  p.threads = threads != nullptr && std::strcmp(threads, "1") == 0 ? 1 : 0;
  const geodesic::Status status = geodesic::validate_params(p);
  if (status != geodesic::Status::Ok) {
    Napi::RangeError::New(env, geodesic::status_message(status)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const Napi::Float32Array image = info[0].As<Napi::Float32Array>();
  const Napi::Uint8Array seeds = info[1].As<Napi::Uint8Array>();
  const int64_t voxels = p.depth * p.height * p.width;
  if (static_cast<int64_t>(image.ElementLength()) != voxels * p.channels) {
    Napi::RangeError::New(env, "image: length must equal the voxel count times channels")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (static_cast<int64_t>(seeds.ElementLength()) != voxels) {
    Napi::RangeError::New(env, "seeds: length must equal the voxel count")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Float32Array out = Napi::Float32Array::New(env, static_cast<size_t>(voxels));
  geodesic::Status run;
  try {
    run = geodesic::compute(p, image.Data(), seeds.Data(), out.Data());
  } catch (const std::bad_alloc&) {
    // The solvers' work arrays; report instead of letting the exception terminate the process.
    Napi::Error::New(env, "out of memory for the solver's work arrays").ThrowAsJavaScriptException();
    return env.Undefined();
  } catch (const std::exception& e) {
    Napi::Error::New(env, std::string("geodesic core failed: ") + e.what()).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (run != geodesic::Status::Ok) {
    Napi::RangeError::New(env, geodesic::status_message(run)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("compute", Napi::Function::New(env, Compute, "compute"));
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace

NODE_API_MODULE(geodesic, Init)
