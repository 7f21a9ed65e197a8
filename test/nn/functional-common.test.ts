/**
 * nn.functional's oneHot, normalize, gumbelSoftmax, embedding and the torch.nn.functional names of
 * linear and the losses (src/nn/functional-common.ts) against PyTorch 2.13:
 * test/fixtures/functional_common_torch.json, written by
 * test/fixtures/generators/functional_common_torch.py. gumbelSoftmax runs on PyTorch's noise: rand
 * is replaced by a queue that hands out the fixture's uniforms u (PyTorch's exponential draws are
 * E = -log u), so Lattice's own code must give torch's sample and gradient; with the queue empty,
 * rand is the real one (the statistics and straight-through tests). float64 and float32, native
 * and reference backends, and the error messages.
 */
import { describe, expect, it, vi } from 'vitest';
import type * as Creation from '../../src/ops/creation';

const queue: import('../../src/index').Tensor[] = [];

vi.mock('../../src/ops/creation', async (importOriginal) => {
  const real = await importOriginal<typeof Creation>();
  return {
    ...real,
    rand: (shape: number[], opts?: Creation.RandomOptions) => {
      const next = queue.shift();
      if (!next) return real.rand(shape, opts);
      expect(shape, 'rand shape').toEqual(next.shape);
      expect(opts?.dtype ?? 'float32', 'rand dtype').toBe(next.dtype);
      return next;
    },
  };
});

const L = await import('../../src/index');
const { ArgumentError, DTypeError, ShapeError, nn, losses } = L;
const { linear } = await import('../../src/ops/linear');
const { hasNative, onBackend } = await import('../helpers/backends');
const { torchFixtureChecker } = await import('../helpers/torch-fixture');
const { default: fixture } = await import('../fixtures/functional_common_torch.json');

type Tensor = import('../../src/index').Tensor;
type Dt = 'float32' | 'float64';
interface Enc { shape: number[]; values: number[] }

const F = nn.functional;
const backends = hasNative() ? (['native', 'reference'] as const) : (['reference'] as const);
const dtypes = ['float64', 'float32'] as const;
const dec = (e: Enc, dtype: Dt): Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
const ints = (e: { shape: number[]; values: number[] }): Tensor => L.tensor(Int32Array.from(e.values), { dtype: 'int32' }).reshape(e.shape);

describe('normalize vs torch.nn.functional.normalize', () => {
  const check = torchFixtureChecker({ float64: 1e-12, float32: 2e-6 });
  for (const c of fixture.normalize) {
    const p = c.options.p === 'inf' ? Infinity : (c.options.p as number | undefined);
    const opts = { p, dim: c.options.dim as number | undefined, eps: c.options.eps as number | undefined };
    for (const backend of backends) {
      for (const dtype of dtypes) {
        it(`${c.name} (${backend}, ${dtype})`, () => onBackend(backend, () => {
          const x = dec(c.x, dtype).requiresGrad_();
          const out = F.normalize(x, opts);
          check(out, c.out, dtype, `${c.name} out`);
          L.mul(out, dec(c.r, dtype)).sum().backward();
          check(x.grad!, c.grad, dtype, `${c.name} grad`);
        }));
      }
    }
  }

  it('a zero row comes out exactly 0 and its gradient is r / eps; the other rows are as if normalized alone', () => {
    const x = L.tensor([[0, 0, 0], [3, -4, 0]], { dtype: 'float64' }).requiresGrad_();
    const r = L.tensor([[1, -2, 0.5], [0.25, 1, -1]], { dtype: 'float64' });
    const out = F.normalize(x, { eps: 1e-3 });
    expect(Array.from(out.values)).toEqual([0, 0, 0, 0.6, -0.8, 0]);
    L.mul(out, r).sum().backward();
    const alone = L.tensor([[3, -4, 0]], { dtype: 'float64' }).requiresGrad_();
    L.mul(F.normalize(alone), L.tensor([[0.25, 1, -1]], { dtype: 'float64' })).sum().backward();
    expect(Array.from(x.grad!.values).slice(0, 3)).toEqual([1e3, -2e3, 0.5e3]);
    expect(Array.from(x.grad!.values).slice(3)).toEqual(Array.from(alone.grad!.values));
  });

  it('passes gradcheck and gradgradcheck for p 2 and 3, eps binding or not', () => {
    L.manualSeed(4);
    const x = L.mul(L.randn([3, 4], { dtype: 'float64' }), L.tensor([[1], [0.05], [2]], { dtype: 'float64' })).requiresGrad_();
    for (const opts of [{}, { p: 3, dim: 0 }, { eps: 0.5 }]) {
      expect(L.gradcheck((t) => F.normalize(t, opts), [x])).toBe(true);
      expect(L.gradgradcheck((t) => F.normalize(t, opts), [x])).toBe(true);
    }
  });
});

