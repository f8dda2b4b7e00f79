#!/bin/sh
# Builds and runs the C++ core's unit tests under AddressSanitizer + UBSan (needs g++), with the
# test-only fault injection compiled in (GEODESIC_FAULT_INJECTION: forced thread failures).
set -eu
cd "$(dirname "$0")/.."
out="${TMPDIR:-/tmp}/deepigeos-geodesic-core-test-$$"
g++ -std=c++17 -O1 -g -pthread -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  -ffp-contract=off -fno-trapping-math -Wall -Wextra -Werror -DGEODESIC_FAULT_INJECTION \
  -o "$out" native/test/core_test.cpp native/core/geodesic.cpp native/core/raster.cpp native/core/exact.cpp native/core/buckets.cpp native/core/sweep.cpp native/core/threads.cpp
trap 'rm -f "$out"' EXIT
"$out"
