/**
 * The round trip a PyTorch user makes: test/fixtures/zoo/M.safetensors is a state dict saved by
 * safetensors.torch.save_file from a model that torchvision 0.28 built (LeNet-5: PyTorch's tutorial
 * Net), with random seeded weights (test/fixtures/generators/zoo_safetensors.py). Lattice reads it with
 * its own loader into models.X (strict) and must reproduce torch's output and input gradient of
 * sum(output * cotangent): float32 against torch's float32 within 1e-5 norm-wise relative error
 * (‖a − b‖ / ‖b‖), float64 against torch's float64 within 1e-10. Widths are reduced (see the
 * generator) so the committed files stay small; test/models/zoo.test.ts covers the full widths.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { models, nn, train } from '../../src/index';

const file = (name: string): string => fileURLToPath(new URL(`../fixtures/zoo/${name}.safetensors`, import.meta.url));
const io = train.loadSafetensors(file('io')).tensors;

/** Each fixture's model, built with the configuration the generator gave torchvision. */
const ZOO: Record<string, () => L.nn.Module> = {
  resnet18: () => models.resnet18({ numClasses: 10, widths: [4, 8, 16, 32] }),
  resnet34: () => models.resnet34({ numClasses: 10, widths: [2, 4, 8, 16] }),
  resnet50: () => models.resnet50({ numClasses: 10, widths: [2, 4, 8, 16] }),
  mobilenet_v2: () => models.mobilenetV2({ numClasses: 10, widthMult: 0.25, invertedResidualSetting: [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 2, 2]] }),
  vit: () => models.vit({ imageSize: 32, patchSize: 8, numLayers: 2, numHeads: 3, hiddenDim: 24, mlpDim: 48, numClasses: 10 }),
  vgg11: () => models.vgg({ cfg: [2, 'M', 4, 'M', 8, 8, 'M', 16, 16, 'M', 16, 16, 'M'], classifierWidth: 16, numClasses: 10 }),
  vgg11_bn: () => models.vgg({ cfg: [4, 'M', 8, 'M', 16, 16, 'M', 32, 32, 'M', 32, 32, 'M'], batchNorm: true, classifierWidth: 16, numClasses: 10 }),
  lenet5: () => models.lenet5({ imageSize: 28, numClasses: 10 }),
};

/** ‖a − b‖₂ / ‖b‖₂ over all elements, in float64. */
function normRelError(a: L.Tensor, b: L.Tensor): number {
  const av = a.values, bv = b.values;
  let diff = 0, scale = 0;
  for (let i = 0; i < bv.length; i++) { diff += (av[i] - bv[i]) ** 2; scale += bv[i] ** 2; }
  return Math.sqrt(diff / scale);
}

/** Loads M.safetensors into a fresh model (strict), runs it in eval mode at `dtype`, returns output and input gradient. */
function roundTrip(name: string, dtype: 'float32' | 'float64'): { y: L.Tensor; gx: L.Tensor } {
  const net = ZOO[name]();
  const result = net.loadStateDict(train.loadSafetensors(file(name)).tensors);
  expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
  net.to(dtype).eval();
  // detach: to() returns the fixture tensor itself at its own dtype, which must not become a grad leaf.
  const x = io[`${name}.input`].to(dtype).detach().requiresGrad_();
  const y = net.call(x);
  y.mul(io[`${name}.cotangent`].to(dtype)).sum().backward();
  return { y, gx: x.grad! };
}

