/**
 * The parity cases of the CUDA backend: each runs one op family through the public API on
 * a device ('cpu' or 'cuda') from the same inputs (made on the host from a fixed seed, then
 * moved), and returns host copies of its results, gradients included. parity.test.ts runs
 * each on both devices and compares with the family's float32 tolerance; device.test.ts
 * runs them against the host emulation as well, so the cases themselves are exercised on
 * every machine.
 */
import {
  type Device, type Tensor, abs, adaptiveAvgPool2d, adaptiveMaxPool2d, add, amax, argmax, argmin, avgPool2d, cat, ceil, clamp, clone, conv2d, cos, crossEntropy, div, elu, eq, erf, exp,
  expand, expm1, floor, gather, gradcheck, ge, gelu, gt, indexAdd, indexSelect, le, leakyRelu, log, log1p, logSoftmax, logicalAnd,
  logicalNot, logicalOr, logsumexp, lt, manualSeed, matmul, max, maxPool2d, maximum, mean, min, minimum, mul, narrow, ne, neg, nn,
  norm, optim, permute, pow, prod, rand, randn, randint, reciprocal, relu, round, rsqrt, scatterAdd, sigmoid,
  sign, silu, sin, softmax, softplus, sqrt, square, std, sub, sum, tanh, tensor, tidy, transpose, variance, where,
  ctcLoss, setFloat32MatmulPrecision, getFloat32MatmulPrecision,
} from '../../src/index';
import { batchNormRelu, layerNormRelu } from '../../src/ops/norm';

export type Family = 'elementwise' | 'reduction' | 'softmax' | 'crossEntropy' | 'gemm' | 'gemmTf32' | 'conv' | 'pool' | 'copy' | 'indexing'
  | 'optimizer' | 'philox' | 'norm' | 'ctc' | 'training';

export interface ParityCase {
  family: Family;
  name: string;
  /** Largest allowed |cpu - device| / max(1, |cpu|) over all elements. */
  tol: number;
  run(device: Device): Float64Array[];
}

/**
 * The tolerance per family (float32). Copies, indexing and Philox must agree bit for bit;
 * optimizer steps inherit the GEMM's (their gradients come from matmul); the training
 * curves are looser because differences compound over the steps. The norms' gradients subtract
 * group means (cancellation), hence 1e-4; CTC runs in float64 on both devices. A TF32 GEMM
 * (setFloat32MatmulPrecision('high')) rounds each input to 10 mantissa bits, so against the
 * CPU's exact float32 a sum of K products of normals with standard deviation 1/4 is off by about
 * 2^-11 sqrt(K) / 16 absolutely: a numpy model of that rounding (round to nearest, 10 bits) puts
 * the worst mixed error of the TF32 cases, gradients (inner size up to 257) included, at 1.3e-3
 * over 20 seeds (1.9e-3 with truncation, as tensor cores fed raw FP32 bits do, e.g. inside cuBLAS);
 * the family allows 5e-3. A wrong tile or fragment gives errors near |C| ~ 0.5.
 */
export const TOLERANCE: Record<Family, number> = {
  elementwise: 1e-5, reduction: 1e-5, softmax: 1e-5, crossEntropy: 1e-5, gemm: 1e-4, gemmTf32: 5e-3, conv: 1e-4, pool: 1e-5, copy: 0,
  indexing: 0, optimizer: 1e-4, philox: 0, norm: 1e-4, ctc: 1e-5, training: 1e-3,
};

const host = (t: Tensor): Float64Array => Float64Array.from(t.data() as ArrayLike<number>);

/** Inputs from the host's generator, moved to the device. */
function input(device: Device, shape: number[], seed: number,
  opts: { positive?: boolean; dtype?: 'float32' | 'float64'; grad?: boolean; scale?: number } = {}): Tensor {
  manualSeed(seed);
  let t = randn(shape, { dtype: opts.dtype ?? 'float32' });
  if (opts.positive) t = add(abs(t), 0.1);
  if (opts.scale !== undefined) t = mul(t, opts.scale);
  const d = t.to(device);
  if (opts.grad) d.requiresGrad_();
  return d;
}

