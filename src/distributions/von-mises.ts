/** The von Mises distribution, as torch.distributions.VonMises. */
import { noGrad } from '../autograd/api';
import { add, div, ge, gt, logicalAnd, logicalOr, lt, mul, sub, where } from '../ops/binary';
import { to } from '../ops/cast';
import { rand, zeros } from '../ops/creation';
import { remainder } from '../ops/elementwise-extra';
import { expand as expandOp } from '../ops/shape';
import { acosUnrecorded } from '../ops/special';
import { anyTrue, polyAscending } from '../ops/special-util';
import { abs, cos, exp, log, logicalNot, sign, sqrt, square } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { constraints } from './constraints';
import { Distribution, type DistributionOptions, expandParam } from './distribution';
import { broadcastParams, type FloatDType, type Param } from './utils';

// PyTorch's log I0 and log I1 (Abramowitz and Stegun 9.8.1-9.8.4: polynomials in (x/3.75)^2 below
// 3.75 and in 3.75/x above, ~1e-7 relative), kept so that logProb and variance are PyTorch's.
const I0_SMALL = [1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2];
const I0_LARGE = [0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2, -0.2057706e-1, 0.2635537e-1, -0.1647633e-1, 0.392377e-2];
const I1_SMALL = [0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2, 0.32411e-3];
const I1_LARGE = [0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1, 0.2282967e-1, -0.2895312e-1, 0.1787654e-1, -0.420059e-2];

/** log I_order(x) for x > 0, order 0 or 1, PyTorch's _log_modified_bessel_fn. */
function logModifiedBessel(x: Tensor, order: 0 | 1): Tensor {
  const smallPoly = polyAscending(square(div(x, 3.75)), order === 0 ? I0_SMALL : I1_SMALL);
  const small = log(order === 1 ? mul(abs(x), smallPoly) : smallPoly);
  const large = add(sub(x, mul(log(x), 0.5)), log(polyAscending(div(3.75, x), order === 0 ? I0_LARGE : I1_LARGE)));
  return where(lt(x, 3.75), small, large);
}

/**
 * Draws (no gradient) by Best and Fisher's rejection method (1979), as PyTorch: in float64, each
 * round drawing three uniforms per element and keeping accepted proposals; the result wrapped to
 * [-pi, pi) around loc and cast to dtype.
 */
function drawVonMises(loc: Tensor, concentration: Tensor, dtype: FloatDType): Tensor {
  const kappa = to(concentration, 'float64'), mu = to(loc, 'float64');
  const shape = kappa.shape, device = kappa.device;
  const tau = add(sqrt(add(mul(square(kappa), 4), 1)), 1);
  const rho = div(sub(tau, sqrt(mul(tau, 2))), mul(kappa, 2));
  // Its second-order Taylor expansion 1/kappa + kappa for small kappa.
  const r = where(lt(kappa, 1e-5), add(div(1, kappa), kappa), div(add(square(rho), 1), mul(rho, 2)));
  let x = zeros(shape, { dtype: 'float64', device });
  let pending = ge(kappa, 0);
  for (let round = 0; anyTrue(pending); round++) {
    if (round > 10000) throw new Error('VonMises.sample: no acceptance after 10000 rounds');
    const [u1, u2, u3] = [0, 1, 2].map(() => rand(shape, { dtype: 'float64', device }));
    const z = cos(mul(u1, Math.PI));
    const f = div(add(mul(r, z), 1), add(r, z));
    const c = mul(kappa, sub(r, f));
    const accept = logicalOr(gt(sub(mul(c, sub(2, c)), u2), 0), ge(sub(add(log(div(c, u2)), 1), c), 0));
    x = where(accept, mul(sign(sub(u3, 0.5)), acosUnrecorded(f)), x);
    pending = logicalAnd(pending, logicalNot(accept));
  }
  return to(sub(remainder(add(add(x, Math.PI), mu), 2 * Math.PI), Math.PI), dtype);
}

/**
 * VonMises(loc, concentration): the circular normal distribution on angles, density
 * exp(kappa cos(x - loc)) / (2 pi I0(kappa)). loc and values are any reals, read modulo 2 pi.
 * mean and mode are loc, variance the circular one, 1 - I1(kappa) / I0(kappa). sample is Best and
 * Fisher's rejection method on the default Philox generator (no rsample, as PyTorch). log I0 and
 * log I1 are PyTorch's polynomial approximations (~1e-7 relative).
 * @example
 * const d = new VonMises(tensor([0, 1.5]), tensor([1, 10]));
 * d.logProb(tensor([0.2, 1.4]));
 * d.sample([100]);                 // [100, 2] in [-pi, pi)
 */
export class VonMises extends Distribution {
  /** The mean direction, of shape batchShape. */
  readonly loc: Tensor;
  /** The concentration kappa (> 0), of shape batchShape. */
  readonly concentration: Tensor;

  constructor(loc: Param, concentration: Param, opts?: DistributionOptions) {
    const p = broadcastParams('VonMises', [['loc', loc], ['concentration', concentration]]);
    super(p.shape, [], opts);
    [this.loc, this.concentration] = p.tensors;
    this.checkArgs({ loc: this.loc, concentration: this.concentration });
  }

  override get distName(): string { return 'VonMises'; }
  get argConstraints(): Record<string, typeof constraints.real> { return { loc: constraints.real, concentration: constraints.positive }; }
  get support(): typeof constraints.real { return constraints.real; }
  protected override get dtype(): FloatDType { return this.loc.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.loc.device; }

  /** The circular mean, loc. */
  override get mean(): Tensor { return this.loc; }
  override get mode(): Tensor { return this.loc; }
  /** The circular variance 1 - I1(kappa) / I0(kappa). */
  override get variance(): Tensor {
    return sub(1, exp(sub(logModifiedBessel(this.concentration, 1), logModifiedBessel(this.concentration, 0))));
  }

  override sample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('sample', sampleShape);
    return noGrad(() => drawVonMises(expandOp(this.loc, shape), expandOp(this.concentration, shape), this.dtype));
  }

  /** kappa cos(x - loc) - log(2 pi) - log I0(kappa). */
  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    return sub(sub(mul(this.concentration, cos(sub(v, this.loc))), Math.log(2 * Math.PI)), logModifiedBessel(this.concentration, 0));
  }

  override expand(batchShape: number[]): this {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, { loc: expandParam(this.loc, batchShape), concentration: expandParam(this.concentration, batchShape) });
  }
}
