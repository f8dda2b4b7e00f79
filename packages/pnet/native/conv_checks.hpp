// Argument checks and workspace sizes shared by the two bindings of the kernels (the Node addon,
// addon.cpp, and the WebAssembly module, wasm_api.cpp), so both reject the same inputs with the
// same messages. Header-only and free of the standard library's allocating types, because the
// WebAssembly build links no C++ runtime.
#pragma once
#include <cstdint>

#include "conv2d.hpp"

namespace pnet {
// Internal linkage: a WebAssembly side module imports its weak (inline) definitions from the host.
namespace {

constexpr int64_t kMaxDim = 0x7fffffff;

/** A short error message built without allocation; empty (size 0) means no error. */
struct Message {
  char text[120];
  int size = 0;
  Message() { text[0] = '\0'; }
  Message(const char* s) { text[0] = '\0', *this << s; }
  Message& operator<<(const char* s) {
    while (*s != '\0' && size + 1 < static_cast<int>(sizeof text)) text[size++] = *s++;
    text[size] = '\0';
    return *this;
  }
  bool ok() const { return size == 0; }
  /** Wrong kinds of values are TypeErrors, wrong sizes RangeErrors (like the TS layer's checks). */
  bool type_error() const {
    for (int i = 0; i + 8 <= size; ++i) {
      const char* e = "expected";
      int k = 0;
      while (k < 8 && text[i + k] == e[k]) ++k;
      if (k == 8) return true;
    }
    return false;
  }
};

/** x as an integer within ±2^31, or false (NaN, infinite, fractional, too large). */
inline bool integer_value(double x, int64_t* out) {
  if (!(x >= -static_cast<double>(kMaxDim) && x <= static_cast<double>(kMaxDim))) return false;  // also NaN
  const int64_t i = static_cast<int64_t>(x);
  if (static_cast<double>(i) != x) return false;
  *out = i;
  return true;
}

/**
 * a·b·c·d of non-negative factors without overflow, or -1. (A division rather than
 * __builtin_mul_overflow, which needs a runtime helper for 128-bit products in WebAssembly.)
 */
inline int64_t product(int64_t a, int64_t b, int64_t c = 1, int64_t d = 1) {
  const int64_t factors[] = {b, c, d};
  int64_t r = a;
  for (int64_t f : factors) {
    if (r < 0 || f < 0 || (f != 0 && r > INT64_MAX / f)) return -1;
    r *= f;
  }
  return r;
}

/** Entries of a dims array: 13 for a conv2d, 15 with depth taps. */
constexpr int kDims2d = 13;
constexpr int kDims = 15;

/**
 * dims = [N, H, W, Cin, KH, KW, Cout, padTop, padBottom, padLeft, padRight, dilationH,
 * dilationW, KD, dilationD] into `s` (relu left false); a conv2d's 13 entries are padded with
 * KD = dilationD = 1 by the bindings.
 */
inline Message shape_from_dims(const double (&dims)[kDims], ConvShape* s) {
  int64_t d[kDims];
  for (int i = 0; i < kDims; ++i) {
    if (!integer_value(dims[i], &d[i])) return "dims: expected integers within ±2^31";
  }
  const int sizes[] = {0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14}, pads[] = {7, 8, 9, 10};
  for (int i : sizes) {
    if (d[i] < 1) return "sizes and dilations must be at least 1";
  }
  for (int i : pads) {
    if (d[i] < 0) return "pads must be non-negative";
  }
  *s = ConvShape{};
  s->n = d[0], s->h = d[1], s->w = d[2], s->cin = d[3], s->kh = d[4], s->kw = d[5], s->cout = d[6];
  s->pad_top = d[7], s->pad_left = d[9], s->dh = d[11], s->dw = d[12], s->kd = d[13], s->dd = d[14];
  // All terms are below 2^31, so these sums and products fit in int64.
  s->out_h = s->h + d[7] + d[8] - s->dh * (s->kh - 1);
  s->out_w = s->w + d[9] + d[10] - s->dw * (s->kw - 1);
  s->out_n = s->n - s->dd * (s->kd - 1);
  if (s->out_h < 1 || s->out_w < 1) return "the dilated kernel is larger than the padded input";
  if (s->out_n < 1) return "the depth taps reach beyond the input slices";
  return Message();
}

/** The four float arrays of one call: present (not null) ones with their data and element counts. */
struct CallArrays {
  const char* names[4];
  const float* data[4];
  int64_t length[4];
  bool present[4];
  bool written[4];
};

inline bool overlaps(const float* a, int64_t na, const float* b, int64_t nb) {
  const auto a0 = reinterpret_cast<uintptr_t>(a), b0 = reinterpret_cast<uintptr_t>(b);
  return a0 < b0 + static_cast<uintptr_t>(nb) * sizeof(float) && b0 < a0 + static_cast<uintptr_t>(na) * sizeof(float);
}

/** Lengths against the shape's `expected` counts, then no written array overlapping another. */
inline Message check_lengths(const CallArrays& a, const int64_t (&expected)[4]) {
  for (int k = 0; k < 4; ++k) {
    if (expected[k] < 0) return "sizes overflow";
  }
  for (int k = 0; k < 4; ++k) {
    if (a.present[k] && a.length[k] != expected[k]) return Message(a.names[k]) << ": length does not match dims";
  }
  for (int w = 0; w < 4; ++w) {
    if (!a.written[w] || !a.present[w]) continue;
    for (int k = 0; k < 4; ++k) {
      if (k == w || !a.present[k]) continue;
      if (overlaps(a.data[w], a.length[w], a.data[k], a.length[k])) return Message(a.names[w]) << " must not overlap " << a.names[k];
    }
  }
  return Message();
}

/** Expected element counts of conv2d's x, filter, bias, out. */
inline void conv2d_lengths(const ConvShape& s, int64_t (&out)[4]) {
  out[0] = product(s.n, s.h, s.w, s.cin), out[1] = product(product(s.kd, s.kh, s.kw), s.cin, s.cout), out[2] = s.cout;
  out[3] = product(s.out_n, s.out_h, s.out_w, s.cout);
}

/** Filter gradients are of conv2d calls only: depth taps run forward (inference). */
inline Message check_gradient_shape(const ConvShape& s) {
  return s.kd == 1 ? Message() : Message("filter gradients take one depth tap (KD = 1)");
}

/** Expected element counts of filter_gradient's x, dy, dfilter, dbias. */
inline void filter_gradient_lengths(const ConvShape& s, int64_t (&out)[4]) {
  out[0] = product(s.n, s.h, s.w, s.cin), out[1] = product(s.n, s.out_h, s.out_w, s.cout);
  out[2] = product(s.kh, s.kw, s.cin, s.cout), out[3] = s.cout;
}

/** Element counts of a ConvWorkspace's parts for one call; any negative means the sizes overflow. */
struct WorkspaceSizes {
  int64_t packed, zeros, taps, weights, row, scratch;
  bool overflow() const { return packed < 0 || taps < 0 || row < 0 || scratch < 0; }
};

inline WorkspaceSizes workspace_sizes(const ConvShape& s, KernelGeometry g, bool gradient) {
  const int64_t padded = (s.cout + g.channels - 1) / g.channels * g.channels;
  if (s.winograd != 0 && !gradient) {
    // The transformed filter; per batch of tiles: inputs [points][batch][KD·Cin], products [points][batch][padded], bias [padded].
    const int64_t points = winograd_points(s.winograd);
    const int64_t inputs = product(s.kd, kWinogradBatch * points, s.cin);
    const int64_t products = product(kWinogradBatch * points + 1, padded);
    return WorkspaceSizes{product(padded, s.kd, points, s.cin), s.cin, 0, 0, 0,
                          inputs < 0 || products < 0 ? -1 : inputs + products};
  }
  const int64_t taps = product(s.kd, s.kh, s.kw);
  if (taps < 0) return WorkspaceSizes{-1, 0, -1, 0, -1, 0};
  return WorkspaceSizes{product(padded, taps, s.cin), s.cin, gradient ? 0 : product(taps, g.pixels), gradient ? 0 : taps,
                        gradient ? product(s.out_w, padded) : 0, 0};
}

}  // namespace
}  // namespace pnet