/** f on a device tensor x; results: f(x), and dx of sum(f(x) * w) when grad. */
function unaryCase(name: string, f: (x: Tensor) => Tensor, opts: { positive?: boolean; grad?: boolean } = {}): ParityCase {
  return {
    family: 'elementwise', name, tol: TOLERANCE.elementwise,
    run: (device) => tidy(() => {
      const x = input(device, [7, 33], 1, { positive: opts.positive, grad: opts.grad });
      const y = f(x);
      if (!opts.grad) return [host(y)];
      sum(mul(y, input(device, [7, 33], 2))).backward();
      return [host(y), host(x.grad!)];
    }),
  };
}

function binaryCase(name: string, f: (a: Tensor, b: Tensor) => Tensor, grad = true): ParityCase {
  return {
    family: 'elementwise', name, tol: TOLERANCE.elementwise,
    run: (device) => tidy(() => {
      // [3,1,5] with [4,5]: broadcasting on both sides (the strided kernel), then same shapes (the flat one).
      const a = input(device, [3, 1, 5], 3, { positive: name === 'pow', grad });
      const b = input(device, [4, 5], 4, { grad });
      const y = f(a, b);
      const flat = f(input(device, [4, 5], 5, { positive: name === 'pow' }), b);
      if (!grad) return [host(y), host(flat)];
      sum(y).backward();
      return [host(y), host(flat), host(a.grad!), host(b.grad!)];
    }),
  };
}

function reductionCase(name: string, f: (x: Tensor) => Tensor, grad = true): ParityCase {
  return {
    family: 'reduction', name, tol: TOLERANCE.reduction,
    run: (device) => tidy(() => {
      const x = input(device, [6, 70, 5], 6, { grad });
      const y = f(x);
      if (!grad) return [host(y)];
      sum(mul(y, y)).backward();
      return [host(y), host(x.grad!)];
    }),
  };
}

function intTensor(device: Device, values: number[], shape: number[]): Tensor {
  return tensor(values, { dtype: 'int32' }).reshape(shape).to(device);
}

