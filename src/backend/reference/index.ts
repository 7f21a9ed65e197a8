/** The reference backend: plain TypeScript loops that define what each kernel computes. */
import type { Backend } from '../backend';
import { PhiloxStream } from '../philox';
import { cropFlip2d, erase2d, rotate2d } from './augment';
import { binary, where } from './binary';
import { cast, copyStrided } from './copy';
import { ctcLoss } from './ctc';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './conv';
import { gemm } from './gemm';
import { gather, indexAdd, indexSelect, scatterAdd } from './index-ops';
import { crossEntropy, crossEntropyBackward } from './losses';
import { adaptiveAvgPool2d, adaptiveAvgPool2dBackward, avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool';
import { adamStep, rmspropStep, sgdStep } from './optim';
import { batchNormBackward, batchNormForward, groupNormBackward, groupNormForward, layerNormBackward, layerNormForward } from './norm';
import { argReduce, reduce, softmax } from './reduce';
import { unary } from './unary';
import { tanhBackward } from './tanh-backward';

export const referenceBackend: Backend = {
  name: 'reference',
  unary,
  binary,
  where,
  reduce,
  argReduce,
  softmax,
  sgdStep,
  adamStep,
  rmspropStep,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
  gemm,
  copyStrided,
  cast,
  gather,
  scatterAdd,
  indexSelect,
  indexAdd,
  crossEntropy,
  crossEntropyBackward,
  ctcLoss,
  layerNormForward,
  layerNormBackward,
  batchNormForward,
  batchNormBackward,
  groupNormForward,
  groupNormBackward,
  cropFlip2d,
  rotate2d,
  erase2d,
  tanhBackward,
  philoxUniform(seed, offset, out) {
    const stream = new PhiloxStream(seed);
    stream.offset = Number(offset);
    out.set(stream.uniform(out.length, out instanceof Float64Array ? 'float64' : 'float32'));
  },
};