describe('oneHot vs torch.nn.functional.one_hot', () => {
  for (const backend of backends) {
    for (const c of fixture.oneHot) {
      it(`labels ${JSON.stringify(c.labels.values)} ${JSON.stringify(c.labels.shape)}, numClasses ${c.numClasses} (${backend})`, () => onBackend(backend, () => {
        const out = F.oneHot(ints(c.labels), c.numClasses);
        expect(out.dtype).toBe('int32');
        expect(out.shape).toEqual(c.out.shape);
        expect(Array.from(out.values)).toEqual(c.out.values);
      }));
    }
  }

  it('takes numClasses -1 by default and does not record a graph', () => {
    const out = F.oneHot(L.tensor([2, 0], { dtype: 'int32' }));
    expect(out.shape).toEqual([2, 3]);
    expect(out.requiresGrad).toBe(false);
  });
});

describe('gumbelSoftmax vs torch.nn.functional.gumbel_softmax on the same noise', () => {
  const check = torchFixtureChecker({ float64: 1e-12, float32: 2e-6 });
  for (const c of fixture.gumbelSoftmax) {
    for (const backend of backends) {
      for (const dtype of dtypes) {
        it(`${c.name} (${backend}, ${dtype})`, () => onBackend(backend, () => {
          const logits = dec(c.logits, dtype).requiresGrad_();
          queue.push(dec(c.u, dtype));
          const out = F.gumbelSoftmax(logits, c.options as { tau?: number; hard?: boolean; dim?: number });
          expect(queue.length, 'gumbelSoftmax drew the queued noise').toBe(0);
          check(out, c.out, dtype, `${c.name} out`);
          L.mul(out, dec(c.r, dtype)).sum().backward();
          check(logits.grad!, c.grad, dtype, `${c.name} grad`);
        }));
      }
    }
  }
});

describe('gumbelSoftmax sampling', () => {
  it('hard samples are one-hot at the soft sample\'s first maximum, and their argmax frequencies over 20000 draws match softmax(logits) within 4 standard errors', () => {
    const n = 20000;
    const logits = L.tensor([1.2, -0.3, 0.4, 0, -1.5]);
    const probs = Array.from(L.softmax(logits, 0).values);
    const gen = new L.PhiloxStream(11);
    const y = F.gumbelSoftmax(L.expand(logits, [n, 5]), { hard: true, tau: 0.7, generator: gen });
    const v = y.values;
    const counts = new Array(5).fill(0);
    for (let i = 0; i < n; i++) {
      const row = Array.from(v.subarray(i * 5, i * 5 + 5));
      const k = row.findIndex((x) => Math.abs(x - 1) < 1e-6);
      expect(k).toBeGreaterThanOrEqual(0);
      row.forEach((x, j) => { if (j !== k) expect(Math.abs(x)).toBeLessThan(1e-6); });
      counts[k]++;
    }
    probs.forEach((p, k) => {
      const se = Math.sqrt((p * (1 - p)) / n);
      expect(Math.abs(counts[k] / n - p), `class ${k}: ${counts[k]} of ${n}, p ${p}`).toBeLessThan(4 * se);
    });
  });

  it('the hard sample\'s straight-through gradient is the soft sample\'s, on the same draw', () => {
    for (const dim of [-1, 0]) {
      const x = L.tensor([[0.5, -1, 2], [0.1, 0.2, 0.3]], { dtype: 'float64' });
      const r = L.tensor([[1, -2, 0.5], [0.3, 0.7, -1.1]], { dtype: 'float64' });
      const grads = [false, true].map((hard) => {
        const logits = x.detach().requiresGrad_();
        const y = F.gumbelSoftmax(logits, { hard, tau: 0.5, dim, generator: new L.PhiloxStream(5) });
        L.mul(y, r).sum().backward();
        return Array.from(logits.grad!.values);
      });
      expect(grads[1]).toEqual(grads[0]);
      expect(grads[0].some((g) => g !== 0)).toBe(true);
    }
  });

  it('a seed gives the same sample on both backends; soft samples are distributions along dim', () => {
    const draws = backends.map((b) => onBackend(b, () => Array.from(F.gumbelSoftmax(L.tensor([[0.5, -1, 2], [1, 1, 1]]), { dim: 1, generator: new L.PhiloxStream(9) }).values)));
    expect(draws[draws.length - 1]).toEqual(draws[0]);
    expect(draws[0][0] + draws[0][1] + draws[0][2]).toBeCloseTo(1, 6);
    const again = Array.from(F.gumbelSoftmax(L.tensor([[0.5, -1, 2], [1, 1, 1]]), { dim: 1, generator: new L.PhiloxStream(10) }).values);
    expect(again).not.toEqual(draws[0]);
  });

  it('a 0-d logit is one category: the sample is 1', () => {
    const y = F.gumbelSoftmax(L.tensor(0.3), { hard: true });
    expect(y.shape).toEqual([]);
    expect(y.item()).toBe(1);
  });
});

