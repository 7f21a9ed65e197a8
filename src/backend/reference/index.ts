/** The reference backend: plain TypeScript loops that define what each kernel computes. */
import type { Backend } from '../backend';
import { PhiloxStream } from '../philox';
import { attentionBackward, attentionForward } from './attention';
import { affine2d, cropFlip2d, erase2d } from './augment';
import { gridSample2d, gridSample2dBackward, resample2d, resample2dBackward } from './resample';
import { binary, where } from './binary';
import { cast, copyStrided } from './copy';
import { ctcLoss } from './ctc';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './conv';
import { gemm } from './gemm';
import { gather, indexAdd, indexSelect, scatterAdd } from './index-ops';
import { crossEntropy, crossEntropyBackward } from './losses';
import { adaptiveAvgPool2d, adaptiveAvgPool2dBackward, avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward, maxPool2x2Backward } from './pool';
import { adamStep, rmspropStep, sgdStep } from './optim';
import { batchNormBackward, batchNormForward, groupNormBackward, groupNormForward, layerNormBackward, layerNormForward } from './norm';
import { argReduce, reduce, softmax } from './reduce';
import { scan } from './scan';
import { sort } from './sort';
import { flip, roll, triangle } from './rearrange';
import { cholesky, eigh, luFactor, luSolve, qr, svd, triangularSolve } from './linalg';
import { unary } from './unary';
import { tanhBackward } from './tanh-backward';
import { foreachNorm, foreachScale } from './foreach';

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
  foreachNorm,
  foreachScale,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  maxPool2d,
  maxPool2dBackward,
  maxPool2x2Backward,
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
  scan,
  sort,
  flip,
  roll,
  triangle,
  cholesky,
  triangularSolve,
  luFactor,
  luSolve,
  qr,
  eigh,
  svd,
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
  affine2d,
  erase2d,
  attentionForward,
  attentionBackward,
  resample2d,
  resample2dBackward,
  gridSample2d,
  gridSample2dBackward,
  tanhBackward,
  philoxUniform(seed, offset, out) {
    const stream = new PhiloxStream(seed);
    stream.offset = Number(offset);
    out.set(stream.uniform(out.length, out instanceof Float64Array ? 'float64' : 'float32'));
  },
};
