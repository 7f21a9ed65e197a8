/** Dropout, Dropout2d and StochasticDepth/DropPath: active in training mode, identity in eval. */
import { ArgumentError, fmtArg } from '../../errors';
import type { Tensor } from '../../tensor/tensor';
import { dropout, dropout2d, stochasticDepth, type StochasticDepthMode } from '../functional';
import { Module, reprArgs } from '../module';
import { probability } from './common';

/**
 * Zeroes elements with probability p while training, scaling the rest by 1/(1-p).
 * @example `new nn.Dropout(0.1)`
 */
export class Dropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    this.p = probability('Dropout', 'p', p);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training });
  }
  protected override extraRepr(): string {
    return reprArgs([['p', this.p]]);
  }
}

/**
 * Zeroes whole channels of [N, C, H, W] (or [C, H, W]) with probability p while training.
 * @example `new nn.Dropout2d(0.2)`
 */
export class Dropout2d extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    this.p = probability('Dropout2d', 'p', p);
  }
  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, { training: this.training });
  }
  protected override extraRepr(): string {
    return reprArgs([['p', this.p]]);
  }
}

/**
 * Drops a residual branch per sample ('row') or per batch ('batch') with probability p while
 * training, scaling survivors by 1/(1-p) (torchvision's StochasticDepth).
 * @example `new nn.Residual(new nn.Sequential(block, new nn.StochasticDepth(0.1, 'row')))`
 */
export class StochasticDepth extends Module {
  readonly p: number;
  readonly mode: StochasticDepthMode;
  constructor(p: number, mode: StochasticDepthMode = 'row') {
    super();
    this.p = probability(new.target.name, 'p', p);
    if (mode !== 'row' && mode !== 'batch') throw new ArgumentError(`${new.target.name}: mode must be 'row' or 'batch', got '${fmtArg(mode)}'`);
    this.mode = mode;
  }
  forward(x: Tensor): Tensor {
    return stochasticDepth(x, this.p, this.mode, { training: this.training });
  }
  protected override extraRepr(): string {
    return reprArgs([['p', this.p], ['mode', this.mode]]);
  }
}

/**
 * timm's name for per-sample stochastic depth: StochasticDepth(p, 'row').
 * @example `new nn.DropPath(0.1)`
 */
export class DropPath extends StochasticDepth {
  constructor(p = 0) {
    super(p, 'row');
  }
}
