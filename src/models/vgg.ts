/**
 * VGG (Simonyan & Zisserman 2015) with torchvision's module names, so its state dict loads
 * unchanged: features.N (3x3 convolutions with bias, optional BatchNorm, ReLU, 2x2 max pools,
 * numbered as torchvision's make_layers numbers them), avgpool (adaptive, 7x7), classifier.0/3/6.
 * The adaptive pool makes the classifier's input 512·7·7 at any input size, so 32x32 images work
 * as they do in torchvision (the 1x1 map after five pools is repeated 7x7).
 */
import { ArgumentError, fmtArg } from '../errors';
import { flatten } from '../ops/shape';
import type { Tensor } from '../tensor/tensor';
import * as init from '../nn/init';
import { Module } from '../nn/module';
import { Sequential } from '../nn/containers';
import { Conv2d } from '../nn/layers/conv';
import { BatchNorm2d } from '../nn/layers/normalization';
import { Linear } from '../nn/layers/linear';
import { Dropout } from '../nn/layers/dropout';
import { MaxPool2d, AdaptiveAvgPool2d } from '../nn/layers/pool';
import { ReLU } from '../nn/layers/activation';
import { probability, type FactoryOptions } from '../nn/layers/common';

/** A VGG layer list: output channels of a 3x3 conv, or 'M' for a 2x2 max pool (torchvision's cfgs). */
export type VGGConfig = (number | 'M')[];

/** torchvision's cfgs: A = VGG-11, B = VGG-13, D = VGG-16, E = VGG-19. */
const CFGS: Record<'A' | 'B' | 'D' | 'E', VGGConfig> = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

/** Options of `models.vgg` and its presets. @example `models.vgg11Bn({ numClasses: 10 })` */
export interface VGGOptions extends FactoryOptions {
  /** torchvision's cfg letter ('A' = VGG-11 (default), 'B' = 13, 'D' = 16, 'E' = 19) or a layer list. */
  cfg?: 'A' | 'B' | 'D' | 'E' | VGGConfig;
  /** BatchNorm after each convolution (torchvision's vgg*_bn; default false). */
  batchNorm?: boolean;
  /** Outputs of classifier.6 (default 1000). */
  numClasses?: number;
  /** Width of the two hidden classifier layers (default 4096, torchvision's fixed width). */
  classifierWidth?: number;
  /** Dropout in the classifier (default 0.5). */
  dropout?: number;
  /** Input channels (default 3). */
  inChannels?: number;
}

/**
 * VGG as torchvision builds it: features, a 7x7 adaptive average pool, and a three-layer
 * classifier. Input [N, inChannels, H, W] with H, W >= 32, output [N, numClasses].
 * @example const net = models.vgg({ cfg: 'A', batchNorm: true, numClasses: 10 }); const logits = net.call(images)
 */
export class VGG extends Module {
  features: Sequential;
  avgpool = new AdaptiveAvgPool2d(7);
  classifier: Sequential;

  constructor(opts: VGGOptions = {}) {
    super();
    const cfg = typeof opts.cfg === 'string' ? CFGS[opts.cfg] : opts.cfg ?? CFGS.A;
    if (!Array.isArray(cfg) || !cfg.some((v) => typeof v === 'number') || cfg.some((v) => v !== 'M' && !(Number.isInteger(v) && (v as number) > 0))) {
      throw new ArgumentError(`VGG: cfg must be 'A', 'B', 'D', 'E' or a list of positive channel counts and 'M', got ${JSON.stringify(opts.cfg)}`);
    }
    const numClasses = opts.numClasses ?? 1000, width = opts.classifierWidth ?? 4096;
    for (const [name, v] of [['numClasses', numClasses], ['classifierWidth', width], ['inChannels', opts.inChannels ?? 3]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`VGG: ${name} must be a positive integer, got ${fmtArg(v)}`);
    }
    const dropout = probability('VGG', 'dropout', opts.dropout ?? 0.5);
    const factory: FactoryOptions = { dtype: opts.dtype, generator: opts.generator };
    const layers: Module[] = [];
    let channels = opts.inChannels ?? 3;
    for (const v of cfg) {
      if (v === 'M') { layers.push(new MaxPool2d(2, { stride: 2 })); continue; }
      layers.push(new Conv2d(channels, v, 3, { padding: 1, ...factory }));
      if (opts.batchNorm) layers.push(new BatchNorm2d(v, { dtype: opts.dtype }));
      layers.push(new ReLU());
      channels = v;
    }
    this.features = new Sequential(...(layers as Sequential[]));
    this.classifier = new Sequential(
      new Linear(channels * 7 * 7, width, factory), new ReLU(), new Dropout(dropout),
      new Linear(width, width, factory), new ReLU(), new Dropout(dropout),
      new Linear(width, numClasses, factory),
    );
    // torchvision's init: Kaiming-normal (fan out, relu) convs with zero bias; Linear N(0, 0.01), zero bias.
    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        init.kaimingNormal(m.weight, { mode: 'fanOut', nonlinearity: 'relu', generator: opts.generator });
        if (m.bias) init.zeros(m.bias);
      } else if (m instanceof Linear) {
        init.normal(m.weight, { mean: 0, std: 0.01, generator: opts.generator });
        if (m.bias) init.zeros(m.bias);
      }
    }
  }

  forward(x: Tensor): Tensor {
    return this.classifier.call(flatten(this.avgpool.call(this.features.call(x)), 1));
  }
}

/** VGG of any cfg. @example `const net = models.vgg({ cfg: [32, 'M', 64, 'M'], batchNorm: true, classifierWidth: 128, numClasses: 10 })` */
export function vgg(opts?: VGGOptions): VGG {
  return new VGG(opts);
}

/** VGG-11 (cfg 'A', 132.9M parameters at 1000 classes). @example `const net = models.vgg11({ numClasses: 10 })` */
export function vgg11(opts?: Omit<VGGOptions, 'cfg' | 'batchNorm'>): VGG {
  return new VGG({ ...opts, cfg: 'A', batchNorm: false });
}

/** VGG-11 with BatchNorm (torchvision's vgg11_bn). @example `const net = models.vgg11Bn({ numClasses: 10 })` */
export function vgg11Bn(opts?: Omit<VGGOptions, 'cfg' | 'batchNorm'>): VGG {
  return new VGG({ ...opts, cfg: 'A', batchNorm: true });
}

/** VGG-16 (cfg 'D', 138.4M parameters at 1000 classes). @example `const net = models.vgg16({ numClasses: 10 })` */
export function vgg16(opts?: Omit<VGGOptions, 'cfg' | 'batchNorm'>): VGG {
  return new VGG({ ...opts, cfg: 'D', batchNorm: false });
}

/** VGG-16 with BatchNorm (torchvision's vgg16_bn). @example `const net = models.vgg16Bn({ numClasses: 10 })` */
export function vgg16Bn(opts?: Omit<VGGOptions, 'cfg' | 'batchNorm'>): VGG {
  return new VGG({ ...opts, cfg: 'D', batchNorm: true });
}
