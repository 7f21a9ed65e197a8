/** nn.utils.parametersToVector / vectorToParameters (torch.nn.utils's), and weight-space interpolation with them. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, DTypeError, ShapeError, nn } from '../../src/index';

function mlp(seed: number) {
  L.manualSeed(seed);
  return new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
}

describe('nn.utils.parametersToVector / vectorToParameters', () => {
  it('flattens in parameter order and writes back exactly', () => {
    const m = mlp(0);
    const v = nn.utils.parametersToVector(m.parameters());
    expect(v.shape).toEqual([3 * 4 + 4 + 4 * 2 + 2]);
    const expected = m.parameters().flatMap((p) => Array.from(p.values));
    expect(Array.from(v.values)).toEqual(expected);
    const other = mlp(1);
    nn.utils.vectorToParameters(v, other.parameters());
    expect(other.parameters().flatMap((p) => Array.from(p.values))).toEqual(expected);
    const x = L.randn([5, 3]);
    expect(Array.from(other.call(x).values)).toEqual(Array.from(m.call(x).values));
  });

  it('the vector is differentiable with respect to the parameters', () => {
    const m = mlp(0);
    L.backward(nn.utils.parametersToVector(m.parameters()).square().sum());
    for (const p of m.parameters()) expect(Array.from(p.grad!.values)).toEqual(Array.from(p.values, (x) => 2 * x));
  });

  it('interpolates two models in weight space', () => {
    const a = mlp(0), b = mlp(1), mid = mlp(2);
    const va = nn.utils.parametersToVector(a.parameters()), vb = nn.utils.parametersToVector(b.parameters());
    nn.utils.vectorToParameters(L.noGrad(() => va.add(vb).mul(0.5)), mid.parameters());
    mid.parameters().forEach((p, i) => Array.from(p.values).forEach((x, k) => {
      expect(x).toBeCloseTo((a.parameters()[i].values[k] + b.parameters()[i].values[k]) / 2, 6);
    }));
  });

  it('rejects a wrong length, dtype or argument, writing nothing', () => {
    const m = mlp(0);
    const before = m.parameters().flatMap((p) => Array.from(p.values));
    expect(() => nn.utils.vectorToParameters(L.zeros([25]), m.parameters())).toThrow(ShapeError);
    expect(() => nn.utils.vectorToParameters(L.zeros([25]), m.parameters())).toThrow(/vectorToParameters: vector is float32\[25\] but the 4 parameters hold 26 values/);
    expect(() => nn.utils.vectorToParameters(L.zeros([26], { dtype: 'float64' }), m.parameters())).toThrow(DTypeError);
    expect(() => nn.utils.parametersToVector(3 as never)).toThrow(ArgumentError);
    expect(() => nn.utils.parametersToVector([])).toThrow(/no parameters given/);
    expect(() => nn.utils.parametersToVector([L.zeros([2]), L.zeros([2], { dtype: 'float64' })])).toThrow(/parameters\[1\] is float64\[2\] but parameters\[0\] is float32\[2\]/);
    expect(m.parameters().flatMap((p) => Array.from(p.values))).toEqual(before);
  });
});