describe('embedding vs torch.nn.functional.embedding', () => {
  const check = torchFixtureChecker({ float64: 1e-12, float32: 2e-6 });
  for (const c of fixture.embedding) {
    for (const backend of backends) {
      for (const dtype of dtypes) {
        it(`${c.name} (${backend}, ${dtype})`, () => onBackend(backend, () => {
          const weight = dec(c.weight, dtype).requiresGrad_();
          const out = F.embedding(ints(c.indices), weight, c.options);
          check(out, c.out, dtype, `${c.name} out`);
          check(weight, c.weightAfter, dtype, `${c.name} weight after`);
          L.mul(out, dec(c.r, dtype)).sum().backward();
          check(weight.grad!, c.gradWeight, dtype, `${c.name} grad weight`);
        }));
      }
    }
  }

  it('gives what nn.Embedding gives for the same table and options', () => {
    const emb = new nn.Embedding(6, 3, { paddingIdx: 2, maxNorm: 1.2 });
    const table = emb.weight.detach().clone().requiresGrad_();
    const idx = L.tensor([[0, 2, 5], [5, 1, 2]], { dtype: 'int32' });
    const a = emb.call(idx), b = F.embedding(idx, table, { paddingIdx: 2, maxNorm: 1.2 });
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(Array.from(table.values)).toEqual(Array.from(emb.weight.values));
    a.sum().backward();
    b.sum().backward();
    expect(Array.from(table.grad!.values)).toEqual(Array.from(emb.weight.grad!.values));
  });
});

describe('torch.nn.functional names', () => {
  it('linear and the losses are the library\'s own function objects, under torch\'s names and Lattice\'s', () => {
    expect(F.linear).toBe(linear);
    const same: [unknown, unknown][] = [
      [F.crossEntropy, losses.crossEntropy], [F.nllLoss, losses.nllLoss],
      [F.binaryCrossEntropy, losses.bceLoss], [F.bceLoss, losses.bceLoss],
      [F.binaryCrossEntropyWithLogits, losses.bceWithLogits], [F.bceWithLogits, losses.bceWithLogits],
      [F.mseLoss, losses.mseLoss], [F.l1Loss, losses.l1Loss], [F.huberLoss, losses.huberLoss], [F.smoothL1Loss, losses.smoothL1Loss],
      [F.klDiv, losses.klDiv], [F.ctcLoss, losses.ctcLoss], [F.cosineEmbeddingLoss, losses.cosineEmbeddingLoss],
      [F.marginRankingLoss, losses.marginRankingLoss], [F.tripletMarginLoss, losses.tripletMarginLoss],
      [F.softMarginLoss, losses.softMarginLoss], [F.multilabelSoftMarginLoss, losses.multiLabelSoftMarginLoss],
      [F.multiLabelSoftMarginLoss, losses.multiLabelSoftMarginLoss], [F.hingeEmbeddingLoss, losses.hingeEmbeddingLoss],
      [F.multiMarginLoss, losses.multiMarginLoss], [F.gaussianNllLoss, losses.gaussianNllLoss], [F.poissonNllLoss, losses.poissonNllLoss],
      [F.crossEntropy, L.crossEntropy],
    ];
    for (const [a, b] of same) {
      expect(typeof a).toBe('function');
      expect(a).toBe(b);
    }
  });

  it('nn.functional.crossEntropy works as F.cross_entropy does', () => {
    const logits = L.tensor([[2, 0.5, -1], [0, 1, 0]]);
    const target = L.tensor([0, 1], { dtype: 'int32' });
    const want = -(Math.log(Math.exp(2) / (Math.exp(2) + Math.exp(0.5) + Math.exp(-1))) + Math.log(Math.E / (2 + Math.E))) / 2;
    expect(F.crossEntropy(logits, target).item()).toBeCloseTo(want, 6);
  });
});

