/**
 * Loss functions, functional and PyTorch-compatible (`reduction` 'mean' | 'sum' | 'none').
 * @example
 * import { losses } from 'lattice-ml';
 * const loss = losses.crossEntropy(logits, labels, { labelSmoothing: 0.1 });
 */
export type { Reduction, ReductionOptions } from './reduction';
export { crossEntropy, nllLoss, bceLoss, bceWithLogits } from './classification';
export type { CrossEntropyOptions, NllLossOptions, BceOptions, BceWithLogitsOptions } from './classification';
export { mseLoss, l1Loss, huberLoss, smoothL1Loss } from './regression';
export type { HuberOptions, SmoothL1Options } from './regression';
export { klDiv } from './divergence';
export type { KlDivOptions } from './divergence';
export { cosineEmbeddingLoss, marginRankingLoss } from './embedding';
export type { MarginOptions } from './embedding';
export { softDiceLoss, softIoULoss } from './segmentation';
export type { OverlapLossOptions } from './segmentation';
export { ctcLoss, ctcGreedyDecode, ctcBeamSearch } from './ctc';
export type { CtcOptions, CtcDecodeOptions, CtcBeamSearchOptions, CtcHypothesis, Lengths as CtcLengths } from './ctc';
export { gaussianNllLoss, poissonNllLoss } from './probabilistic';
export type { GaussianNllOptions, PoissonNllOptions } from './probabilistic';
export { tripletMarginLoss, softMarginLoss, multiLabelSoftMarginLoss, hingeEmbeddingLoss, multiMarginLoss } from './margin';
export type { TripletMarginOptions, MultiLabelSoftMarginOptions, HingeEmbeddingOptions, MultiMarginOptions } from './margin';
export { sigmoidFocalLoss } from './focal';
export type { SigmoidFocalOptions } from './focal';
export {
  CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, MSELoss, L1Loss, HuberLoss, SmoothL1Loss, KLDivLoss,
  CosineEmbeddingLoss, MarginRankingLoss, SoftDiceLoss, SoftIoULoss, CTCLoss,
  GaussianNLLLoss, PoissonNLLLoss, TripletMarginLoss, SoftMarginLoss, MultiLabelSoftMarginLoss, HingeEmbeddingLoss, MultiMarginLoss,
} from './modules';
