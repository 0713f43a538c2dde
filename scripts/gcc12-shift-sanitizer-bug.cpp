// Why the sanitizer pass has -fno-sanitize=shift: GCC 12.2 (Debian 12.2.0-14) miscompiles
// a shift whose left operand reads an element of an array parameter inside a function
// template when -fsanitize=shift and -fsanitize=bounds are both on (both are part of
// -fsanitize=undefined). Unoptimized, the instrumented program computes a garbage index,
// reports it and crashes, although i is 0 or 1; optimized, it silently computes 0.
// Product::flat_distance has this loop.
//
//   g++ -O0 -fsanitize=bounds,shift scripts/gcc12-shift-sanitizer-bug.cpp && ./a.out
//     runtime error: index -1464765672 out of bounds for type 'double [2]'  (then SIGSEGV)
//   g++ -O1 -fsanitize=bounds,shift scripts/gcc12-shift-sanitizer-bug.cpp && ./a.out
//     bits = 0   (silently wrong; the same at -O2)
//   g++ -O0 -fsanitize=bounds scripts/gcc12-shift-sanitizer-bug.cpp && ./a.out
//     bits = 2   (right: the same with -fsanitize=shift alone, or without the template)
#include <cstdio>

template <class T>
unsigned sign_bits(const T (&x)[2]) {
  unsigned bits = 0;
  for (int i = 0; i < 2; ++i) bits |= unsigned(x[i] < T(0)) << i;
  return bits;
}

int main() {
  const double x[2] = {0.5, -0.25};
  std::printf("bits = %u\n", sign_bits(x));
}
