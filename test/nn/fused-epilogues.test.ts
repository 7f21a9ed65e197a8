/**
 * The fused epilogues of the CNN step: BatchNorm then ReLU (one op, batchNormRelu, which
 * nn.Sequential and models.resnet use for a BatchNorm followed by a ReLU) and the 2x2
 * stride-2 max-pool backward that finds the max positions from x instead of an index
 * tensor. Each must give the values and gradients of the unfused ops, on every backend and
 * ISA, in both float dtypes, whatever the thread count, and keep higher derivatives exact.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { batchNorm, batchNormRelu, layerNorm, layerNormRelu } from '../../src/ops/norm';
import { availableIsas, closeness, hasNative, onBackend, withIsa } from '../helpers/backends';

type DType = 'float32' | 'float64';
const { nn } = L;

interface BnCase { label: string; shape: number[]; training: boolean }
// Odd sizes: long segments not a multiple of the vector width (S = 63), short ones (S = 5 and
// BatchNorm1d's S = 1, the column path), one channel, batch 1 in eval.
const BN_CASES: BnCase[] = [
  { label: '[3,5,7,9] training', shape: [3, 5, 7, 9], training: true },
  { label: '[4,3,1,5] training (short segments)', shape: [4, 3, 1, 5], training: true },
  { label: '[7,13] BatchNorm1d training', shape: [7, 13], training: true },
  { label: '[2,1,33] one channel', shape: [2, 1, 33], training: true },
  { label: '[1,4,6,7] eval', shape: [1, 4, 6, 7], training: false },
  { label: '[5,6] BatchNorm1d eval', shape: [5, 6], training: false },
];

function bnInputs(c: BnCase, dtype: DType, seed: number): L.Tensor[] {
  L.manualSeed(seed);
  const C = c.shape[1];
  const x = L.randn(c.shape, { dtype, requiresGrad: true });
  const w = L.randn([C], { dtype, requiresGrad: true });
  const b = L.randn([C], { dtype, requiresGrad: true });
  const rm = L.randn([C], { dtype });
  const rv = L.add(L.rand([C], { dtype }), 0.5);
  return [x, w, b, rm, rv];
}

/** Output and the gradients of x, weight and bias for a random output gradient. */
function bnRun(fused: boolean, c: BnCase, inputs: L.Tensor[]): L.Tensor[] {
  const [x, w, b, rm, rv] = inputs;
  // Running statistics are updated in place in training: each run gets its own copies.
  const [m, v] = [L.clone(rm), L.clone(rv)];
  const opts = { training: c.training };
  const y = fused ? batchNormRelu(x, m, v, w, b, opts) : L.relu(batchNorm(x, m, v, w, b, opts));
  L.manualSeed(77);
  const gy = L.randn(y.shape, { dtype: y.dtype as DType });
  const grads = L.grad(y, [x, w, b], { gradOutputs: [gy] });
  return [y, ...(grads as L.Tensor[]), m, v];
}

function expectClose(a: L.Tensor[], b: L.Tensor[], tol: number, tag: string): void {
  expect(a.length, tag).toBe(b.length);
  a.forEach((t, i) => {
    expect(t.shape, `${tag} #${i}`).toEqual(b[i].shape);
    expect(closeness(t.values, b[i].values, tol, tol), `${tag} #${i}`).toBeLessThanOrEqual(1);
  });
}

const backends = (): ('native' | 'reference')[] => (hasNative() ? ['native', 'reference'] : ['reference']);

