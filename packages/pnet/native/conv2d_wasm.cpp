// The convolution kernels for WebAssembly SIMD128 (4 floats per vector, no FMA: a multiply and an
// add): 4 pixels × 8 channels or 8 pixels × 4 channels, 8 accumulators. Measured in V8 on x86-64
// (bench/conv-kernels-bench.mjs): 4 pixels ran a 3×3 16→16 layer 1.2× faster than 6 (12
// accumulators, which with the weights and a broadcast fill all 16 xmm registers), and 8 pixels
// of a 16→2 layer 1.13× faster than 12. Compiled with -msimd128 by scripts/build-wasm.sh.
#define PNET_VEC_FLOATS 4
#define PNET_PIXELS_WIDE 4
#define PNET_PIXELS_NARROW 8
#define PNET_GRADIENT_CHANNELS_WIDE 6
#define PNET_GRADIENT_CHANNELS_NARROW 12
#define PNET_SUFFIX wasm
#include "conv2d_kernel.inc"
