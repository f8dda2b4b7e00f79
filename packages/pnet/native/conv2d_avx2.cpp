// The convolution kernels for AVX2 + FMA (8 floats per vector): 6 pixels × 16 channels or
// 12 pixels × 8 channels, 12 accumulators of the 16 ymm registers. Compiled with -mavx2 -mfma;
// called only after a runtime CPU check.
#define PNET_VEC_FLOATS 8
#define PNET_PIXELS_WIDE 6
#define PNET_PIXELS_NARROW 12
#define PNET_GRADIENT_CHANNELS_WIDE 6
#define PNET_GRADIENT_CHANNELS_NARROW 12
#define PNET_SUFFIX avx2
#include "conv2d_kernel.inc"
