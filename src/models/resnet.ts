/**
 * ResNet-18/34/50 (He et al. 2016) with torchvision's module names, so a state dict
 * exported from `torchvision.models.resnet18()` (e.g. as safetensors) loads unchanged:
 * conv1, bn1, layer1.0.conv1, ..., layer2.0.downsample.0, ..., fc. Bottleneck blocks
 * stride in their 3x3 conv (torchvision's "ResNet v1.5").
 */
import { ArgumentError, fmtArg } from '../errors';
import { add } from '../ops/binary';
import { flatten } from '../ops/shape';
import { relu } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import * as init from '../nn/init';
import { Module, type AnyModule } from '../nn/module';
import { Sequential } from '../nn/containers';
import { Conv2d } from '../nn/layers/conv';
import { BatchNorm2d, batchNormThenRelu } from '../nn/layers/normalization';
import { Linear } from '../nn/layers/linear';
import { MaxPool2d, AdaptiveAvgPool2d } from '../nn/layers/pool';
import { ReLU } from '../nn/layers/activation';
import type { FactoryOptions } from '../nn/layers/common';

/** Options of the ResNet factories. @example `models.resnet18({ numClasses: 10 })` */
export interface ResNetOptions extends FactoryOptions {
  /** Outputs of the final Linear `fc` (default 1000, ImageNet's). */
  numClasses?: number;
  /** Start each block's last BatchNorm at weight 0, so blocks begin as identities (default false). */
  zeroInitResidual?: boolean;
  /**
   * Planes of the four stages (default torchvision's [64, 128, 256, 512]; the stem has widths[0] channels).
   * Narrower stages make small models for small data; a state dict from torchvision needs the default.
   */
  widths?: [number, number, number, number];
}

type Block = BasicBlock | Bottleneck;

/** Two 3x3 convolutions with a residual connection (ResNet-18/34). @example `new models.BasicBlock(64, 64)` */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu = new ReLU();
  conv2: Conv2d;
  bn2: BatchNorm2d;
  downsample: Sequential | null;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Sequential | null = null, opts?: FactoryOptions) {
    super();
    this.conv1 = new Conv2d(inplanes, planes, 3, { stride, padding: 1, bias: false, ...opts });
    this.bn1 = new BatchNorm2d(planes, { dtype: opts?.dtype });
    this.conv2 = new Conv2d(planes, planes, 3, { padding: 1, bias: false, ...opts });
    this.bn2 = new BatchNorm2d(planes, { dtype: opts?.dtype });
    this.downsample = downsample;
  }

  forward(x: Tensor): Tensor {
    const out = this.bn2.call(this.conv2.call(batchNormThenRelu(this.bn1, this.conv1.call(x))));
    return relu(add(out, this.downsample ? this.downsample.call(x) : x));
  }
}

/** 1x1 → 3x3 (strided) → 1x1 convolutions, 4x wider out, with a residual connection (ResNet-50). @example `new models.Bottleneck(256, 64)` */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  conv3: Conv2d;
  bn3: BatchNorm2d;
  relu = new ReLU();
  downsample: Sequential | null;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Sequential | null = null, opts?: FactoryOptions) {
    super();
    const width = planes;
    this.conv1 = new Conv2d(inplanes, width, 1, { bias: false, ...opts });
    this.bn1 = new BatchNorm2d(width, { dtype: opts?.dtype });
    this.conv2 = new Conv2d(width, width, 3, { stride, padding: 1, bias: false, ...opts });
    this.bn2 = new BatchNorm2d(width, { dtype: opts?.dtype });
    this.conv3 = new Conv2d(width, planes * Bottleneck.expansion, 1, { bias: false, ...opts });
    this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion, { dtype: opts?.dtype });
    this.downsample = downsample;
  }

  forward(x: Tensor): Tensor {
    let out = batchNormThenRelu(this.bn1, this.conv1.call(x));
    out = batchNormThenRelu(this.bn2, this.conv2.call(out));
    out = this.bn3.call(this.conv3.call(out));
    return relu(add(out, this.downsample ? this.downsample.call(x) : x));
  }
}

/**
 * The ResNet trunk: a 7x7 stride-2 stem and max pool, four stages of blocks (64, 128, 256, 512
 * planes unless `widths` says otherwise; stages 2–4 halve the resolution), global average pooling and `fc`. Input
 * [N, 3, H, W] (any H, W >= 32), output [N, numClasses]. Use the factories.
 * @example const net = models.resnet18({ numClasses: 5 }); const logits = net.call(images)
 */
