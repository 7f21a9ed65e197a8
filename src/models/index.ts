/**
 * models: architectures with torchvision's state-dict names, so weights exported from
 * PyTorch load unchanged (ResNet-18/34/50 and MobileNetV2 so far). No weights are downloaded: pretrained
 * weights are the user's file (e.g. safetensors written from PyTorch).
 * @example
 * import { models, train } from 'lattice-ml';
 * const net = models.resnet18();
 * net.loadStateDict(train.loadSafetensors('resnet18.safetensors').tensors);
 */
export { ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50, type ResNetOptions } from './resnet';
export { MobileNetV2, InvertedResidual, mobilenetV2, type MobileNetV2Options } from './mobilenet';
