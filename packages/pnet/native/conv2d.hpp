// Direct NHWC conv2d (stride 1, explicit pads, per-axis dilation, fused bias + ReLU, float32):
// the shapes, the workspace, and the ISA-specific entry points (AVX2, AVX-512 in the Node addon;
// WebAssembly SIMD128 in wasm/pnet-conv.wasm; one kernel source, conv2d_kernel.inc). Plain C++ with no templates from
// the standard library, because the kernels are compiled with -mavx2/-mavx512f and must not emit
// inline functions that the rest of the addon could link against (an illegal instruction on CPUs
// without those extensions).
#pragma once
#include <cstddef>
#include <cstdint>

namespace pnet {

/**
 * Shapes of one convolution; every size already validated (positive, products within range).
 * With depth taps (kd > 1) the N input images are consecutive depth slices and the filter is
 * [KD, KH, KW, Cin, Cout]: output slice z sums the taps over input slices z + kz·dd ('valid' in
 * depth, so out_n = n − (kd − 1)·dd). A 3×3×3 layer is then one call instead of three conv2d
 * calls whose outputs are added. Filter gradients take kd = 1 only.
 */
struct ConvShape {
  int64_t n, h, w, cin;        // input [N, H, W, Cin]
  int64_t kh, kw, cout;        // filter [KD, KH, KW, Cin, Cout]
  int64_t pad_top, pad_left;   // explicit padding before (after is implied by out_h/out_w)
  int64_t out_h, out_w;        // output [out_n, out_h, out_w, Cout]
  int64_t dh, dw;              // dilation
  bool relu;
  int64_t kd, dd, out_n;       // depth taps, their dilation, output slices
  int64_t winograd;            // forward by Winograd F(m×m, 3×3): the tile side m (2 or 4), or 0 (set by the bindings)
};

// Internal linkage: these are compiled into the AVX-512 and AVX2 objects too, whose out-of-line
// copies must never be the ones the rest of the addon links against.
namespace {

/** Winograd tiles transformed together (a multiple of every kernel's pixels per tile: 4, 6, 8, 12). */
constexpr int64_t kWinogradBatch = 24;
/** Transformed values per tile of side m: (m + 2)². */
constexpr int64_t winograd_points(int64_t m) { return (m + 2) * (m + 2); }

/** Outputs computed along an axis of `length` outputs `d` apart when tiles hold m of them (the rest is discarded). */
inline int64_t winograd_computed(int64_t length, int64_t d, int64_t m) {
  // Residue r < d holds ⌈(length − r)/d⌉ outputs: q + 1 for the first length mod d residues, q for the others.
  const int64_t q = length / d, rem = length % d, residues = d < length ? d : length;
  const auto tiled = [m](int64_t n) { return (n + m - 1) / m * m; };
  return rem * tiled(q + 1) + (residues - rem) * tiled(q);
}

/**
 * How a forward convolution is computed: for 3×3 in-plane filters (any dilation, pads, depth taps,
 * channels) 4 (F(4×4, 3×3): 36 products per 16 outputs), 2 (F(2×2, 3×3): 16 per 4) or 0 (the
 * direct sums: 9 per output), by the products of the outputs each computes and discards (tiles
 * overhang the plane's edges: large dilations on small planes); 0 for other filters. Winograd must
 * save a third of the products to pay for its transforms (measured: 1.3–2.7× per layer when it does).
 */
inline int64_t winograd_tile(const ConvShape& s) {
  if (s.kh != 3 || s.kw != 3) return 0;
  const double direct = 9.0 * static_cast<double>(s.out_h) * static_cast<double>(s.out_w);
  const double f4 = 2.25 * static_cast<double>(winograd_computed(s.out_h, s.dh, 4)) * static_cast<double>(winograd_computed(s.out_w, s.dw, 4));
  const double f2 = 4.0 * static_cast<double>(winograd_computed(s.out_h, s.dh, 2)) * static_cast<double>(winograd_computed(s.out_w, s.dw, 2));
  const int64_t m = f4 * 1.1 < f2 ? 4 : 2;
  return (m == 4 ? f4 : f2) * 1.5 < direct ? m : 0;
}

}  // namespace

/** Output rows of a call: the flattened (output slice, oy) pairs. */
inline int64_t output_rows(const ConvShape& s) { return s.out_n * s.out_h; }
/** Filter taps of a call (KD·KH·KW). */
inline int64_t filter_taps(const ConvShape& s) { return s.kd * s.kh * s.kw; }

/** Caller-owned memory of one call, sized by workspace_floats / workspace_pointers. */
struct ConvWorkspace {
  float* packed;         // filter packed per block of output channels, zero-padded
  float* zeros;          // cin zeros: the input seen outside the image
  const float** taps;    // per tile: kd·kh·kw·pixels input pointers
  const float** weights; // per tile: kd·kh·kw packed-weight pointers
  float* row;            // filter gradient: one row of dy, out_w × (Cout rounded up to blocks)
  float* scratch;        // Winograd: transformed inputs, products and the padded bias of one batch of tiles
};

/** Output channels per register block and output pixels per tile of the kernel an ISA uses for a Cout. */
struct KernelGeometry {
  int64_t channels;
  int64_t pixels;
};

KernelGeometry geometry_avx2(int64_t cout);
KernelGeometry geometry_avx512(int64_t cout);
KernelGeometry geometry_wasm(int64_t cout);
void conv2d_avx2(const ConvShape& s, const float* x, const float* filter, const float* bias, float* out, const ConvWorkspace& ws);
void conv2d_avx512(const ConvShape& s, const float* x, const float* filter, const float* bias, float* out, const ConvWorkspace& ws);
void conv2d_wasm(const ConvShape& s, const float* x, const float* filter, const float* bias, float* out, const ConvWorkspace& ws);
/**
 * Filter (and bias) gradient of the convolution `s`: dfilter [KH, KW, Cin, Cout] = Σ over output
 * positions of the input seen through each tap times dy [N, out_h, out_w, Cout]; dbias [Cout] =
 * Σ dy if not null. Uses ws.packed (the packed-filter size) as the padded accumulator and ws.row.
 */
void filter_gradient_avx2(const ConvShape& s, const float* x, const float* dy, float* dfilter, float* dbias, const ConvWorkspace& ws);
void filter_gradient_avx512(const ConvShape& s, const float* x, const float* dy, float* dfilter, float* dbias, const ConvWorkspace& ws);
void filter_gradient_wasm(const ConvShape& s, const float* x, const float* dy, float* dfilter, float* dbias, const ConvWorkspace& ws);

// Row-range entry points, so several threads can share one call (the WebAssembly threads): output
// rows are the flattened (output slice, oy) pairs (output_rows). conv2d = pack_filter into
// ws.packed, then conv2d_rows over every row. filter_gradient = zero ws.packed (the accumulator) and dbias, filter_gradient_rows
// over every row (adding to both), then copy the accumulator's Cout columns into dfilter.
#define PNET_ROW_KERNELS(isa)                                                                                                      \
  void pack_filter_##isa(const ConvShape& s, const float* filter, float* packed);                                                   \
  void conv2d_rows_##isa(const ConvShape& s, const float* x, const float* bias, float* out, const ConvWorkspace& ws, int64_t r0,     \
                         int64_t r1);                                                                                               \
  void filter_gradient_rows_##isa(const ConvShape& s, const float* x, const float* dy, float* dbias, const ConvWorkspace& ws, int64_t r0, \
                                  int64_t r1);
PNET_ROW_KERNELS(avx2)
PNET_ROW_KERNELS(avx512)
PNET_ROW_KERNELS(wasm)
#undef PNET_ROW_KERNELS

}  // namespace pnet
