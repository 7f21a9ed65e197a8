// Bindings of the fused loss kernels: softmax cross-entropy and CTC.
#include <string>

#include "../args.h"
#include "../kernels/ctc.h"
#include "../kernels/losses.h"
#include "bindings.h"

namespace lattice {
namespace {

ArrayArg floatArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  ArrayArg a = arrayArg(info, i, fn, name);
  if (a.type != ElemType::F32 && a.type != ElemType::F64)
    throwType(info.Env(), std::string(fn) + ": " + name + " must be a Float32Array or Float64Array, got a " + typeName(a.type));
  return a;
}

ArrayArg sameFloatArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, const ArrayArg& like) {
  ArrayArg a = floatArg(info, i, fn, name);
  if (a.type != like.type)
    throwType(info.Env(), std::string(fn) + ": " + name + " is a " + typeName(a.type) + " but x is a " + typeName(like.type));
  return a;
}

struct CrossEntropyInputs {
  ArrayArg x, target, probs, weight;
  bool hasTarget = false, hasProbs = false, hasWeight = false;
  int64_t outer = 0, classes = 0, inner = 0, ignoreIndex = 0;
  double labelSmoothing = 0;
};

// Arguments 0..8: x, outer, classes, inner, target, probs, weight, ignoreIndex, labelSmoothing.
CrossEntropyInputs crossEntropyInputs(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  CrossEntropyInputs in;
  in.x = floatArg(info, 0, fn, "x");
  in.outer = intArg(info, 1, fn, "outer");
  in.classes = intArg(info, 2, fn, "classes");
  in.inner = intArg(info, 3, fn, "inner");
  if (in.outer * in.classes * in.inner > INT32_MAX) throwRange(env, std::string(fn) + ": outer*classes*inner is too large");
  requireLength(env, in.x, in.outer * in.classes * in.inner, fn, "x");
  const int64_t rows = in.outer * in.inner;
  in.hasTarget = !isNullish(info, 4);
  in.hasProbs = !isNullish(info, 5);
  in.hasWeight = !isNullish(info, 6);
  if (in.hasTarget == in.hasProbs) throwType(env, std::string(fn) + ": pass exactly one of target and probs");
  in.ignoreIndex = intArg(info, 7, fn, "ignoreIndex", INT32_MIN, INT32_MAX);
  in.labelSmoothing = numberArg(info, 8, fn, "labelSmoothing");
  if (!(in.labelSmoothing >= 0 && in.labelSmoothing <= 1)) throwRange(env, std::string(fn) + ": labelSmoothing must be in [0, 1]");
  if (in.hasTarget) {
    in.target = arrayArgOf(info, 4, fn, "target", ElemType::I32);
    requireLength(env, in.target, rows, fn, "target");
    const auto* t = static_cast<const int32_t*>(in.target.data);
    for (int64_t r = 0; r < rows; ++r)
      if (t[r] != in.ignoreIndex && (t[r] < 0 || t[r] >= in.classes))
        throwRange(env, std::string(fn) + ": target " + std::to_string(t[r]) + " is out of range for " + std::to_string(in.classes) + " classes");
  }
  if (in.hasProbs) {
    in.probs = sameFloatArg(info, 5, fn, "probs", in.x);
    requireLength(env, in.probs, in.x.length, fn, "probs");
  }
  if (in.hasWeight) {
    in.weight = sameFloatArg(info, 6, fn, "weight", in.x);
    requireLength(env, in.weight, in.classes, fn, "weight");
  }
  return in;
}

template <typename T>
CrossEntropyArgs<T> kernelArgs(const CrossEntropyInputs& in) {
  return CrossEntropyArgs<T>{static_cast<const T*>(in.x.data), in.outer, in.classes, in.inner,
                             in.hasTarget ? static_cast<const int32_t*>(in.target.data) : nullptr,
                             in.hasProbs ? static_cast<const T*>(in.probs.data) : nullptr,
                             in.hasWeight ? static_cast<const T*>(in.weight.data) : nullptr, in.ignoreIndex, in.labelSmoothing};
}

// crossEntropy(x, outer, classes, inner, target, probs, weight, ignoreIndex, labelSmoothing, loss, logSumExp)
void CrossEntropy(const Napi::CallbackInfo& info) {
  const char* fn = "crossEntropy";
  Napi::Env env = info.Env();
  const CrossEntropyInputs in = crossEntropyInputs(info, fn);
  ArrayArg loss = sameFloatArg(info, 9, fn, "loss", in.x), lse = sameFloatArg(info, 10, fn, "logSumExp", in.x);
  requireLength(env, loss, in.outer * in.inner, fn, "loss");
  requireLength(env, lse, in.outer * in.inner, fn, "logSumExp");
  if (in.x.type == ElemType::F32)
    crossEntropyKernel(ctxOf(info), kernelArgs<float>(in), static_cast<float*>(loss.data), static_cast<float*>(lse.data));
  else
    crossEntropyKernel(ctxOf(info), kernelArgs<double>(in), static_cast<double*>(loss.data), static_cast<double*>(lse.data));
}

