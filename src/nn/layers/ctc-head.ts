/** CtcHead: the output layer of a CTC model, with a blank-bias initialisation option. */
import { noGrad } from '../../autograd/api';
import { ArgumentError, fmtArg } from '../../errors';
import { logSoftmax } from '../../ops/softmax';
import type { Tensor } from '../../tensor/tensor';
import { reprArgs } from '../module';
import { Linear } from './linear';
import type { FactoryOptions } from './common';

export interface CtcHeadOptions extends FactoryOptions {
  /** The blank class (default 0). */
  blank?: number;
  /**
   * Initial bias of the blank logit (default: Linear's random init). CTC
   * training first converges to emitting only blanks and often stalls there;
   * starting the blank at its prior skips that phase. With C classes and the
   * other logits near 0, blankBias = log(p (C − 1) / (1 − p)) gives the blank
   * a starting probability p (e.g. 3 for p ≈ 0.7 with 9 classes). Measured in
   * examples/ctc-blank-stall.ts.
   */
  blankBias?: number;
}

/**
 * A Linear layer to the classes (blank included) followed by logSoftmax over
 * the last dim: [..., in] → log-probabilities [..., classes], what ctcLoss takes.
 * @example `const head = new nn.CtcHead(96, 9, { blank: 0, blankBias: -2 }); const logProbs = head.call(h)`
 */
export class CtcHead extends Linear {
  readonly blank: number;

  constructor(inFeatures: number, classes: number, opts: CtcHeadOptions = {}) {
    super(inFeatures, classes, { dtype: opts.dtype, generator: opts.generator });
    const blank = opts.blank ?? 0;
    if (!Number.isInteger(blank) || blank < 0 || blank >= classes) throw new ArgumentError(`CtcHead: blank must be a class index in [0, ${classes}), got ${fmtArg(opts.blank)}`);
    this.blank = blank;
    if (opts.blankBias !== undefined) {
      if (typeof opts.blankBias !== 'number' || !Number.isFinite(opts.blankBias)) throw new ArgumentError(`CtcHead: blankBias must be a finite number, got ${fmtArg(opts.blankBias)}`);
      const bias = this.bias!;
      noGrad(() => { (bias.values as Float32Array | Float64Array)[blank] = opts.blankBias!; });
    }
  }

  override forward(x: Tensor): Tensor {
    return logSoftmax(super.forward(x), -1);
  }

  protected override extraRepr(): string {
    return `${super.extraRepr()}, ${reprArgs([['blank', this.blank]])}`;
  }
}