export const CASES: ParityCase[] = [
  unaryCase('neg', neg, { grad: true }), unaryCase('abs', abs, { grad: true }), unaryCase('sign', sign),
  unaryCase('exp', exp, { grad: true }), unaryCase('expm1', expm1, { grad: true }), unaryCase('log', log, { positive: true, grad: true }),
  unaryCase('log1p', log1p, { positive: true, grad: true }), unaryCase('sqrt', sqrt, { positive: true, grad: true }),
  unaryCase('rsqrt', rsqrt, { positive: true, grad: true }), unaryCase('square', square, { grad: true }),
  unaryCase('reciprocal', reciprocal, { positive: true, grad: true }), unaryCase('sin', sin, { grad: true }), unaryCase('cos', cos, { grad: true }),
  unaryCase('tanh', tanh, { grad: true }), unaryCase('sigmoid', sigmoid, { grad: true }), unaryCase('relu', relu, { grad: true }),
  unaryCase('leakyRelu', (x) => leakyRelu(x, 0.1), { grad: true }), unaryCase('elu', (x) => elu(x, 0.7), { grad: true }),
  unaryCase('gelu', gelu, { grad: true }), unaryCase('geluTanh', (x) => gelu(x, { approximate: 'tanh' }), { grad: true }),
  unaryCase('silu', silu, { grad: true }), unaryCase('softplus', (x) => softplus(x, { beta: 2, threshold: 3 }), { grad: true }),
  unaryCase('clamp', (x) => clamp(x, { min: -0.5, max: 0.7 }), { grad: true }), unaryCase('floor', floor), unaryCase('ceil', ceil),
  unaryCase('round', (x) => round(mul(x, 4))), unaryCase('erf', erf, { grad: true }), unaryCase('logicalNot', (x) => logicalNot(gt(x, 0))),
  binaryCase('add', add), binaryCase('sub', sub), binaryCase('mul', mul), binaryCase('div', div), binaryCase('pow', pow),
  binaryCase('maximum', maximum), binaryCase('minimum', minimum), binaryCase('eq', (a, b) => eq(round(a), round(b)), false),
  binaryCase('ne', (a, b) => ne(round(a), round(b)), false), binaryCase('lt', lt, false), binaryCase('le', le, false),
  binaryCase('gt', gt, false), binaryCase('ge', ge, false),
  binaryCase('logicalAnd', (a, b) => logicalAnd(gt(a, 0), gt(b, 0)), false), binaryCase('logicalOr', (a, b) => logicalOr(gt(a, 0), gt(b, 0)), false),
  binaryCase('where', (a, b) => where(gt(a, b), a, b)), binaryCase('scalar operands', (a, b) => add(mul(a, 3), sub(2, b))),
  {
    family: 'elementwise', name: 'int32 arithmetic (wraps)', tol: 0,
    run: (device) => tidy(() => {
      const a = intTensor(device, [2147483647, -5, 7, 40000], [4]), b = intTensor(device, [1, 3, -2, 70000], [4]);
      return [host(add(a, b)), host(mul(a, b)), host(sub(a, b)), host(maximum(a, b)), host(neg(a)), host(abs(b))];
    }),
  },
  reductionCase('sum all', (x) => sum(x)), reductionCase('sum dim 1', (x) => sum(x, 1)), reductionCase('sum dims 0,2', (x) => sum(x, [0, 2])),
  reductionCase('mean dim 2', (x) => mean(x, 2, { keepdim: true })), reductionCase('prod dim 2', (x) => prod(x, 2)),
  reductionCase('logsumexp dim 1', (x) => logsumexp(x, 1)), reductionCase('amax dim 1', (x) => amax(x, 1)),
  reductionCase('max all', (x) => max(x)), reductionCase('min all', (x) => min(x)),
  reductionCase('max dim 1 (values)', (x) => max(x, 1).values), reductionCase('argmax dim 1', (x) => argmax(x, 1), false),
  reductionCase('argmin dim 0', (x) => argmin(x, 0), false), reductionCase('variance dim 1', (x) => variance(x, 1)),
  reductionCase('std all', (x) => std(x)), reductionCase('norm dim 2', (x) => norm(x, 2, 2)),
  {
    family: 'reduction', name: 'sum of 1e6 elements (one long row)', tol: TOLERANCE.reduction,
    run: (device) => tidy(() => [host(sum(input(device, [1000000], 7))), host(mean(input(device, [1000, 1000], 8), 0))]),
  },
  ...[0, 1, -1].flatMap((dim): ParityCase[] => [false, true].map((isLog) => ({
    family: 'softmax' as const, name: `${isLog ? 'logSoftmax' : 'softmax'} dim ${dim}`, tol: TOLERANCE.softmax,
    run: (device: Device) => tidy(() => {
      const x = input(device, [9, 300, 3], 9, { grad: true });
      const y = isLog ? logSoftmax(x, dim) : softmax(x, dim);
      sum(mul(y, input(device, [9, 300, 3], 10))).backward();
      return [host(y), host(x.grad!)];
    }),
  }))),
  ...([
    ['class indices, mean', {}],
    ['weights, label smoothing 0.1, ignoreIndex', { weight: true, labelSmoothing: 0.1, ignoreIndex: 2 }],
    ['sum', { reduction: 'sum' }],
    ['none', { reduction: 'none' }],
    ['probability targets', { probs: true, labelSmoothing: 0.05 }],
  ] as const).map(([name, o]): ParityCase => ({
    family: 'crossEntropy', name, tol: TOLERANCE.crossEntropy,
    run: (device) => tidy(() => {
      const x = input(device, [64, 10, 3], 11, { grad: true });
      manualSeed(12);
      const target = 'probs' in o ? softmax(input(device, [64, 10, 3], 13), 1) : randint(0, 10, [64, 3]).to(device);
      const weight = 'weight' in o ? add(abs(input(device, [10], 14)), 0.5) : undefined;
      const reduction = 'reduction' in o ? o.reduction : 'mean';
      const loss = crossEntropy(x, target, {
        weight, reduction, labelSmoothing: 'labelSmoothing' in o ? o.labelSmoothing : 0, ignoreIndex: 'ignoreIndex' in o ? o.ignoreIndex : -100,
      });
      sum(loss).backward();
      return [host(loss), host(x.grad!)];
    }),
  })),
  ...([[1, 1, 1], [17, 33, 9], [64, 64, 64], [128, 300, 96], [257, 129, 65]] as const).map(([M, K, N]): ParityCase => ({
    family: 'gemm', name: `matmul ${M}x${K} @ ${K}x${N} with both gradients`, tol: TOLERANCE.gemm,
    run: (device) => tidy(() => {
      const a = input(device, [M, K], 15, { grad: true }), b = input(device, [K, N], 16, { grad: true });
      const y = matmul(a, b);
      sum(mul(y, input(device, [M, N], 17))).backward();  // dA = G B^T, dB = A^T G: both transposed paths
      return [host(y), host(a.grad!), host(b.grad!)];
    }),
  })),
  {
    family: 'gemm', name: 'batched, broadcast matmul [5,1,20,30] @ [4,30,10]', tol: TOLERANCE.gemm,
    run: (device) => tidy(() => [host(matmul(input(device, [5, 1, 20, 30], 18), input(device, [4, 30, 10], 19)))]),
  },
  {
    family: 'gemm', name: 'float64 matmul 100x200 @ 200x50', tol: 1e-12,
    run: (device) => tidy(() => [host(matmul(input(device, [100, 200], 20, { dtype: 'float64' }), input(device, [200, 50], 21, { dtype: 'float64' })))]),
  },
  ...([
    ['3x3 padding 1', [4, 6, 12, 11], [8, 6, 3, 3], { padding: 1 }],
    ['5x3 stride 2, dilation 2, no bias', [3, 4, 17, 15], [5, 4, 5, 3], { stride: 2, dilation: 2, bias: false }],
    ['grouped (2 groups), stride 2', [2, 8, 9, 9], [6, 4, 3, 3], { stride: 2, groups: 2 }],
    ['depthwise 3x3', [2, 6, 10, 10], [6, 1, 3, 3], { padding: 1, groups: 6 }],
    ['1x1 on 64 channels', [8, 64, 8, 8], [32, 64, 1, 1], {}],
  ] as const).map(([name, xs, ws, o]): ParityCase => ({
    family: 'conv', name: `conv2d ${name}, with gradients of x, weight and bias`, tol: TOLERANCE.conv,
    run: (device) => tidy(() => {
      const x = input(device, [...xs], 31, { grad: true }), w = input(device, [...ws], 32, { grad: true });
      const b = 'bias' in o ? undefined : input(device, [ws[0]], 33, { grad: true });
      const y = conv2d(x, w, b, { stride: 'stride' in o ? o.stride : 1, padding: 'padding' in o ? o.padding : 0,
        dilation: 'dilation' in o ? o.dilation : 1, groups: 'groups' in o ? o.groups : 1 });
      sum(mul(y, input(device, y.shape, 34))).backward();
      return [y, x.grad!, w.grad!, ...(b ? [b.grad!] : [])].map(host);
    }),
  })),
  ...([
    ['maxPool2d 2x2', (x: Tensor) => maxPool2d(x, 2)],
    ['maxPool2d 3x3 stride 2 padding 1', (x: Tensor) => maxPool2d(x, 3, { stride: 2, padding: 1 })],
    ['avgPool2d 3x3 stride 2 padding 1', (x: Tensor) => avgPool2d(x, 3, { stride: 2, padding: 1 })],
    ['avgPool2d 2x2 countIncludePad false, ceilMode', (x: Tensor) => avgPool2d(x, 2, { padding: 1, countIncludePad: false, ceilMode: true })],
    ['adaptiveAvgPool2d to 5x3 (overlapping windows)', (x: Tensor) => adaptiveAvgPool2d(x, [5, 3])],
    ['adaptiveAvgPool2d to 1x1', (x: Tensor) => adaptiveAvgPool2d(x, 1)],
    ['adaptiveMaxPool2d to 5x3 (overlapping windows)', (x: Tensor) => adaptiveMaxPool2d(x, [5, 3])],
  ] as const).map(([name, f]): ParityCase => ({
    family: 'pool', name: `${name}, with the gradient`, tol: TOLERANCE.pool,
    run: (device) => tidy(() => {
      const x = input(device, [3, 5, 13, 12], 35, { grad: true });
      const y = f(x);
      sum(mul(y, input(device, y.shape, 36))).backward();
      return [host(y), host(x.grad!)];
    }),
  })),
  {
    family: 'pool', name: 'adaptiveMaxPool2d with returnIndices', tol: 0,
    run: (device) => tidy(() => {
      const [y, at] = adaptiveMaxPool2d(input(device, [2, 3, 7, 5], 37), [3, 2], { returnIndices: true });
      return [host(y), host(at)];
    }),
  },
  {
    family: 'copy', name: 'permute, transpose, expand, narrow, cat, clone, casts', tol: 0,
    run: (device) => tidy(() => {
      const x = input(device, [3, 4, 5], 22);
      return [permute(x, [2, 0, 1]), transpose(x, 0, 2), expand(input(device, [1, 5], 23), [4, 5]), narrow(x, 1, 1, 2),
        cat([x, x], 1), clone(x), x.to('float64'), mul(x, 3).to('int32'), gt(x, 0).to('float32')].map(host);
    }),
  },
  {
    family: 'indexing', name: 'gather, scatterAdd, indexSelect, indexAdd', tol: 0,
    run: (device) => tidy(() => {
      const x = input(device, [4, 6], 24);
      const idx = intTensor(device, [0, 5, 5, 2, 1, 1, 3, 0], [4, 2]);
      const rows = intTensor(device, [3, 0, 3], [3]);
      const src = input(device, [3, 6], 25);
      // Duplicate indices accumulate: the sums of two terms are exact in either order.
      return [gather(x, 1, idx), scatterAdd(x, 1, idx, input(device, [4, 2], 26)), indexSelect(x, 0, rows), indexAdd(x, 0, rows, src)].map(host);
    }),
  },
  ...(['Adam', 'AdamW', 'SGD', 'RMSprop'] as const).map((kind): ParityCase => ({
    family: 'optimizer', name: `${kind}: 5 steps on a linear layer`, tol: TOLERANCE.optimizer,
    run: (device) => {
      manualSeed(27);
      const layer = new nn.Linear(20, 7).to(device);
      const opt = kind === 'RMSprop' ? new optim.RMSprop(layer.parameters(), { lr: 0.01, momentum: 0.5, centered: true, weightDecay: 1e-3 })
        : kind === 'SGD' ? new optim.SGD(layer.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-3 })
        : kind === 'AdamW' ? new optim.AdamW(layer.parameters(), { lr: 0.01, weightDecay: 0.1 })
          : new optim.Adam(layer.parameters(), { lr: 0.01, amsgrad: true });
      for (let s = 0; s < 5; s++) {
        tidy(() => {
          opt.zeroGrad();
          sum(square(layer.forward(input(device, [8, 20], 28 + s)))).backward();
          opt.step();
        });
      }
      return layer.parameters().map(host);
    },
  })),
  {
    family: 'philox', name: 'rand float32 and float64 from one seed', tol: 0,
    run: (device) => {
      manualSeed(29);
      const a = rand([1001], { device });
      const b = rand([37, 3], { dtype: 'float64', device });
      const c = rand([5], { device });  // the stream advanced by exactly what the earlier draws used
      return [a, b, c].map(host);
    },
  },
  {
    family: 'philox', name: 'dropout and dropout2d masks', tol: 0,
    run: (device) => tidy(() => {
      const x = input(device, [4, 3, 5, 5], 38);
      manualSeed(39);
      return [nn.functional.dropout(x, 0.3), nn.functional.dropout2d(x, 0.5)].map(host);
    }),
  },
  ...normCases(),
  ...ctcCases(),
  ...tf32Cases(),
  {
    family: 'training', name: 'MLP, crossEntropy, Adam: 30 steps of loss', tol: TOLERANCE.training,
    run: (device) => trainingCurve(device, 30),
  },
  {
    family: 'training', name: 'W3-like CNN (conv, relu, maxpool, linear), Adam: 5 steps of loss', tol: TOLERANCE.training,
    run: (device) => cnnCurve(device, 5),
  },
  {
    family: 'training', name: 'CNN with BatchNorm2d+ReLU, GroupNorm and LayerNorm, Adam: 5 steps of loss, then eval', tol: TOLERANCE.training,
    run: (device) => normCnnCurve(device, 5),
  },
];