describe('batchNormRelu (BatchNorm then ReLU, fused)', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`equals relu(batchNorm(x)) in values and gradients, ${dtype}, every backend`, () => {
      const tol = dtype === 'float32' ? 1e-5 : 1e-12;
      BN_CASES.forEach((c, k) => {
        for (const be of backends()) {
          const inputs = bnInputs(c, dtype, k);
          const fused = onBackend(be, () => bnRun(true, c, inputs));
          const plain = onBackend(be, () => bnRun(false, c, inputs));
          expectClose(fused, plain, tol, `${c.label} ${dtype} ${be}`);
        }
      });
    });
  }

  it.runIf(hasNative())('native matches the reference kernels on every ISA', () => {
    for (const isa of availableIsas()) {
      withIsa(isa, () => {
        for (const dtype of ['float32', 'float64'] as const) {
          const tol = dtype === 'float32' ? 1e-4 : 1e-10;
          BN_CASES.forEach((c, k) => {
            const inputs = bnInputs(c, dtype, 10 + k);
            const ref = onBackend('reference', () => bnRun(true, c, inputs));
            const nat = onBackend('native', () => bnRun(true, c, inputs));
            expectClose(nat, ref, tol, `${c.label} ${dtype} ${isa}`);
          });
        }
      });
    }
  });

  it('passes gradcheck and gradgradcheck in float64 (training and eval)', () => {
    for (const training of [true, false]) {
      L.manualSeed(3);
      const x = L.randn([3, 2, 2, 3], { dtype: 'float64', requiresGrad: true });
      const w = L.randn([2], { dtype: 'float64', requiresGrad: true });
      const b = L.randn([2], { dtype: 'float64', requiresGrad: true });
      const rm = L.tensor([0.1, -0.2], { dtype: 'float64' }), rv = L.tensor([0.8, 1.5], { dtype: 'float64' });
      const f = (xx: L.Tensor, ww: L.Tensor, bb: L.Tensor) => batchNormRelu(xx, training ? null : rm, training ? null : rv, ww, bb, { training });
      expect(L.gradcheck(f, [x, w, b]), `gradcheck training=${training}`).toBe(true);
      expect(L.gradgradcheck(f, [x, w, b]), `gradgradcheck training=${training}`).toBe(true);
    }
  });

  it('gives the same bits at 1 and 2 threads', () => {
    const c: BnCase = { label: 'big', shape: [16, 8, 12, 12], training: true };
    const before = L.getNumThreads();
    try {
      const run = (threads: number): L.Tensor[] => {
        L.setNumThreads(threads);
        return bnRun(true, c, bnInputs(c, 'float32', 5));
      };
      const one = run(1), two = run(2);
      one.forEach((t, i) => expect(Array.from(two[i].values), `#${i}`).toEqual(Array.from(t.values)));
    } finally {
      L.setNumThreads(before);
    }
  });

  it('catches an in-place change of its output before backward', () => {
    const x = L.randn([4, 3, 5], { requiresGrad: true });
    const y = batchNormRelu(x, null, null, null, null, { training: true });
    L.noGrad(() => L.mul_(y, 2));
    expect(() => L.backward(L.sum(y))).toThrow(/modified|in-place|version/i);
  });
});

describe('layerNormRelu (LayerNorm then ReLU, fused)', () => {
  // Rows not a multiple of the vector width (n = 37, 15), one-element rows, no affine.
  const CASES: [number[], number[], boolean][] = [[[9, 37], [37], true], [[2, 3, 3, 5], [3, 5], true], [[5, 1], [1], true], [[4, 15], [15], false]];
  const run = (fused: boolean, x: L.Tensor, shape: number[], w: L.Tensor | null, b: L.Tensor | null): L.Tensor[] => {
    const y = fused ? layerNormRelu(x, shape, w, b) : L.relu(layerNorm(x, shape, w, b));
    L.manualSeed(78);
    const gy = L.randn(y.shape, { dtype: y.dtype as DType });
    const wrt = [x, w, b].filter((t): t is L.Tensor => t !== null);
    return [y, ...(L.grad(y, wrt, { gradOutputs: [gy] }) as L.Tensor[])];
  };

  it('equals relu(layerNorm(x)) in values and gradients on every backend, ISA and float dtype', () => {
    for (const isa of hasNative() ? availableIsas() : (['scalar'] as const)) {
      const body = (): void => {
        for (const dtype of ['float32', 'float64'] as const) {
          const tol = dtype === 'float32' ? 1e-5 : 1e-12;
          CASES.forEach(([xs, shape, affine], k) => {
            L.manualSeed(60 + k);
            const x = L.randn(xs, { dtype, requiresGrad: true });
            const w = affine ? L.randn(shape, { dtype, requiresGrad: true }) : null;
            const b = affine ? L.randn(shape, { dtype, requiresGrad: true }) : null;
            for (const be of backends()) {
              const f = onBackend(be, () => run(true, x, shape, w, b)), p = onBackend(be, () => run(false, x, shape, w, b));
              expectClose(f, p, tol, `${xs} ${dtype} ${be} ${isa}`);
            }
          });
        }
      };
      if (hasNative()) withIsa(isa, body); else body();
    }
  });

  it('passes gradgradcheck in float64, and nn.Sequential runs LayerNorm then ReLU through it', () => {
    L.manualSeed(61);
    const x = L.randn([3, 6], { dtype: 'float64', requiresGrad: true });
    const w = L.randn([6], { dtype: 'float64', requiresGrad: true }), b = L.randn([6], { dtype: 'float64', requiresGrad: true });
    expect(L.gradgradcheck((a, ww, bb) => layerNormRelu(a, [6], ww, bb), [x, w, b])).toBe(true);
    const seq = new nn.Sequential(new nn.LayerNorm([6], { dtype: 'float64' }), new nn.ReLU(), new nn.Linear(6, 2, { dtype: 'float64' }));
    expect(seq.call(x).gradFn?.next[0]?.name).toBe('layerNormRelu');
  });
});

