/**
 * models: architectures with torchvision's state-dict names, so weights exported from
 * PyTorch load unchanged: ResNet-18/34/50, MobileNetV2, VGG, the Vision Transformer, and
 * LeNet-5 (PyTorch tutorial names). No weights are downloaded: pretrained weights are the
 * user's file (e.g. safetensors written from PyTorch).
 * @example
 * import { models, train } from 'lattice-ml';
 * const net = models.resnet18();
 * net.loadStateDict(train.loadSafetensors('resnet18.safetensors').tensors);
 */
export { ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50, type ResNetOptions } from './resnet';
export { MobileNetV2, InvertedResidual, mobilenetV2, type MobileNetV2Options } from './mobilenet';
export { VisionTransformer, ViTEncoder, ViTEncoderBlock, vit, vitB16, type ViTOptions } from './vit';
export { VGG, vgg, vgg11, vgg11Bn, vgg16, vgg16Bn, type VGGOptions, type VGGConfig } from './vgg';
export { LeNet5, lenet5, type LeNet5Options } from './lenet';