/** A norm op on x (and its affine parameters); results: y, and dx, dweight, dbias of sum(y * r). */
function normCase(name: string, xShape: number[], paramShape: number[] | null, f: (x: Tensor, w: Tensor | null, b: Tensor | null) => Tensor,
  opts: { shift?: number } = {}): ParityCase {
  return {
    family: 'norm', name, tol: TOLERANCE.norm,
    run: (device) => tidy(() => {
      let x = input(device, xShape, 40, { grad: !opts.shift });
      if (opts.shift) x = add(x, opts.shift).detach().requiresGrad_();
      const w = paramShape ? input(device, paramShape, 41, { grad: true }) : null;
      const b = paramShape ? input(device, paramShape, 42, { grad: true }) : null;
      const y = f(x, w, b);
      sum(mul(y, input(device, xShape, 43))).backward();
      return [y, x.grad!, ...(w ? [w.grad!, b!.grad!] : [])].map(host);
    }),
  };
}

/** BatchNorm in training with running statistics: y, the gradients, and the updated running mean and variance. */
function batchNormTrainCase(name: string, xShape: number[], relu: boolean): ParityCase {
  const C = xShape[1];
  return {
    family: 'norm', name, tol: TOLERANCE.norm,
    run: (device) => tidy(() => {
      const x = input(device, xShape, 44, { grad: true });
      const w = input(device, [C], 45, { grad: true }), b = input(device, [C], 46, { grad: true });
      const rm = input(device, [C], 47), rv = add(abs(input(device, [C], 48)), 0.5);
      const y = (relu ? batchNormRelu : nn.functional.batchNorm)(x, rm, rv, w, b, { training: true, momentum: 0.3 });
      sum(mul(y, input(device, xShape, 49))).backward();
      return [y, x.grad!, w.grad!, b.grad!, rm, rv].map(host);
    }),
  };
}