describe('nn.Sequential runs BatchNorm then ReLU fused', () => {
  function twin(dtype: DType): [L.nn.Sequential, L.nn.Sequential] {
    const make = (): L.nn.Sequential => {
      L.manualSeed(11);
      return new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1, dtype }), new nn.BatchNorm2d(3, { dtype }), new nn.ReLU(), new nn.MaxPool2d(2));
    };
    return [make(), make()];
  }

  it('records the fused op, and the same values, gradients and running statistics as the layers one by one', () => {
    const [seq, ref] = twin('float64');
    L.manualSeed(12);
    const x = L.randn([3, 2, 6, 5], { dtype: 'float64' });
    const bn = ref.at(1) as L.nn.BatchNorm2d;
    const unfused = (h: L.Tensor): L.Tensor => ref.at(3).call(L.relu(bn.call(ref.at(0).call(h))));
    const y = seq.call(x), yRef = unfused(x);
    expect(closeness(y.values, yRef.values, 1e-12, 1e-12)).toBeLessThanOrEqual(1);
    // The pool's input is the fused op's output; the layer-by-layer twin records BatchNorm then ReLU.
    expect(y.gradFn?.name).toBe('maxPool2d');
    expect(y.gradFn?.next[0]?.name).toBe('batchNormRelu');
    expect(yRef.gradFn?.next[0]?.name).not.toBe('batchNormRelu');
    L.backward(L.sum(L.square(y)));
    L.backward(L.sum(L.square(yRef)));
    const pa = seq.parameters(), pb = ref.parameters();
    pa.forEach((p, i) => expect(closeness(p.grad!.values, pb[i].grad!.values, 1e-10, 1e-10), `param ${i}`).toBeLessThanOrEqual(1));
    const bnSeq = seq.at(1) as L.nn.BatchNorm2d;
    expect(closeness(bnSeq.runningVar!.values, bn.runningVar!.values, 1e-12, 1e-12)).toBeLessThanOrEqual(1);
  });

  it('keeps second derivatives exact (createGraph) through the fused BatchNorm-ReLU and the 2x2 pool', () => {
    const [seq] = twin('float64');
    L.manualSeed(13);
    const x = L.randn([2, 2, 4, 6], { dtype: 'float64', requiresGrad: true });
    const f = (xx: L.Tensor): L.Tensor => seq.call(xx);
    expect(L.gradgradcheck(f, [x])).toBe(true);
  });

  it('does not fuse when a hook would see the BatchNorm or ReLU output', () => {
    const [seq] = twin('float32');
    let seen: L.Tensor | null = null;
    const remove = seq.at(1).registerForwardHook((_m, _a, y) => { seen = y; });
    const x = L.randn([2, 2, 4, 4]);
    seq.call(x);
    expect(seen).not.toBeNull();
    expect(L.amin(seen!).item()).toBeLessThan(0);  // the BatchNorm's own output, before the ReLU
    remove();
    const replaced = seq.at(2).registerForwardHook(() => L.zeros([2, 3, 4, 4]));
    expect(L.amax(seq.call(x)).item()).toBe(0);
    replaced();
  });
});

