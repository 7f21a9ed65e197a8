/**
 * Every layer's forward and gradients against PyTorch 1.13 (test/fixtures/nn_layers_torch.json,
 * written by test/fixtures/generators/nn_layers_torch.py): the weights drawn there are loaded
 * through loadStateDict, so both sides compute with the same ones. float64 throughout.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';
import { closeness, hasNative, onBackend } from '../helpers/backends';

interface Enc { shape: number[]; values: number[] }
interface LayerCase {
  state: Record<string, Enc>; input: Enc; output: Enc; v: Enc; gradInput?: Enc;
  paramGrads: Record<string, Enc>; stateAfter: Record<string, Enc>;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/nn_layers_torch.json', import.meta.url), 'utf8')) as {
  cases: Record<string, LayerCase>;
};

function dec(e: Enc, dtype: L.DType = 'float64'): L.Tensor {
  return L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
}

function expectClose(actual: L.Tensor, expected: Enc, what: string, tol = 1e-9): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  expect(closeness(Array.from(actual.values), expected.values, tol, tol), what).toBeLessThanOrEqual(1);
}

/** The Lattice module for each fixture case, built in float32 (the default) and converted by to('float64'). */
const BUILD: Record<string, () => nn.Module> = {
  linear: () => new nn.Linear(5, 3),
  linearNoBias3d: () => new nn.Linear(5, 3, { bias: false }),
  linear1d: () => new nn.Linear(4, 2),
  conv2d: () => new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 }),
  conv2dSameDilated: () => new nn.Conv2d(2, 3, [3, 2], { padding: 'same', dilation: 2 }),
  conv2dDepthwise: () => new nn.Conv2d(4, 8, 3, { padding: 1, groups: 4, bias: false }),
  conv2dValidRect: () => new nn.Conv2d(3, 2, [2, 3], { stride: [1, 2], padding: 'valid' }),
  conv1d: () => new nn.Conv1d(3, 5, 3, { padding: 'same' }),
  conv1dStrided: () => new nn.Conv1d(4, 2, 2, { stride: 2, groups: 2 }),
  convTranspose2d: () => new nn.ConvTranspose2d(4, 3, 3, { stride: 2, padding: 1, outputPadding: 1 }),
  maxPool2d: () => new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
  avgPool2d: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  adaptiveAvgPool2d: () => new nn.AdaptiveAvgPool2d([3, 2]),
  relu: () => new nn.ReLU(),
  leakyRelu: () => new nn.LeakyReLU(0.2),
  elu: () => new nn.ELU(1.3),
  gelu: () => new nn.GELU(),
  geluTanh: () => new nn.GELU({ approximate: 'tanh' }),
  silu: () => new nn.SiLU(),
  tanh: () => new nn.Tanh(),
  sigmoid: () => new nn.Sigmoid(),
  softplus: () => new nn.Softplus({ beta: 2, threshold: 3 }),
  softmax: () => new nn.Softmax(1),
  logSoftmax: () => new nn.LogSoftmax(-1),
  flatten: () => new nn.Flatten(),
  unflatten: () => new nn.Unflatten(1, [2, 3]),
  layerNorm: () => new nn.LayerNorm([4, 5]),
  layerNormNoAffine: () => new nn.LayerNorm(6, { elementwiseAffine: false, eps: 1e-3 }),
  groupNorm: () => new nn.GroupNorm(2, 6),
  groupNormNoAffine: () => new nn.GroupNorm(3, 3, { affine: false }),
  batchNorm1dTrain: () => new nn.BatchNorm1d(4),
  batchNorm1d3dTrain: () => new nn.BatchNorm1d(3),
  batchNorm2dTrain: () => new nn.BatchNorm2d(3),
  batchNorm2dEval: () => new nn.BatchNorm2d(3).eval(),
  batchNorm2dNoAffine: () => new nn.BatchNorm2d(3, { affine: false }),
  batchNorm2dNoStatsEval: () => new nn.BatchNorm2d(3, { trackRunningStats: false }).eval(),
  embedding: () => new nn.Embedding(10, 4, { paddingIdx: 1 }),
};

const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

describe('nn layers match PyTorch 1.13', () => {
  it('covers every fixture case', () => {
    expect(Object.keys(BUILD).sort()).toEqual(Object.keys(fixture.cases).sort());
  });

  for (const backend of backends) {
    for (const [name, c] of Object.entries(fixture.cases)) {
      it(`${name} (${backend})`, () => onBackend(backend, () => {
        const m = BUILD[name]().to('float64');
        const sd: Record<string, L.Tensor> = {};
        for (const [k, e] of Object.entries(c.state)) sd[k] = dec(e, k.endsWith('num_batches_tracked') ? 'int32' : 'float64');
        m.loadStateDict(sd);
        const intInput = name === 'embedding';
        const x = intInput ? dec(c.input, 'int32') : dec(c.input).requiresGrad_();
        const y = m.call(x);
        expectClose(y, c.output, `${name} output`);
        const params = m.namedParameters();
        const inputs = [...(intInput ? [] : [x]), ...params.map(([, p]) => p)];
        if (inputs.length) {
          const grads = L.grad(y.mul(dec(c.v)).sum(), inputs, { allowUnused: true });
          if (c.gradInput) expectClose(grads[0]!, c.gradInput, `${name} input gradient`);
          params.forEach(([k, p], i) => {
            const g = grads[i + (intInput ? 0 : 1)] ?? L.zerosLike(p);
            expectClose(g, c.paramGrads[k], `${name} gradient of ${k}`);
          });
        }
        for (const [k, v] of Object.entries(m.stateDict())) expectClose(v.to('float64'), c.stateAfter[k], `${name} ${k} after forward`);
      }));
    }
  }

  it('a float32 module gives the float64 values to float32 accuracy', () => {
    for (const name of ['linear', 'conv2d', 'layerNorm', 'batchNorm2dTrain', 'groupNorm']) {
      const c = fixture.cases[name];
      const m = BUILD[name]();
      const sd: Record<string, L.Tensor> = {};
      for (const [k, e] of Object.entries(c.state)) sd[k] = dec(e, k.endsWith('num_batches_tracked') ? 'int32' : 'float32');
      m.loadStateDict(sd);
      const y = m.call(dec(c.input, 'float32'));
      expect(y.dtype).toBe('float32');
      expectClose(y, c.output, `${name} float32 output`, 2e-5);
    }
  });
});
