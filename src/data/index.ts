/**
 * The `data` namespace: datasets, samplers, loaders, the Fashion-MNIST reader, batch
 * augmentations and fitted input transforms.
 * @example
 * import { data } from 'lattice-ml';
 * const { train } = data.loadFashionMnist();
 * const xb = data.randomCrop(train.images, 28, { padding: 2 });
 */
export * from './idx';
export * from './dataset';
export * from './loader';
export * from './fashion-mnist';
export * from './augment';
export { affine, inverseAffineMatrix, randomAffine, type AffineInterpolation, type AffineOptions, type RandomAffineOptions } from './affine';
export { adjustHue } from './hue';
export { randomResizedCrop, randomZoom, type RandomResizedCropOptions, type RandomZoomOptions } from './resample-augment';
export * from './transforms';
export * from './splits';
export {
  SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler, classBalancedWeights, samplerState, loadSamplerState,
  type Sampler, type BatchSamplerLike, type RandomSamplerOptions, type SubsetRandomSamplerOptions, type WeightedRandomSamplerOptions,
} from './samplers';
export { ConcatDataset } from './concat';