// crossEntropyBackward(x, outer, classes, inner, target, probs, weight, ignoreIndex, labelSmoothing, logSumExp, gradLoss, gradX)
void CrossEntropyBackward(const Napi::CallbackInfo& info) {
  const char* fn = "crossEntropyBackward";
  Napi::Env env = info.Env();
  const CrossEntropyInputs in = crossEntropyInputs(info, fn);
  ArrayArg lse = sameFloatArg(info, 9, fn, "logSumExp", in.x), gradLoss = sameFloatArg(info, 10, fn, "gradLoss", in.x);
  ArrayArg gradX = sameFloatArg(info, 11, fn, "gradX", in.x);
  requireLength(env, lse, in.outer * in.inner, fn, "logSumExp");
  requireLength(env, gradLoss, in.outer * in.inner, fn, "gradLoss");
  requireLength(env, gradX, in.x.length, fn, "gradX");
  if (in.x.type == ElemType::F32)
    crossEntropyBackwardKernel(ctxOf(info), kernelArgs<float>(in), static_cast<const float*>(lse.data),
                               static_cast<const float*>(gradLoss.data), static_cast<float*>(gradX.data));
  else
    crossEntropyBackwardKernel(ctxOf(info), kernelArgs<double>(in), static_cast<const double*>(lse.data),
                               static_cast<const double*>(gradLoss.data), static_cast<double*>(gradX.data));
}

// ctcLoss(logProbs, maxTime, batch, classes, targets, targetOffsets, targetLengths, inputLengths, blank, zeroInfinity, nll, grad)
void CtcLoss(const Napi::CallbackInfo& info) {
  const char* fn = "ctcLoss";
  Napi::Env env = info.Env();
  ArrayArg lp = floatArg(info, 0, fn, "logProbs");
  CtcArgs a{};
  a.maxTime = intArg(info, 1, fn, "maxTime");
  a.batch = intArg(info, 2, fn, "batch");
  a.classes = intArg(info, 3, fn, "classes", 1);
  if (a.maxTime * a.batch * a.classes > INT32_MAX) throwRange(env, "ctcLoss: maxTime*batch*classes is too large");
  requireLength(env, lp, a.maxTime * a.batch * a.classes, fn, "logProbs");
  ArrayArg targets = arrayArgOf(info, 4, fn, "targets", ElemType::I32);
  ArrayArg offsets = arrayArgOf(info, 5, fn, "targetOffsets", ElemType::I32);
  ArrayArg targetLengths = arrayArgOf(info, 6, fn, "targetLengths", ElemType::I32);
  ArrayArg inputLengths = arrayArgOf(info, 7, fn, "inputLengths", ElemType::I32);
  requireLength(env, offsets, a.batch, fn, "targetOffsets");
  requireLength(env, targetLengths, a.batch, fn, "targetLengths");
  requireLength(env, inputLengths, a.batch, fn, "inputLengths");
  a.blank = intArg(info, 8, fn, "blank", 0, a.classes - 1);
  a.zeroInfinity = boolArg(info, 9, fn, "zeroInfinity");
  ArrayArg nll = sameFloatArg(info, 10, fn, "nll", lp);
  requireLength(env, nll, a.batch, fn, "nll");
  const bool hasGrad = !isNullish(info, 11);
  ArrayArg grad;
  if (hasGrad) {
    grad = sameFloatArg(info, 11, fn, "grad", lp);
    requireLength(env, grad, lp.length, fn, "grad");
  }
  const auto* off = static_cast<const int32_t*>(offsets.data);
  const auto* tl = static_cast<const int32_t*>(targetLengths.data);
  const auto* il = static_cast<const int32_t*>(inputLengths.data);
  const auto* labels = static_cast<const int32_t*>(targets.data);
  for (int64_t n = 0; n < a.batch; ++n) {
    const std::string item = "ctcLoss: batch item " + std::to_string(n);
    if (il[n] < 0 || il[n] > a.maxTime) throwRange(env, item + ": input length " + std::to_string(il[n]) + " is outside [0, " + std::to_string(a.maxTime) + "]");
    if (tl[n] < 0) throwRange(env, item + ": target length " + std::to_string(tl[n]) + " is negative");
    if (off[n] < 0 || static_cast<int64_t>(off[n]) + tl[n] > targets.length)
      throwRange(env, item + ": its labels [" + std::to_string(off[n]) + ", " + std::to_string(static_cast<int64_t>(off[n]) + tl[n]) +
                          ") run past targets' " + std::to_string(targets.length) + " elements");
    const int64_t cells = static_cast<int64_t>(il[n]) * (2 * static_cast<int64_t>(tl[n]) + 1);
    if (hasGrad && cells > kCtcMaxTableCells)
      throwRange(env, item + ": its gradient needs an alpha table of " + std::to_string(il[n]) + " frames x " +
                          std::to_string(2 * static_cast<int64_t>(tl[n]) + 1) + " states = " + std::to_string(cells) +
                          " float64 cells, more than the limit of " + std::to_string(kCtcMaxTableCells) + " (2 GiB)");
    for (int32_t j = 0; j < tl[n]; ++j) {
      const int32_t k = labels[off[n] + j];
      if (k < 0 || k >= a.classes || k == a.blank)
        throwRange(env, item + ": label " + std::to_string(k) + " at position " + std::to_string(j) + " is not a class in [0, " +
                            std::to_string(a.classes) + ") other than the blank " + std::to_string(a.blank));
    }
  }
  a.targets = labels;
  a.targetOffsets = off;
  a.targetLengths = tl;
  a.inputLengths = il;
  if (lp.type == ElemType::F32)
    ctcLossKernel(ctxOf(info), a, static_cast<const float*>(lp.data), static_cast<float*>(nll.data),
                  hasGrad ? static_cast<float*>(grad.data) : nullptr);
  else
    ctcLossKernel(ctxOf(info), a, static_cast<const double*>(lp.data), static_cast<double*>(nll.data),
                  hasGrad ? static_cast<double*>(grad.data) : nullptr);
}

}  // namespace

void registerLossBindings(Napi::Env env, Napi::Object exports) {
  exportBinding(env, exports, "crossEntropy", CrossEntropy);
  exportBinding(env, exports, "crossEntropyBackward", CrossEntropyBackward);
  exportBinding(env, exports, "ctcLoss", CtcLoss);
}

}  // namespace lattice
