/**
 * MobileNetV2 (Sandler et al. 2018) with torchvision's module names, so its state dict
 * loads unchanged: features.0 (stem conv-BN-ReLU6), features.1-17 (inverted residual
 * blocks, `conv` inside), features.18 (1x1 conv to 1280), classifier.1 (Linear).
 */
import { ArgumentError, fmtArg } from '../errors';
import { add } from '../ops/binary';
import { adaptiveAvgPool2d } from '../ops/pool';
import { flatten } from '../ops/shape';
import type { Tensor } from '../tensor/tensor';
import * as init from '../nn/init';
import { Module } from '../nn/module';
import { Sequential } from '../nn/containers';
import { Conv2d } from '../nn/layers/conv';
import { BatchNorm2d } from '../nn/layers/normalization';
import { Linear } from '../nn/layers/linear';
import { Dropout } from '../nn/layers/dropout';
import { ReLU6 } from '../nn/layers/relu6';
import type { FactoryOptions } from '../nn/layers/common';

/** torchvision's _make_divisible: the nearest multiple of `divisor`, never below 90% of v. */
function makeDivisible(v: number, divisor: number): number {
  let out = Math.max(divisor, Math.floor(v + divisor / 2) - (Math.floor(v + divisor / 2) % divisor));
  if (out < 0.9 * v) out += divisor;
  return out;
}

/** torchvision's Conv2dNormActivation: conv (no bias), BatchNorm, ReLU6 as children 0, 1, 2. */
function convBnRelu6(cin: number, cout: number, k: number, stride: number, groups: number, opts: FactoryOptions): Sequential {
  return new Sequential(
    new Conv2d(cin, cout, k, { stride, padding: (k - 1) >> 1, groups, bias: false, ...opts }),
    new BatchNorm2d(cout, { dtype: opts.dtype }),
    new ReLU6(),
  );
}

/**
 * The inverted residual block: 1x1 expansion (unless expandRatio is 1), 3x3 depthwise (strided),
 * 1x1 linear projection; a residual connection when the shape is kept.
 * @example `new models.InvertedResidual(32, 16, 1, 1)`
 */
export class InvertedResidual extends Module {
  readonly useResConnect: boolean;
  conv: Sequential;

  constructor(inp: number, oup: number, stride: number, expandRatio: number, opts: FactoryOptions = {}) {
    super();
    if (stride !== 1 && stride !== 2) throw new ArgumentError(`InvertedResidual: stride must be 1 or 2, got ${stride}`);
    const hidden = Math.round(inp * expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    const layers: Module[] = [];
    if (expandRatio !== 1) layers.push(convBnRelu6(inp, hidden, 1, 1, 1, opts));
    layers.push(convBnRelu6(hidden, hidden, 3, stride, hidden, opts));
    layers.push(new Conv2d(hidden, oup, 1, { bias: false, ...opts }), new BatchNorm2d(oup, { dtype: opts.dtype }));
    this.conv = new Sequential(...(layers as Sequential[]));
  }

  forward(x: Tensor): Tensor {
    const y = this.conv.call(x);
    return this.useResConnect ? add(x, y) : y;
  }
}

/** Options of `mobilenetV2`. @example `models.mobilenetV2({ numClasses: 10, widthMult: 0.5 })` */
export interface MobileNetV2Options extends FactoryOptions {
  /** Outputs of classifier.1 (default 1000). */
  numClasses?: number;
  /** Channel multiplier (default 1). */
  widthMult?: number;
  /** Dropout before the classifier (default 0.2). */
  dropout?: number;
  /**
   * The stages as torchvision's `inverted_residual_setting`: rows [t, c, n, s] (expansion, channels,
   * repeats, first stride); default the paper's table 2 (seven rows, 16 to 320 channels).
   */
  invertedResidualSetting?: number[][];
  /** Channel counts are rounded to multiples of this (torchvision's `round_nearest`, default 8). */
  roundNearest?: number;
}

/**
 * MobileNetV2 as torchvision builds it: input [N, 3, H, W], output [N, numClasses].
 * @example const net = models.mobilenetV2({ numClasses: 10 }); const logits = net.call(images)
 */
export class MobileNetV2 extends Module {
  features: Sequential;
  classifier: Sequential;

  constructor(opts: MobileNetV2Options = {}) {
    super();
    const numClasses = opts.numClasses ?? 1000, widthMult = opts.widthMult ?? 1;
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new ArgumentError(`MobileNetV2: numClasses must be a positive integer, got ${fmtArg(numClasses)}`);
    if (!(typeof widthMult === 'number' && widthMult > 0)) throw new ArgumentError(`MobileNetV2: widthMult must be a positive number, got ${fmtArg(widthMult)}`);
    const factory: FactoryOptions = { dtype: opts.dtype, generator: opts.generator };
    // t (expansion), c (channels), n (repeats), s (first stride): the paper's table 2.
    const setting = opts.invertedResidualSetting ?? [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
    // t may be fractional (hidden width = round(inp * t)); c and n are counts; InvertedResidual checks s.
    const badRow = (row: unknown): boolean => !Array.isArray(row) || row.length !== 4 || !(typeof row[0] === 'number' && row[0] > 0) || !row.slice(1, 3).every((v) => Number.isInteger(v) && v > 0);
    if (!Array.isArray(setting) || setting.length === 0 || setting.some(badRow)) {
      throw new ArgumentError(`MobileNetV2: invertedResidualSetting must be a non-empty list of [t, c, n, s] rows (t > 0, c and n positive integers), got ${JSON.stringify(setting)}`);
    }
    const divisor = opts.roundNearest ?? 8;
    if (!Number.isInteger(divisor) || divisor < 1) throw new ArgumentError(`MobileNetV2: roundNearest must be a positive integer, got ${fmtArg(divisor)}`);
    let input = makeDivisible(32 * widthMult, divisor);
    const last = makeDivisible(1280 * Math.max(1, widthMult), divisor);
    const layers: Module[] = [convBnRelu6(3, input, 3, 2, 1, factory)];
    for (const [t, c, n, s] of setting) {
      const output = makeDivisible(c * widthMult, divisor);
      for (let i = 0; i < n; i++) {
        layers.push(new InvertedResidual(input, output, i === 0 ? s : 1, t, factory));
        input = output;
      }
    }
    layers.push(convBnRelu6(input, last, 1, 1, 1, factory));
    this.features = new Sequential(...(layers as Sequential[]));
    this.classifier = new Sequential(new Dropout(opts.dropout ?? 0.2), new Linear(last, numClasses, factory));
    // torchvision's init: Kaiming-normal (fan out) convs, BatchNorm 1/0, Linear N(0, 0.01) and zero bias.
    for (const m of this.modules()) {
      if (m instanceof Conv2d) init.kaimingNormal(m.weight, { mode: 'fanOut', generator: opts.generator });
      else if (m instanceof Linear) {
        init.normal(m.weight, { mean: 0, std: 0.01, generator: opts.generator });
        if (m.bias) init.zeros(m.bias);
      }
    }
  }

  forward(x: Tensor): Tensor {
    return this.classifier.call(flatten(adaptiveAvgPool2d(this.features.call(x), 1), 1));
  }
}

/** MobileNetV2 (3.5M parameters at 1000 classes). @example `const net = models.mobilenetV2({ numClasses: 5 })` */
export function mobilenetV2(opts?: MobileNetV2Options): MobileNetV2 {
  return new MobileNetV2(opts);
}
