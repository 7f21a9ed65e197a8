// Shared by the host-simulation checks of the CUDA kernels (scripts/cuda-host-sim.sh): random data, the
// comparison that prints one line per output, and each kernel family's check (check_*.cc).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "api.h"
using namespace lattice::cuda;
using V = std::vector<float>;

extern std::mt19937 rng;
extern int fails;
// n normal values times scale plus shift.
V randv(size_t n, float scale = 1, float shift = 0);
// Prints the worst mixed error |a - ref| / max(1, |ref|) of a float32 result against a double reference and
// counts a failure at tol or above (NaN and infinities must match exactly).
void cmp(const char* what, const V& a, const std::vector<double>& ref, double tol = 2e-5);
void cmpd(const char* what, const std::vector<double>& a, const std::vector<double>& ref, double tol = 2e-5);
// Prints what and ok / FAIL, counting a failure.
void expectTrue(const char* what, bool ok);

void checkLosses();       // check_losses.cc: crossEntropy forward and backward
void checkOptim();        // check_optim.cc: SGD, Adam/AdamW, RMSprop steps
void checkPhilox();       // check_philox.cc: the uniform streams against the CPU's, bit for bit
void checkElementwise();  // check_elementwise.cc: unary, broadcasting binary, where, strided copy, cast
void checkReduce();       // check_reduce.cc: reductions, arg-reductions, softmax, gather/scatter/index ops
void checkPool();         // check_pool.cc: max/avg/adaptive pooling forward and backward
void checkConv();         // check_conv.cc: conv2d forward and both backwards
