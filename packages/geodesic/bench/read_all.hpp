// Reads the raw arrays the TS bench writes for its C++ baselines (shared by the bench programs).
#pragma once
#include <cstdio>
#include <cstdlib>
#include <vector>

template <typename T>
std::vector<T> read_all(const char* path, size_t n) {
  std::vector<T> v(n);
  FILE* f = std::fopen(path, "rb");
  if (!f || std::fread(v.data(), sizeof(T), n, f) != n) {
    std::fprintf(stderr, "cannot read %s\n", path);
    std::exit(1);
  }
  std::fclose(f);
  return v;
}
