/** Bad options and parameters give clear errors naming the optimizer, the option and its value. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, DTypeError, optim } from '../../src/index';

const p = () => L.tensor([1, 2]).requiresGrad_();

describe('optimizer argument checks', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['negative lr', () => new optim.SGD([p()], { lr: -0.1 }), /^SGD: lr must be >= 0, got -0.1$/],
    ['NaN lr', () => new optim.Adam([p()], { lr: NaN }), /^Adam: lr must be a finite number, got NaN$/],
    ['beta1 = 1', () => new optim.Adam([p()], { betas: [1, 0.999] }), /^Adam: betas\[0\] must be < 1, got 1$/],
    ['negative beta2', () => new optim.AdamW([p()], { betas: [0.9, -0.1] }), /^AdamW: betas\[1\] must be >= 0, got -0.1$/],
    ['betas not a pair', () => new optim.Adam([p()], { betas: [0.9] as never }), /^Adam: betas must be a pair \[beta1, beta2\], got \[0.9\]$/],
    ['negative eps', () => new optim.Adam([p()], { eps: -1e-8 }), /^Adam: eps must be >= 0, got -1e-8$/],
    ['negative weight decay', () => new optim.AdamW([p()], { weightDecay: -0.01 }), /^AdamW: weightDecay must be >= 0, got -0.01$/],
    ['negative momentum', () => new optim.SGD([p()], { momentum: -0.9 }), /^SGD: momentum must be >= 0, got -0.9$/],
    ['nesterov without momentum', () => new optim.SGD([p()], { nesterov: true }), /^SGD: nesterov needs momentum > 0 and dampening 0 \(momentum is 0, dampening 0\), got true$/],
    ['rmsprop alpha > 1', () => new optim.RMSprop([p()], { alpha: 1.5 }), /^RMSprop: alpha must be <= 1, got 1.5$/],
    ['rmsprop centered not boolean', () => new optim.RMSprop([p()], { centered: 1 as never }), /^RMSprop: centered must be true or false, got 1$/],
    ['adagrad negative lrDecay', () => new optim.Adagrad([p()], { lrDecay: -1 }), /^Adagrad: lrDecay must be >= 0, got -1$/],
    ['adagrad negative accumulator', () => new optim.Adagrad([p()], { initialAccumulatorValue: -1 }), /^Adagrad: initialAccumulatorValue must be >= 0, got -1$/],
    ['lbfgs bad line search', () => new optim.LBFGS([p()], { lineSearchFn: 'armijo' as never }), /^LBFGS: lineSearchFn must be 'strongWolfe' or null, got 'armijo'$/],
    ['lbfgs maxIter 0', () => new optim.LBFGS([p()], { maxIter: 0 }), /^LBFGS: maxIter must be >= 1, got 0$/],
    ['lbfgs fractional historySize', () => new optim.LBFGS([p()], { historySize: 2.5 }), /^LBFGS: historySize must be an integer, got 2.5$/],
    ['lbfgs groups', () => new optim.LBFGS([{ params: [p()] }, { params: [p()] }]), /^LBFGS: doesn't support per-parameter options/],
    ['clipNorm 0', () => new optim.SGD([p()], { clipNorm: 0 }), /^SGD: clipNorm must be > 0, got 0$/],
    ['clipValue negative', () => new optim.Adam([p()], { clipValue: -1 }), /^Adam: clipValue must be > 0, got -1$/],
    ['empty params', () => new optim.Adam([]), /^Adam: got an empty parameter list$/],
    ['empty group', () => new optim.Adam([{ params: [] }]), /^Adam: paramGroups\[0\] has an empty parameter list$/],
    ['single tensor', () => new optim.SGD(p() as never), /^SGD: params must be an iterable of Tensors, got a single Tensor float32\[2\]; wrap it in an array$/],
    ['not iterable', () => new optim.SGD(5 as never), /^SGD: params must be an iterable of Tensors or of parameter groups, got 5$/],
    ['non-tensor entry', () => new optim.SGD([{ params: [p(), 3 as never] }]), /^SGD: paramGroups\[0\]\.params\[1\] must be a Tensor, got 3$/],
    ['group bad lr', () => new optim.SGD([{ params: [p()] }, { params: [p()], lr: -1 }], { lr: 0.1 }), /^SGD: lr must be >= 0, got -1 \(in paramGroups\[1\]\)$/],
  ];
  for (const [what, fn, re] of cases) {
    it(what, () => {
      expect(fn).toThrow(ArgumentError);
      expect(fn).toThrow(re);
    });
  }

  it('duplicate parameters across groups and within a group', () => {
    const a = p(), b = p();
    expect(() => new optim.Adam([{ params: [a, b] }, { params: [b] }])).toThrow(/^Adam: some parameters appear in more than one parameter group \(a float32\[2\] is in paramGroups\[0\] and paramGroups\[1\]\)$/);
    expect(() => new optim.Adam([a, b, a])).toThrow(/^Adam: paramGroups\[0\] contains the same parameter twice \(params\[2\], float32\[2\]\)$/);
    const opt = new optim.SGD([a]);
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(/more than one parameter group/);
  });

  it('non-leaf, integer and disposed parameters', () => {
    const a = p();
    expect(() => new optim.SGD([L.mul(a, 2)])).toThrow(/^SGD: can't optimize a non-leaf Tensor/);
    expect(() => new optim.SGD([L.tensor([1, 2], { dtype: 'int32' })])).toThrow(DTypeError);
    const d = p();
    d.dispose();
    expect(() => new optim.SGD([d])).toThrow(/was disposed/);
  });

  it('a gradient of the wrong shape or dtype fails the step and leaves the parameters untouched', () => {
    const a = p(), b = p();
    const opt = new optim.Adam([a, b]);
    a.grad = L.tensor([1, 1]);
    b.grad = L.tensor([1, 2, 3]);
    expect(() => opt.step()).toThrow(/^Adam: a parameter is float32\[2\] but its gradient is float32\[3\]$/);
    expect(Array.from(a.values)).toEqual([1, 2]);
    b.grad = L.tensor([1, 2], { dtype: 'float64' });
    expect(() => opt.step()).toThrow(DTypeError);
  });

  it('LBFGS needs a closure; a non-function closure is rejected', () => {
    const opt = new optim.LBFGS([p()]);
    expect(() => opt.step()).toThrow(/^LBFGS.step: needs a closure/);
    expect(() => new optim.SGD([p()]).step(42 as never)).toThrow(/^SGD.step: closure must be a function, got 42$/);
  });
});
