/** The multivariate normal distribution, as torch.distributions.MultivariateNormal. */
import { ArgumentError, ShapeError } from '../errors';
import { add, mul, sub } from '../ops/binary';
import { eye, randn } from '../ops/creation';
import { matmul } from '../ops/matmul';
import { sum } from '../ops/reduce';
import { squeeze, transpose, unsqueeze } from '../ops/shape';
import { to } from '../ops/cast';
import { log, square } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, constraints } from './constraints';
import { Distribution, type DistributionOptions, expandParam } from './distribution';
import { batchMahalanobis, cholesky, diagonal, flipMatrix, solveLowerTriangular } from './linalg';
import { broadcastParams, broadcastParamShapes, type FloatDType } from './utils';

const LOG_2PI = Math.log(2 * Math.PI);

/** The matrix parameter of a MultivariateNormal: exactly one of the three. @example `{ scaleTril: L }` */
export interface MultivariateNormalOptions extends DistributionOptions {
  /** The covariance, symmetric positive-definite, [..., n, n]. */
  covarianceMatrix?: Tensor;
  /** The inverse covariance, symmetric positive-definite, [..., n, n]. */
  precisionMatrix?: Tensor;
  /** A lower-triangular factor with positive diagonal, covariance = L L^T, [..., n, n]. */
  scaleTril?: Tensor;
}

/**
 * N(loc, Sigma) over vectors of size n: event shape [n], batch shape the broadcast of loc's
 * leading dims and the matrix's. Sigma is given as covarianceMatrix, precisionMatrix or scaleTril;
 * the first two are factorised by a Cholesky written with ops (differentiable, O(n) steps: for
 * n up to some hundreds). rsample is loc + L eps.
 * @example
 * const d = new MultivariateNormal(zeros([2]), { covarianceMatrix: tensor([[1, 0.5], [0.5, 2]]) });
 * d.logProb(tensor([0.3, -0.2]));
 * d.rsample([100]);    // [100, 2]
 */
export class MultivariateNormal extends Distribution {
  /** The mean, batchShape + [n]. */
  readonly loc: Tensor;
  /** L with Sigma = L L^T, not broadcast to the batch: its own [..., n, n]. */
  readonly unbroadcastedScaleTril: Tensor;
  private readonly given: { kind: 'covarianceMatrix' | 'precisionMatrix' | 'scaleTril'; value: Tensor };

  constructor(loc: Tensor, opts: MultivariateNormalOptions) {
    const name = 'MultivariateNormal';
    const kinds = (['covarianceMatrix', 'precisionMatrix', 'scaleTril'] as const).filter((k) => opts?.[k] !== undefined);
    if (kinds.length !== 1) {
      throw new ArgumentError(`${name}: give exactly one of covarianceMatrix, precisionMatrix and scaleTril, got ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`);
    }
    const kind = kinds[0];
    const l0 = broadcastParams(name, [['loc', loc]]);
    const m0 = broadcastParams(name, [[kind, opts[kind]!]]);
    if (l0.tensors[0].ndim < 1) throw new ShapeError(`${name}: loc must have at least one dim (the event), got ${l0.tensors[0].describe()}`);
    const dtype: FloatDType = l0.dtype === 'float64' || m0.dtype === 'float64' ? 'float64' : 'float32';
    const locT = to(l0.tensors[0], dtype);
    const mat = to(m0.tensors[0], dtype);
    const n = locT.shape[locT.ndim - 1];
    if (mat.ndim < 2 || mat.shape[mat.ndim - 1] !== mat.shape[mat.ndim - 2]) {
      throw new ShapeError(`${name}: ${kind} must be square matrices [..., n, n] with optional batch dims, got ${mat.describe()}`);
    }
    if (mat.shape[mat.ndim - 1] !== n) {
      throw new ShapeError(`${name}: ${kind} ${mat.describe()} is ${mat.shape[mat.ndim - 1]}x${mat.shape[mat.ndim - 1]} but loc ${locT.describe()} has event size ${n}`);
    }
    const batch = broadcastParamShapes(name, locT.shape.slice(0, -1), `the batch dims of loc ${locT.describe()}`, mat.shape.slice(0, -2), `the batch dims of ${kind} ${mat.describe()}`);
    super(batch, [n], opts);
    this.loc = expandParam(locT, batch, 1);
    this.given = { kind, value: mat };
    this.checkArgs({ loc: this.loc, [kind]: mat });
    if (kind === 'scaleTril') this.unbroadcastedScaleTril = mat;
    else if (kind === 'covarianceMatrix') this.unbroadcastedScaleTril = cholesky(`${name}: covarianceMatrix ${mat.describe()}`, symmetrize(mat));
    else this.unbroadcastedScaleTril = precisionToScaleTril(`${name}: precisionMatrix ${mat.describe()}`, symmetrize(mat));
  }