describe('nn.Sequential runs ReLU then MaxPool2d as pool then ReLU', () => {
  for (const [label, pool] of [['2x2', () => new nn.MaxPool2d(2)], ['3x3 stride 2 padding 1', () => new nn.MaxPool2d(3, { stride: 2, padding: 1 })]] as const) {
    it(`gives the values and gradients of the layers one by one (${label}, ties, zeros, NaN)`, () => {
      for (const dtype of ['float32', 'float64'] as const) {
        const seq = new nn.Sequential(new nn.ReLU(), pool());
        L.manualSeed(50);
        const x = L.randn([2, 3, 7, 9], { dtype, requiresGrad: true });
        const v = x.values;
        v[1] = v[0]; v[20] = 0; v[21] = -0; v[40] = NaN; v[41] = 5;
        const y = seq.call(x);
        // The ReLU ran last, on the pooled tensor: inside the 2x2 kernel, else as its own op.
        expect(y.gradFn?.name).toBe(label === '2x2' ? 'maxPool2dRelu' : 'relu');
        const yRef = seq.at(1).call(L.relu(x));
        expect(Array.from(y.values)).toEqual(Array.from(yRef.values));
        const gy = L.randn(y.shape, { dtype });
        const [g] = L.grad(y, [x], { gradOutputs: [gy] }), [gRef] = L.grad(yRef, [x], { gradOutputs: [gy] });
        expect(Array.from(g!.values), `${label} ${dtype}`).toEqual(Array.from(gRef!.values));
      }
    });
  }

  it('keeps second derivatives exact and leaves a hooked pair alone', () => {
    const seq = new nn.Sequential(new nn.Linear(6, 12, { dtype: 'float64' }), new nn.Unflatten(1, [3, 2, 2]), new nn.ReLU(), new nn.MaxPool2d(2));
    const x = L.randn([2, 6], { dtype: 'float64', requiresGrad: true });
    expect(L.gradgradcheck((t) => seq.call(t), [x])).toBe(true);
    let seen: L.Tensor | null = null;
    seq.at(2).registerForwardHook((_m, _a, y) => { seen = y; });
    expect(seq.call(x).gradFn?.name).toBe('maxPool2d');
    expect(seen!.shape).toEqual([2, 3, 2, 2]);
  });
});

describe('nn.Sequential runs Conv2d, ReLU, MaxPool2d as conv then maxPool2dRelu', () => {
  // Layer by layer (conv, ReLU, pool) against the fused triple: the conv's pre-ReLU values are
  // the same bits, pool and ReLU commute exactly, and the conv's backward gets the same masked
  // gradient, so values and every gradient are bitwise equal.
  const block = (c: number, o: number, dtype: 'float32' | 'float64'): L.nn.Sequential =>
    new nn.Sequential(new nn.Conv2d(c, o, 3, { dtype }), new nn.ReLU(), new nn.MaxPool2d(2));
  function compare(seq: L.nn.Sequential, x: L.Tensor, what: string): void {
    const y = seq.call(x);
    expect(y.gradFn?.name, what).toBe('maxPool2dRelu');
    const yRef = seq.at(2).call(seq.at(1).call(seq.at(0).call(x)));
    expect(Array.from(y.values), what).toEqual(Array.from(yRef.values));
    const gy = L.randn(y.shape, { dtype: x.dtype });
    const params = [x, ...seq.parameters()];
    const g = L.grad(y, params, { gradOutputs: [gy] }), gRef = L.grad(yRef, params, { gradOutputs: [gy] });
    g.forEach((t, i) => expect(Array.from(t!.values), `${what} grad #${i}`).toEqual(Array.from(gRef[i]!.values)));
  }

  for (const algorithm of ['direct', 'winograd'] as const) {
    it(`gives the values and gradients of the layers one by one (${algorithm}, every backend and ISA)`, () => {
      try {
        L.setConvAlgorithm(algorithm);
        for (const be of backends()) {
          for (const isa of be === 'native' ? availableIsas() : ['reference']) {
            const run = (): void => onBackend(be, () => {
              for (const dtype of ['float32', 'float64'] as const) {
                L.manualSeed(60);
                const seq = block(5, 17, dtype);
                // A negative bias on some channels: whole windows below 0 (the mask's zeros).
                L.noGrad(() => L.sub_((seq.at(0) as L.nn.Conv2d).bias!, L.tensor([0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0], { dtype })));
                compare(seq, L.randn([2, 5, 11, 10], { dtype, requiresGrad: true }), `${algorithm} ${be} ${isa} ${dtype}`);
              }
            });
            if (be === 'native') withIsa(isa as Parameters<typeof withIsa>[0], run); else run();
          }
        }
      } finally {
        L.setConvAlgorithm('auto');
      }
    });
  }

  it('gives the same bits at 1 and 2 threads, passes gradgradcheck, and leaves a hooked triple to the pairs', () => {
    const before = L.getNumThreads();
    try {
      const run = (threads: number): number[][] => {
        L.setNumThreads(threads);
        L.manualSeed(61);
        const seq = block(32, 64, 'float32');
        const x = L.randn([8, 32, 13, 13], { requiresGrad: true });
        const y = seq.call(x);
        const g = L.grad(y, [x, ...seq.parameters()], { gradOutputs: [L.randn(y.shape)] });
        return [Array.from(y.values), ...g.map((t) => Array.from(t!.values))];
      };
      const one = run(1), two = run(2);
      one.forEach((t, i) => expect(two[i], `#${i}`).toEqual(t));
    } finally {
      L.setNumThreads(before);
    }
    const seq = block(2, 3, 'float64');
    const x = L.randn([2, 2, 6, 6], { dtype: 'float64', requiresGrad: true });
    expect(L.gradgradcheck((t) => seq.call(t), [x])).toBe(true);
    seq.at(1).registerForwardHook(() => undefined);
    expect(seq.call(x).gradFn?.name).toBe('maxPool2d');
  });
});

