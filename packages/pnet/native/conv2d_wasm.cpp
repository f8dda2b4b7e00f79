// The convolution kernels for WebAssembly SIMD128 (4 floats per vector, no FMA: a multiply and an
// add): 6 pixels × 8 channels or 12 pixels × 4 channels, 12 accumulators, which V8 keeps in the
// 16 xmm registers of x86-64. Compiled with -msimd128 by scripts/build-wasm.sh.
#define PNET_VEC_FLOATS 4
#define PNET_PIXELS_WIDE 6
#define PNET_PIXELS_NARROW 12
#define PNET_GRADIENT_CHANNELS_WIDE 6
#define PNET_GRADIENT_CHANNELS_NARROW 12
#define PNET_SUFFIX wasm
#include "conv2d_kernel.inc"
