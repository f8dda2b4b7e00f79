// The convolution kernel for AVX-512F (16 floats per vector; 12 pixels × 32 channels = 24
// accumulators of the 32 zmm registers). Compiled with -mavx512f -mfma; called only after a
// runtime CPU check.
#define PNET_VEC_FLOATS 16
#define PNET_PIXELS 12
#define PNET_SUFFIX avx512
#include "conv2d_kernel.inc"