function normCases(): ParityCase[] {
  const F = nn.functional;
  const stats = (device: Device, C: number): [Tensor, Tensor] => [input(device, [C], 50), add(abs(input(device, [C], 51)), 0.5)];
  return [
    normCase('layerNorm [8,33,70] over [70], affine', [8, 33, 70], [70], (x, w, b) => F.layerNorm(x, [70], w, b)),
    normCase('layerNorm [3,5,4,6] over [4,6], affine', [3, 5, 4, 6], [4, 6], (x, w, b) => F.layerNorm(x, [4, 6], w, b)),
    normCase('layerNorm [3,5000] (long rows), no affine', [3, 5000], null, (x) => F.layerNorm(x, 5000)),
    normCase('layerNorm [6,50] around 100 (two-pass statistics)', [6, 50], [50], (x, w, b) => F.layerNorm(x, 50, w, b), { shift: 100 }),
    normCase('layerNormRelu [16,40]', [16, 40], [40], (x, w, b) => layerNormRelu(x, [40], w, b)),
    batchNormTrainCase('batchNorm training [16,6,7,9] with running statistics', [16, 6, 7, 9], false),
    batchNormTrainCase('batchNormRelu training [8,5,11]', [8, 5, 11], true),
    batchNormTrainCase('batchNorm training [32,7] (BatchNorm1d)', [32, 7], false),
    normCase('batchNorm eval [4,6,5,5]', [4, 6, 5, 5], [6], (x, w, b) => { const [m, v] = stats(x.device, 6); return F.batchNorm(x, m, v, w, b); }),
    normCase('batchNormRelu eval [4,6,5,5]', [4, 6, 5, 5], [6], (x, w, b) => { const [m, v] = stats(x.device, 6); return batchNormRelu(x, m, v, w, b); }),
    normCase('batchNorm training without running statistics [5,3,40]', [5, 3, 40], null, (x) => F.batchNorm(x, null, null, null, null, { training: true })),
    normCase('groupNorm [4,12,5,5], 3 groups, affine', [4, 12, 5, 5], [12], (x, w, b) => F.groupNorm(x, 3, w, b)),
    normCase('groupNorm [2,8,33], 8 groups (instance norm), no affine', [2, 8, 33], null, (x) => F.groupNorm(x, 8)),
    normCase('groupNorm [3,6], 1 group', [3, 6], [6], (x, w, b) => F.groupNorm(x, 1, w, b)),
  ];
}