describe('models zoo: torchvision safetensors round trip', () => {
  for (const name of Object.keys(ZOO)) {
    it(`${name}: same keys in torchvision's order; float32 output and input gradient within 1e-5 of torch`, () => {
      const net = ZOO[name]();
      const { tensors, metadata } = train.loadSafetensors(file(name));
      const sd = net.stateDict();
      // The file is ordered by dtype and name; the metadata keeps torchvision's state_dict order.
      expect(Object.keys(sd)).toEqual(JSON.parse(metadata.state_dict_keys));
      expect(Object.keys(sd).map((k) => sd[k].shape)).toEqual(Object.keys(sd).map((k) => tensors[k].shape));
      const { y, gx } = roundTrip(name, 'float32');
      expect(y.shape).toEqual(io[`${name}.output`].shape);
      expect(normRelError(y, io[`${name}.output`])).toBeLessThan(1e-5);
      expect(normRelError(gx, io[`${name}.grad_input`])).toBeLessThan(1e-5);
    });

    it(`${name}: float64 output and input gradient within 1e-10 of torch's float64`, () => {
      const { y, gx } = roundTrip(name, 'float64');
      expect(normRelError(y, io[`${name}.output_f64`])).toBeLessThan(1e-10);
      expect(normRelError(gx, io[`${name}.grad_input_f64`])).toBeLessThan(1e-10);
    });
  }

  it('strict loading names missing and unexpected keys and loads nothing; strict: false reports them', () => {
    const net = ZOO.vit();
    const before = net.stateDict()['encoder.ln.weight'].values.slice();
    const sd = train.loadSafetensors(file('vit')).tensors;
    delete sd['encoder.layers.encoder_layer_1.mlp.3.bias'];
    sd['encoder.layers.encoder_layer_1.mlp.4.bias'] = L.zeros([24]);
    expect(() => net.loadStateDict(sd)).toThrow(
      /missing keys: 'encoder\.layers\.encoder_layer_1\.mlp\.3\.bias'[\s\S]*unexpected keys: 'encoder\.layers\.encoder_layer_1\.mlp\.4\.bias'/,
    );
    expect(Array.from(net.stateDict()['encoder.ln.weight'].values)).toEqual(Array.from(before));
    const result = net.loadStateDict(sd, { strict: false });
    expect(result).toEqual({ missingKeys: ['encoder.layers.encoder_layer_1.mlp.3.bias'], unexpectedKeys: ['encoder.layers.encoder_layer_1.mlp.4.bias'] });
    expect(Array.from(net.stateDict()['encoder.ln.weight'].values)).toEqual(Array.from(sd['encoder.ln.weight'].values));
  });

  it('a checkpoint with another numClasses: a size mismatch names the head; dropping it loads the backbone, replaceHead swaps it', () => {
    const sd = train.loadSafetensors(file('resnet18')).tensors;
    const net = models.resnet18({ numClasses: 3, widths: [4, 8, 16, 32] });
    expect(() => net.loadStateDict(sd)).toThrow(/size mismatch for 'fc\.weight': the state dict has \[10,32\], the module has \[3,32\]/);
    const result = net.loadStateDict(sd, { strict: false, nameMap: (k) => (k.startsWith('fc.') ? null : k) });
    expect(result).toEqual({ missingKeys: ['fc.weight', 'fc.bias'], unexpectedKeys: [] });
    expect(Array.from(net.layer4.at(1).getSubmodule('conv2').getParameter('weight')!.values)).toEqual(Array.from(sd['layer4.1.conv2.weight'].values));
    // The other way round: load the 10-class checkpoint as is, then replace the head for 3 classes.
    for (const name of ['resnet18', 'mobilenet_v2', 'vit', 'vgg11_bn', 'lenet5']) {
      const model = ZOO[name]();
      model.loadStateDict(train.loadSafetensors(file(name)).tensors);
      const old = nn.utils.replaceHead(model, new nn.Linear((ZOO[name]() as L.nn.Module).stateDict()[headWeightKey(name)].shape[1], 3)) as nn.Linear;
      expect(old.outFeatures).toBe(10);
      expect(model.eval().call(io[`${name}.input`]).shape).toEqual([io[`${name}.input`].shape[0], 3]);
    }
  });

  it('options are checked with the factory, the argument and the value in the message', () => {
    expect(() => models.resnet18({ widths: [4, 8, 16] as unknown as [number, number, number, number] })).toThrow(/ResNet: widths must be 4 positive integers/);
    expect(() => models.mobilenetV2({ invertedResidualSetting: [[1, 16, 1]] })).toThrow(/MobileNetV2: invertedResidualSetting must be a non-empty list of \[t, c, n, s\] rows/);
    expect(() => models.mobilenetV2({ invertedResidualSetting: [[1, 16, 1.5, 1]] })).toThrow(/got \[\[1,16,1.5,1\]\]/);
    expect(() => models.mobilenetV2({ invertedResidualSetting: [[1, 16, 1, 3]] })).toThrow(/InvertedResidual: stride must be 1 or 2, got 3/);
    expect(() => models.vit({ imageSize: 30, patchSize: 8 })).toThrow(/VisionTransformer: imageSize 30 must be a multiple of patchSize 8/);
    expect(() => models.vit({ hiddenDim: 10, numHeads: 3, numLayers: 1, mlpDim: 8 })).toThrow(/VisionTransformer: hiddenDim 10 must be a multiple of numHeads 3/);
    expect(() => ZOO.vit().call(L.zeros([1, 3, 28, 28]))).toThrow(/VisionTransformer: input must be \[N, 3, 32, 32\], got \[1,3,28,28\]/);
    expect(() => models.vgg({ cfg: ['M'] })).toThrow(/VGG: cfg must be/);
    expect(() => models.vgg({ classifierWidth: 0 })).toThrow(/VGG: classifierWidth must be a positive integer, got 0/);
    expect(() => models.lenet5({ imageSize: 30 as 32 })).toThrow(/LeNet5: imageSize must be 28 or 32, got 30/);
    expect(() => models.lenet5().call(L.zeros([1, 1, 28, 28]))).toThrow(/LeNet5: input must be \[N, 1, 32, 32\], got \[1,1,28,28\]/);
  });
});

/** The state-dict key of each model's classifier weight (its input width sizes the new head). */
function headWeightKey(name: string): string {
  return { resnet18: 'fc.weight', mobilenet_v2: 'classifier.1.weight', vit: 'heads.head.weight', vgg11_bn: 'classifier.6.weight', lenet5: 'fc3.weight' }[name]!;
}