export class ResNet extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu = new ReLU();
  maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  layer4: Sequential;
  avgpool = new AdaptiveAvgPool2d(1);
  fc: Linear;

  constructor(block: 'basic' | 'bottleneck', layers: [number, number, number, number], opts?: ResNetOptions) {
    super();
    const numClasses = opts?.numClasses ?? 1000;
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new ArgumentError(`ResNet: numClasses must be a positive integer, got ${fmtArg(numClasses)}`);
    const widths = opts?.widths ?? [64, 128, 256, 512];
    if (!Array.isArray(widths) || widths.length !== 4 || widths.some((w) => !Number.isInteger(w) || w < 1)) {
      throw new ArgumentError(`ResNet: widths must be 4 positive integers (the stages' planes), got ${JSON.stringify(widths)}`);
    }
    const factory: FactoryOptions = { dtype: opts?.dtype, generator: opts?.generator };
    const expansion = block === 'basic' ? BasicBlock.expansion : Bottleneck.expansion;
    let inplanes = widths[0];
    const stage = (planes: number, blocks: number, stride: number): Sequential => {
      let downsample: Sequential | null = null;
      if (stride !== 1 || inplanes !== planes * expansion) {
        downsample = new Sequential(new Conv2d(inplanes, planes * expansion, 1, { stride, bias: false, ...factory }), new BatchNorm2d(planes * expansion, { dtype: opts?.dtype }));
      }
      const make = (inp: number, s: number, ds: Sequential | null): Block =>
        (block === 'basic' ? new BasicBlock(inp, planes, s, ds, factory) : new Bottleneck(inp, planes, s, ds, factory));
      const list: Block[] = [make(inplanes, stride, downsample)];
      inplanes = planes * expansion;
      for (let i = 1; i < blocks; i++) list.push(make(inplanes, 1, null));
      return new Sequential(...list);
    };
    this.conv1 = new Conv2d(3, widths[0], 7, { stride: 2, padding: 3, bias: false, ...factory });
    this.bn1 = new BatchNorm2d(widths[0], { dtype: opts?.dtype });
    this.layer1 = stage(widths[0], layers[0], 1);
    this.layer2 = stage(widths[1], layers[1], 2);
    this.layer3 = stage(widths[2], layers[2], 2);
    this.layer4 = stage(widths[3], layers[3], 2);
    this.fc = new Linear(widths[3] * expansion, numClasses, factory);
    // torchvision's init: Kaiming-normal (fan out, relu) convolutions; BatchNorm weight 1, bias 0.
    for (const m of this.modules() as AnyModule[]) {
      if (m instanceof Conv2d) init.kaimingNormal(m.weight, { mode: 'fanOut', nonlinearity: 'relu', generator: opts?.generator });
    }
    if (opts?.zeroInitResidual) {
      for (const m of this.modules()) {
        const last = m instanceof Bottleneck ? m.bn3 : m instanceof BasicBlock ? m.bn2 : null;
        if (last?.weight) init.zeros(last.weight);
      }
    }
  }

  forward(x: Tensor): Tensor {
    let h = this.maxpool.call(batchNormThenRelu(this.bn1, this.conv1.call(x)));
    h = this.layer4.call(this.layer3.call(this.layer2.call(this.layer1.call(h))));
    return this.fc.call(flatten(this.avgpool.call(h), 1));
  }
}

/** ResNet-18: basic blocks [2, 2, 2, 2], 11.7M parameters at 1000 classes. @example `const net = models.resnet18({ numClasses: 10 })` */
export function resnet18(opts?: ResNetOptions): ResNet {
  return new ResNet('basic', [2, 2, 2, 2], opts);
}

/** ResNet-34: basic blocks [3, 4, 6, 3], 21.8M parameters at 1000 classes. @example `const net = models.resnet34()` */
export function resnet34(opts?: ResNetOptions): ResNet {
  return new ResNet('basic', [3, 4, 6, 3], opts);
}

/** ResNet-50: bottleneck blocks [3, 4, 6, 3], 25.6M parameters at 1000 classes. @example `const net = models.resnet50({ numClasses: 100 })` */
export function resnet50(opts?: ResNetOptions): ResNet {
  return new ResNet('bottleneck', [3, 4, 6, 3], opts);
}