/** CTC on log-probabilities from logits that require grad: the loss and the logits' gradient. */
function ctcCase(name: string, T: number, N: number, C: number, targets: number[], targetShape: number[], inLens: number[], tgtLens: number[],
  opts: Parameters<typeof ctcLoss>[4] = {}): ParityCase {
  return {
    family: 'ctc', name, tol: TOLERANCE.ctc,
    run: (device) => tidy(() => {
      const logits = input(device, N === 0 ? [T, C] : [T, N, C], 52, { grad: true });
      const loss = ctcLoss(logSoftmax(logits, -1), intTensor(device, targets, targetShape), inLens, tgtLens, opts);
      sum(mul(loss, loss.ndim ? input(device, loss.shape, 53) : 1)).backward();
      return [host(loss), host(logits.grad!)];
    }),
  };
}

function ctcCases(): ParityCase[] {
  // 40 frames, 4 items of 5..12 labels with repeats (the skip rule) over 20 classes.
  const long = Array.from({ length: 4 * 12 }, (_, i) => 1 + ((i * 7 + (i % 3)) % 19));
  return [
    ctcCase('padded targets [4,12], mean', 40, 4, 20, long, [4, 12], [40, 35, 40, 28], [12, 5, 9, 12]),
    ctcCase('concatenated targets, an empty target, blank 2, none', 6, 3, 4, [0, 3, 1, 0, 1], [5], [6, 4, 5], [2, 0, 3], { blank: 2, reduction: 'none' }),
    ctcCase('repeated labels (1,1,1) need blanks between, sum', 12, 2, 5, [1, 1, 1, 2, 3, 2], [2, 3], [12, 7], [3, 3], { reduction: 'sum' }),
    ctcCase('impossible alignment with zeroInfinity', 5, 2, 5, [1, 2, 3, 4, 1, 2, 1, 2], [2, 4], [3, 5], [4, 4], { zeroInfinity: true, reduction: 'none' }),
    ctcCase('unbatched [T,C], sum', 9, 0, 6, [5, 1, 5], [3], [9], [3], { reduction: 'sum' }),
  ];
}

