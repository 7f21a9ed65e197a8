/**
 * nn: modules, layers, containers, initialisation (`nn.init`) and the functional
 * forms (`nn.functional`).
 * @example
 * import { nn } from 'lattice-ml';
 * const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
 */
export { Module, type AnyModule, type StateDict, type LoadStateDictOptions, type LoadStateDictResult, type ForwardHook, type ForwardPreHook, type FullBackwardHook, type FullBackwardPreHook, type ModuleGrads } from './module';
export { Parameter, parameter } from './parameter';
export { Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict, Residual, type TensorModule, type ParameterDictInput } from './containers';
export type { FactoryOptions } from './layers/common';
export { Linear, Identity } from './layers/linear';
export { CtcHead, type CtcHeadOptions } from './layers/ctc-head';
export { ReLU, LeakyReLU, ELU, GELU, SiLU, Tanh, Sigmoid, Softplus, Softmax, LogSoftmax } from './layers/activation';
export { Flatten, Unflatten } from './layers/shape';
export { Unfold, Fold } from './layers/fold';
export { Embedding, EmbeddingBag, type EmbeddingOptions, type EmbeddingBagModuleOptions } from './layers/embedding';
export { RNNCell, LSTMCell, GRUCell, type RNNCellOptions, type RNNCellModuleOptions } from './layers/rnn-cells';
export { RNN, LSTM, GRU, type RNNOptions } from './layers/rnn';
export { Dropout, Dropout2d, StochasticDepth, DropPath } from './layers/dropout';
export { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, type BatchNormModuleOptions, type LayerNormModuleOptions } from './layers/normalization';
export { InstanceNorm1d, InstanceNorm2d, RMSNorm, LocalResponseNorm, type InstanceNormModuleOptions, type RMSNormModuleOptions, type LocalResponseNormModuleOptions } from './layers/normalization-extra';
export { Conv1d, Conv2d, ConvTranspose2d, type Conv1dModuleOptions, type Conv2dModuleOptions, type ConvTranspose2dModuleOptions, type ConvPaddingMode } from './layers/conv';
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d } from './layers/pool';
export { AdaptiveMaxPool2d, MaxUnpool2d } from './layers/pool-max-extra';
export { AdaptiveMaxPool1d, LPPool1d, LPPool2d, type MaxPoolResult } from './layers/pool-extra';
export { ConvTranspose1d, type ConvTranspose1dModuleOptions } from './layers/conv-transpose1d';
export { Conv3d, ConvTranspose3d, type Conv3dModuleOptions, type ConvTranspose3dModuleOptions } from './layers/conv3d';
export { MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d, BatchNorm3d, InstanceNorm3d, Dropout3d, ConstantPad3d, ZeroPad3d, ReflectionPad3d, ReplicationPad3d, type Padding3d } from './layers/volumetric';
export { Softmax2d, ChannelShuffle } from './layers/channel';
export { ReLU6 } from './layers/relu6';
export { Upsample, PixelShuffle, PixelUnshuffle, ZeroPad1d, ZeroPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d, ReflectionPad2d, ReplicationPad1d, ReplicationPad2d, Bilinear, CosineSimilarity, PairwiseDistance, Dropout1d, type UpsampleOptions, type Padding1d, type Padding2d } from './layers/misc';
export { SELU, CELU, Mish, Hardswish, Hardsigmoid, Hardtanh, Softsign, LogSigmoid, Tanhshrink, Softshrink, Hardshrink, Threshold, GLU, Softmin, PReLU, AlphaDropout, type PReLUOptions } from './layers/activation-extra';
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionCallOptions } from './layers/multihead-attention';
export { TransformerEncoderLayer, TransformerEncoder, PositionalEncoding, sinusoidalPositionalEncoding, type TransformerEncoderLayerOptions, type TransformerEncoderLayerCallOptions } from './layers/transformer';
export { TransformerDecoderLayer, TransformerDecoder, Transformer, type TransformerDecoderLayerOptions, type TransformerDecoderLayerCallOptions, type TransformerOptions, type TransformerCallOptions } from './layers/transformer-decoder';
export * as init from './init';
export * as functional from './functional';
export * as utils from './utils/index';