  override get distName(): string { return 'MultivariateNormal'; }
  get argConstraints(): Record<string, Constraint> {
    return { loc: constraints.realVector, covarianceMatrix: constraints.symmetric, precisionMatrix: constraints.symmetric, scaleTril: constraints.lowerCholesky };
  }
  get support(): Constraint { return constraints.realVector; }
  override get hasRsample(): boolean { return true; }
  protected override get dtype(): FloatDType { return this.loc.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.loc.device; }
  private get n(): number { return this.eventShape[0]; }

  /** L with Sigma = L L^T, batchShape + [n, n]. */
  get scaleTril(): Tensor { return expandParam(this.unbroadcastedScaleTril, this.batchShape, 2); }
  /** Sigma = L L^T, batchShape + [n, n] (the given tensor when it was given). */
  get covarianceMatrix(): Tensor {
    if (this.given.kind === 'covarianceMatrix') return expandParam(this.given.value, this.batchShape, 2);
    const l = this.unbroadcastedScaleTril;
    return expandParam(matmul(l, transpose(l, -1, -2)), this.batchShape, 2);
  }
  /** Sigma^-1 = L^-T L^-1, batchShape + [n, n] (the given tensor when it was given). */
  get precisionMatrix(): Tensor {
    if (this.given.kind === 'precisionMatrix') return expandParam(this.given.value, this.batchShape, 2);
    const linv = solveLowerTriangular(this.unbroadcastedScaleTril, eye(this.n, this.n, { dtype: this.dtype }));
    return expandParam(matmul(transpose(linv, -1, -2), linv), this.batchShape, 2);
  }

  override get mean(): Tensor { return this.loc; }
  override get mode(): Tensor { return this.loc; }
  /** The diagonal of Sigma: the row sums of L^2, batchShape + [n]. */
  override get variance(): Tensor {
    return expandParam(sum(square(this.unbroadcastedScaleTril), -1), this.batchShape, 1);
  }

  override rsample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('rsample', sampleShape);
    const eps = randn(shape, { dtype: this.dtype, device: this.device });
    return add(this.loc, squeeze(matmul(this.unbroadcastedScaleTril, unsqueeze(eps, -1)), -1));
  }

  /** -0.5 (n log 2 pi + |L^-1 (x - loc)|^2) - sum log diag L. */
  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    const m = batchMahalanobis(this.unbroadcastedScaleTril, sub(v, this.loc));
    const halfLogDet = sum(log(diagonal(this.unbroadcastedScaleTril)), -1);
    return sub(mul(add(m, this.n * LOG_2PI), -0.5), halfLogDet);
  }

  /** 0.5 n (1 + log 2 pi) + sum log diag L, batchShape. */
  override entropy(): Tensor {
    const halfLogDet = sum(log(diagonal(this.unbroadcastedScaleTril)), -1);
    const h = add(halfLogDet, 0.5 * this.n * (1 + LOG_2PI));
    return expandParam(h, this.batchShape);
  }

  override expand(batchShape: number[]): MultivariateNormal {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, { loc: expandParam(this.loc, batchShape, 1), unbroadcastedScaleTril: this.unbroadcastedScaleTril, given: this.given });
  }

  override toString(): string {
    return `MultivariateNormal(loc: ${this.loc.describe()}, ${this.given.kind}: ${this.given.value.describe()})`;
  }
}

/**
 * (M + M^T) / 2: the same matrix when M is symmetric, but the Cholesky factorisation then reads
 * both triangles, so the gradient w.r.t. M is symmetric (as PyTorch's cholesky backward makes it)
 * instead of all on the lower triangle.
 */
function symmetrize(m: Tensor): Tensor {
  return mul(add(m, transpose(m, -1, -2)), 0.5);
}

/**
 * The Cholesky factor of P^-1 without inverting P: with Lf the Cholesky factor of flip(P),
 * L^-1 = flip(Lf)^T is lower triangular, and L = solve(L^-1, I) (PyTorch's _precision_to_scale_tril).
 */
function precisionToScaleTril(who: string, p: Tensor): Tensor {
  const n = p.shape[p.ndim - 1];
  const lf = cholesky(who, flipMatrix(p));
  const lInv = transpose(flipMatrix(lf), -1, -2);
  return solveLowerTriangular(lInv, eye(n, n, { dtype: p.dtype as FloatDType }));
}
