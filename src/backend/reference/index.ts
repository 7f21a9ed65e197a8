/** The reference backend: plain TypeScript loops that define what each kernel computes. */
import type { Backend } from '../backend';
import { PhiloxStream } from '../philox';
import { binary, where } from './binary';
import { cast, copyStrided } from './copy';
import { gemm } from './gemm';
import { gather, indexAdd, indexSelect, scatterAdd } from './index-ops';
import { argReduce, reduce, softmax } from './reduce';
import { unary } from './unary';

export const referenceBackend: Backend = {
  name: 'reference',
  unary,
  binary,
  where,
  reduce,
  argReduce,
  softmax,
  gemm,
  copyStrided,
  cast,
  gather,
  scatterAdd,
  indexSelect,
  indexAdd,
  philoxUniform(seed, offset, out) {
    const stream = new PhiloxStream(seed);
    stream.offset = Number(offset);
    out.set(stream.uniform(out.length, out instanceof Float64Array ? 'float64' : 'float32'));
  },
};