describe('errors', () => {
  const f32 = L.tensor([[1, 2], [3, 4]]);
  const labels = L.tensor([[0, 3], [1, 2]], { dtype: 'int32' });
  const bad: [string, () => unknown, typeof ArgumentError | typeof DTypeError | typeof ShapeError, RegExp][] = [
    ['oneHot float labels', () => F.oneHot(f32), DTypeError, /^oneHot: labels must be int32 class indices, got float32\[2,2\]$/],
    ['oneHot negative label', () => F.oneHot(L.tensor([1, -2], { dtype: 'int32' })), ArgumentError, /^oneHot: labels must be non-negative, got -2 \(at flat position 1 of int32\[2\]\)$/],
    ['oneHot label >= numClasses', () => F.oneHot(labels, 3), ArgumentError, /^oneHot: label 3 \(at flat position 1 of int32\[2,2\]\) is out of range for numClasses 3$/],
    ['oneHot bad numClasses', () => F.oneHot(labels, -2), ArgumentError, /^oneHot: numClasses must be a non-negative integer or -1 \(infer it from the labels\), got -2$/],
    ['oneHot fractional numClasses', () => F.oneHot(labels, 2.5), ArgumentError, /^oneHot: numClasses must be .*, got 2.5$/],
    ['oneHot inferring from empty labels', () => F.oneHot(L.zeros([0], { dtype: 'int32' })), ArgumentError, /^oneHot: can't infer numClasses from empty labels int32\[0\]; pass numClasses$/],
    ['oneHot not a tensor', () => F.oneHot([1, 2] as never), ArgumentError, /^oneHot: labels must be a Tensor/],
    ['normalize int input', () => F.normalize(labels), DTypeError, /^normalize: x must be float32 or float64, got int32\[2,2\]$/],
    ['normalize p 0', () => F.normalize(f32, { p: 0 }), ArgumentError, /^normalize: p must be a positive number or Infinity, got 0$/],
    ['normalize p NaN', () => F.normalize(f32, { p: NaN }), ArgumentError, /^normalize: p must be a positive number or Infinity, got NaN$/],
    ['normalize dim out of range', () => F.normalize(L.tensor([1, 2])), ArgumentError, /^normalize: dim 1 is out of range for a tensor of rank 1 \(expected in \[-1, 0\]\)$/],
    ['normalize negative eps', () => F.normalize(f32, { eps: -1 }), ArgumentError, /^normalize: eps must be a finite number >= 0, got -1$/],
    ['gumbelSoftmax int logits', () => F.gumbelSoftmax(labels), DTypeError, /^gumbelSoftmax: logits must be float32 or float64, got int32\[2,2\]$/],
    ['gumbelSoftmax tau 0', () => F.gumbelSoftmax(f32, { tau: 0 }), ArgumentError, /^gumbelSoftmax: tau must be a positive finite number, got 0$/],
    ['gumbelSoftmax hard not boolean', () => F.gumbelSoftmax(f32, { hard: 1 as never }), ArgumentError, /^gumbelSoftmax: hard must be true or false, got 1$/],
    ['gumbelSoftmax dim out of range', () => F.gumbelSoftmax(f32, { dim: 2 }), ArgumentError, /^gumbelSoftmax: dim 2 is out of range for a tensor of rank 2/],
    ['gumbelSoftmax hard on an empty dim', () => F.gumbelSoftmax(L.zeros([2, 0]), { hard: true }), ShapeError, /^gumbelSoftmax: with hard, dim 1 of logits float32\[2,0\] must not be empty \(there is no argmax\)$/],
    ['gumbelSoftmax bad generator', () => F.gumbelSoftmax(f32, { generator: 5 as never }), ArgumentError, /generator must be a PhiloxStream, got number$/],
    ['embedding float indices', () => F.embedding(f32, f32), DTypeError, /^embedding: input must be int32 indices, got float32\[2,2\]$/],
    ['embedding 1-D weight', () => F.embedding(labels, L.zeros([4])), ShapeError, /^embedding: weight must be 2-D \[num, dim\], got float32\[4\]$/],
    ['embedding int weight', () => F.embedding(labels, labels), DTypeError, /^embedding: weight must be float32 or float64, got int32\[2,2\]$/],
    ['embedding index out of range', () => F.embedding(labels, L.zeros([3, 2])), ArgumentError, /^embedding: index 3 \(at flat position 1 of int32\[2,2\]\) is out of range for weight float32\[3,2\] \(3 rows\)$/],
    ['embedding paddingIdx out of range', () => F.embedding(labels, L.zeros([4, 2]), { paddingIdx: 4 }), ArgumentError, /^embedding: paddingIdx 4 must be an integer in \[-4, 3\] \(the table has 4 rows\)$/],
    ['embedding bad maxNorm', () => F.embedding(labels, L.zeros([4, 2]), { maxNorm: -1 }), ArgumentError, /^embedding: maxNorm must be a positive number, got -1$/],
  ];
  for (const [what, fn, cls, re] of bad) {
    it(what, () => {
      expect(fn).toThrow(cls);
      expect(fn).toThrow(re);
    });
  }

  it('a refused call leaves its inputs as they were', () => {
    const w = L.tensor([[3, 4], [0.1, 0.1]]);
    expect(() => F.embedding(L.tensor([0, 7], { dtype: 'int32' }), w, { maxNorm: 1 })).toThrow(ArgumentError);
    expect(Array.from(w.values)).toEqual([3, 4, 0.1, 0.1].map(Math.fround));
  });
});