describe('maxPool2d 2x2 stride 2 backward (no index tensor)', () => {
  function viaGeneral(x: L.Tensor): L.Tensor {
    // With returnIndices the forward keeps the index tensor and the backward scatters through it.
    const [y] = L.maxPool2d(x, 2, { returnIndices: true });
    return y;
  }

  for (const dtype of ['float32', 'float64'] as const) {
    it(`matches the scatter-through-indices backward, ${dtype}, odd sizes, ties, NaN, -inf`, () => {
      for (const be of backends()) {
        for (const [k, shape] of [[2, 3, 7, 9], [1, 1, 2, 2], [3, 5, 6, 11], [4, 5, 3]].entries()) {
          L.manualSeed(20 + k);
          const x = L.randn(shape, { dtype, requiresGrad: true });
          const v = x.values;
          v[1] = v[0];  // a tie
          if (v.length > 20) { v[7] = NaN; v[12] = -Infinity; v[13] = -Infinity; }
          const gy = L.randn(onBackend(be, () => L.maxPool2d(x, 2)).shape, { dtype });
          const run = (f: (t: L.Tensor) => L.Tensor): L.Tensor[] => onBackend(be, () => {
            const y = f(x);
            return [y, L.grad(y, [x], { gradOutputs: [gy] })[0]!];
          });
          const fast = run((t) => L.maxPool2d(t, 2)), slow = run(viaGeneral);
          fast.forEach((t, i) => expect(Array.from(t.values), `${be} ${shape} #${i}`).toEqual(Array.from(slow[i].values)));
        }
      }
    });
  }

  it('gives the same bits at 1 and 2 threads, and its second derivative passes gradgradcheck', () => {
    const before = L.getNumThreads();
    try {
      L.manualSeed(30);
      const x = L.randn([16, 8, 14, 14], { requiresGrad: true });
      const grads = [1, 2].map((t) => {
        L.setNumThreads(t);
        const y = L.maxPool2d(x, 2);
        return Array.from(L.grad(L.sum(L.square(y)), [x])[0]!.values);
      });
      expect(grads[1]).toEqual(grads[0]);
    } finally {
      L.setNumThreads(before);
    }
    const sp = L.randn([2, 2, 5, 6], { dtype: 'float64', requiresGrad: true });
    expect(L.gradgradcheck((t) => L.maxPool2d(t, 2), [sp])).toBe(true);
  });
});

describe('models.resnet18 uses the fused BatchNorm-ReLU', () => {
  it('matches the block written with separate ops', () => {
    L.manualSeed(40);
    const block = new L.models.BasicBlock(4, 4);
    const x = L.randn([2, 4, 6, 6]);
    const y = block.call(x);
    const plain = L.relu(L.add(block.bn2.call(block.conv2.call(L.relu(block.bn1.call(block.conv1.call(x))))), x));
    expect(closeness(y.values, plain.values, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
  });
});

describe('GradientMonitor keeps the fused pairs on the steps it does not sample', () => {
  it('attaches its activation hooks only for sampled steps', () => {
    const seq = new nn.Sequential(new nn.Linear(4, 6), new nn.BatchNorm1d(6), new nn.ReLU());
    const monitor = new L.train.GradientMonitor({ every: 3 });
    const x = L.randn([5, 4]);
    const fusedOutput = (): boolean => seq.call(x).gradFn?.name === 'batchNormRelu';
    monitor.onTrainBegin({ model: seq } as never);
    expect(fusedOutput()).toBe(false);  // step 0 is sampled: hooks on, layers one by one
    monitor.onBatchEnd({ model: seq } as never, { step: 0, loss: 1 } as never);
    expect(fusedOutput()).toBe(true);   // step 1: no hooks
    monitor.onBatchEnd({ model: seq } as never, { step: 1, loss: 1 } as never);
    expect(fusedOutput()).toBe(true);   // step 2: no hooks
    monitor.onBatchEnd({ model: seq } as never, { step: 2, loss: 1 } as never);
    expect(fusedOutput()).toBe(false);  // step 3 is sampled (every 3)
    monitor.onTrainEnd();
    expect(seq.at(1).hasForwardHooks() || seq.at(2).hasForwardHooks()).toBe(false);
  });
});
