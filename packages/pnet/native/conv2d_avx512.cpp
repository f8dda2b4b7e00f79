// The convolution kernels for AVX-512F (16 floats per vector): 12 pixels × 32 channels (24
// accumulators of the 32 zmm registers) or 12 pixels × 16 channels. Compiled with -mavx512f;
// called only after a runtime CPU check.
#define PNET_VEC_FLOATS 16
#define PNET_PIXELS_WIDE 12
#define PNET_PIXELS_NARROW 12
#define PNET_GRADIENT_CHANNELS_WIDE 12
#define PNET_GRADIENT_CHANNELS_NARROW 12
#define PNET_SUFFIX avx512
#include "conv2d_kernel.inc"