/** float32 GEMM with TF32 allowed (setFloat32MatmulPrecision('high')) against the CPU's exact float32. */
function tf32Cases(): ParityCase[] {
  return ([[64, 64, 64], [100, 64, 37], [257, 48, 129]] as const).map(([M, K, N]): ParityCase => ({
    family: 'gemmTf32', name: `TF32 matmul ${M}x${K} @ ${K}x${N} with both gradients`, tol: TOLERANCE.gemmTf32,
    run: (device) => {
      const before = getFloat32MatmulPrecision();
      setFloat32MatmulPrecision('high');
      try {
        return tidy(() => {
          const a = input(device, [M, K], 54, { grad: true, scale: 0.25 }), b = input(device, [K, N], 55, { grad: true, scale: 0.25 });
          const y = matmul(a, b);
          sum(mul(y, input(device, [M, N], 56, { scale: 0.25 }))).backward();
          return [host(y), host(a.grad!), host(b.grad!)];
        });
      } finally {
        setFloat32MatmulPrecision(before);
      }
    },
  }));
}

/**
 * A small CNN whose norms run on the device (BatchNorm2d then ReLU fused, GroupNorm, LayerNorm): losses,
 * then eval outputs and the running statistics. The convolutions have no bias: before a norm its
 * gradient is zero up to rounding, and Adam would turn that noise into steps of lr in either direction.
 */
