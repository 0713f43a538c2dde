// product (docs/model.md): g(x) = x_1 x_2 ... x_n - 1.
// Paper Example 1.1 (n = 2) and Examples 4.6 / 4.7.
#pragma once

#include "composite.hpp"

namespace ngdsim {

template <class T, int N>
struct Product {
  static_assert(N >= 2 && N <= kMaxDim, "product needs 2 <= n <= kMaxDim");
  static constexpr int kDim = N;
  // Flat minima: sign patterns with an even number of negative entries.
  static constexpr int kAttractors = 1 << (N - 1);

  int q = 2;

  // Gradient by prefix/suffix products: no division, exact at coordinates equal to 0.
  template <class V>
  NGDSIM_HD V g_grad(const V (&x)[N], V (&grad)[N]) const {
    V prefix = V(1);
    for (int i = 0; i < N; ++i) {
      grad[i] = prefix;
      prefix *= x[i];
    }
    V suffix = V(1);
    for (int i = N - 1; i >= 0; --i) {
      grad[i] *= suffix;
      suffix *= x[i];
    }
    return prefix - V(1);
  }

  // sum_{i<j} (x_i^2 - x_j^2)^2: conserved by the gradient flow, zero on the balanced set.
  NGDSIM_HD T phi(const T (&x)[N]) const {
    T s = T(0);
    // Rectangular loops with a compile-time test unroll completely (a triangular
    // nest does not), which lets the loop over trajectories vectorize.
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j)
        if (i < j) {
          const T d = x[i] * x[i] - x[j] * x[j];
          s += d * d;
        }
    return s;
  }

  // Nearest flat minimum: the sign pattern of x, with the smallest |x_i| flipped
  // when the pattern has an odd number of negatives. The attractor id is the rank of
  // the pattern among even patterns in increasing bit order, which is bits >> 1.
  NGDSIM_HD T flat_distance(const T (&x)[N], int& attractor) const {
    unsigned bits = 0, smallest_bit = 1u;
    T smallest = magnitude_(x[0]);
    for (int i = 0; i < N; ++i) {
      bits |= unsigned(x[i] < T(0)) << i;
      const bool less = magnitude_(x[i]) < smallest;
      smallest = less ? magnitude_(x[i]) : smallest;
      smallest_bit = less ? 1u << i : smallest_bit;
    }
    bits ^= parity8_(bits) ? smallest_bit : 0u;
    T s = T(0);
    for (int i = 0; i < N; ++i) {
      const T d = x[i] - ((bits >> i) & 1u ? T(-1) : T(1));
      s += d * d;
    }
    attractor = static_cast<int>(bits >> 1);
    return sqrt(s);
  }

  void attractor_position(int id, double* out) const {
    // Rebuild the even-parity pattern whose rank is id: bit 0 restores the parity.
    unsigned bits = static_cast<unsigned>(id) << 1;
    bits |= parity8_(bits);
    for (int i = 0; i < N; ++i) out[i] = (bits >> i) & 1u ? -1.0 : 1.0;
  }
};

}  // namespace ngdsim
