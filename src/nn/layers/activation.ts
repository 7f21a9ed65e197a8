/** Activation modules: thin wrappers over the functional ops, with PyTorch's defaults. */
import { ArgumentError, fmtArg } from '../../errors';
import { logSoftmax, softmax } from '../../ops/softmax';
import { elu, gelu, leakyRelu, relu, sigmoid, silu, softplus, tanh } from '../../ops/unary';
import type { Tensor } from '../../tensor/tensor';
import { Module, reprArgs } from '../module';
import { finiteOption } from './common';


/** max(x, 0). @example `new nn.ReLU()` */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** x for x >= 0, negativeSlope · x below (default 0.01). @example `new nn.LeakyReLU(0.2)` */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = finiteOption('LeakyReLU', 'negativeSlope', negativeSlope);
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  protected override extraRepr(): string {
    return reprArgs([['negativeSlope', this.negativeSlope]]);
  }
}

/** x for x > 0, alpha (eˣ - 1) below (default alpha 1). @example `new nn.ELU()` */
export class ELU extends Module {
  readonly alpha: number;
  constructor(alpha = 1.0) {
    super();
    this.alpha = finiteOption('ELU', 'alpha', alpha);
  }
  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
  protected override extraRepr(): string {
    return reprArgs([['alpha', this.alpha]]);
  }
}

/** x Φ(x), or its tanh approximation. @example `new nn.GELU({ approximate: 'tanh' })` */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(opts?: { approximate?: 'none' | 'tanh' }) {
    super();
    const a = opts?.approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') throw new ArgumentError(`GELU: approximate must be 'none' or 'tanh', got '${fmtArg(a)}'`);
    this.approximate = a;
  }
  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
  protected override extraRepr(): string {
    return reprArgs([['approximate', this.approximate]]);
  }
}

/** x · sigmoid(x) (swish). @example `new nn.SiLU()` */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** tanh. @example `new nn.Tanh()` */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** 1 / (1 + e⁻ˣ). @example `new nn.Sigmoid()` */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** log(1 + e^{βx}) / β, linear above threshold (defaults β 1, threshold 20). @example `new nn.Softplus({ beta: 2 })` */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  constructor(opts?: { beta?: number; threshold?: number }) {
    super();
    this.beta = finiteOption('Softplus', 'beta', opts?.beta ?? 1);
    this.threshold = finiteOption('Softplus', 'threshold', opts?.threshold ?? 20);
    if (this.beta === 0) throw new ArgumentError('Softplus: beta must be non-zero');
  }
  forward(x: Tensor): Tensor {
    return softplus(x, { beta: this.beta, threshold: this.threshold });
  }
  protected override extraRepr(): string {
    return reprArgs([['beta', this.beta], ['threshold', this.threshold]]);
  }
}

function dimArg(layer: string, dim: unknown): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new ArgumentError(`${layer}: dim must be an integer (PyTorch's implicit dim is deprecated), got ${fmtArg(dim)}`);
  return dim;
}

/** Softmax along `dim`. @example `new nn.Softmax(-1)` */
export class Softmax extends Module {
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = dimArg('Softmax', dim);
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
  protected override extraRepr(): string {
    return reprArgs([['dim', this.dim]]);
  }
}

/** log(softmax(x)) along `dim`, computed stably. @example `new nn.LogSoftmax(1)` */
export class LogSoftmax extends Module {
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = dimArg('LogSoftmax', dim);
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
  protected override extraRepr(): string {
    return reprArgs([['dim', this.dim]]);
  }
}