export function normCnnCurve(device: Device, steps: number): Float64Array[] {
  manualSeed(57);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { bias: false }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.Conv2d(8, 8, 3, { bias: false }), new nn.GroupNorm(2, 8), new nn.ReLU(),
    new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(8 * 5 * 5, 32), new nn.LayerNorm(32), new nn.ReLU(), new nn.Linear(32, 10),
  ).to(device);
  const x = rand([8, 1, 14, 14]).to(device), y = randint(0, 10, [8]).to(device);
  const losses = adamCurve(model, x, y, 1e-3, steps);
  model.eval();
  const evalOut = tidy(() => host(model.forward(x)));
  return [losses, evalOut, ...model.buffers().filter((b) => b.dtype !== 'int32').map(host)];
}

/** Losses of a small MLP trained on fixed random data; the curve on cuda must follow the cpu's. */
export function trainingCurve(device: Device, steps: number): Float64Array[] {
  manualSeed(30);
  const model = new nn.Sequential(new nn.Linear(32, 64), new nn.ReLU(), new nn.Linear(64, 10)).to(device);
  return [adamCurve(model, randn([128, 32]).to(device), randint(0, 10, [128]).to(device), 3e-3, steps)];
}

/** The CNN of bench workload W3 (28x28x1 in, 10 classes out), on the cpu. */
export function w3Cnn(): InstanceType<typeof nn.Sequential> {
  return new nn.Sequential(
    new nn.Conv2d(1, 32, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(32, 64, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(1600, 128), new nn.ReLU(), new nn.Linear(128, 10),
  );
}

/** The W3 CNN on 8 random 28x28 images: the loss per Adam step. */
export function cnnCurve(device: Device, steps: number): Float64Array[] {
  manualSeed(37);
  const model = w3Cnn().to(device);
  return [adamCurve(model, rand([8, 1, 28, 28]).to(device), randint(0, 10, [8]).to(device), 1e-3, steps)];
}

/** The cross-entropy loss per Adam step of `model` on one fixed batch. */
function adamCurve(model: InstanceType<typeof nn.Sequential>, x: Tensor, y: Tensor, lr: number, steps: number): Float64Array {
  const opt = new optim.Adam(model.parameters(), { lr });
  const losses = new Float64Array(steps);
  for (let s = 0; s < steps; s++) {
    losses[s] = tidy(() => {
      opt.zeroGrad();
      const loss = crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
  }
  return losses;
}

/** gradcheck in float64 of a small network whose ops run on cuda (inputs and result cross devices). */
export function deviceGradcheck(): boolean {
  manualSeed(3);
  const x = randn([4, 5], { dtype: 'float64', requiresGrad: true });
  const w = randn([5, 3], { dtype: 'float64', requiresGrad: true });
  return gradcheck((a, b) => sum(mul(softmax(matmul(tanh(a.to('cuda')), b.to('cuda')), 1), 3)).to('cpu'), [x, w]);
}

/** Worst mixed error: max |a - b| / max(1, |a|); NaN and infinities must sit in the same places. */
export function worstError(cpu: Float64Array, dev: Float64Array): number {
  if (cpu.length !== dev.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < cpu.length; i++) {
    const a = cpu[i], b = dev[i];
    if (Number.isNaN(a) || Number.isNaN(b)) { if (Number.isNaN(a) !== Number.isNaN(b)) return Infinity; continue; }
    if (!Number.isFinite(a) || !Number.isFinite(b)) { if (a !== b) return Infinity; continue; }
    worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(a)));
  }
  return worst;
}
