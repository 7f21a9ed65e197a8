/** evaluate() and predict(): forward passes without recording, batch by batch. */
import { noGrad } from '../autograd/api';
import { ArgumentError } from '../errors';
import type { AnyModule } from '../nn/module';
import { argmax } from '../ops/reduce';
import { eq } from '../ops/binary';
import { cat } from '../ops/shape';
import { keep, tidy } from '../tensor/tidy';
import type { Tensor } from '../tensor/tensor';
import { releaseBatch } from '../data/loader';
import type { Batch, BatchSource } from './types';

export function unpack(batch: Batch): [Tensor, Tensor] {
  if (Array.isArray(batch) && batch.length >= 2) return [batch[0], batch[1]];
  if (batch && typeof batch === 'object' && 'x' in batch) return [batch.x, batch.y];
  throw new ArgumentError('fit: a batch must be [inputs, targets] or { x, y }');
}

/** Correct predictions in a batch when targets are int32 class indices and outputs are [N, C]. */
export function countCorrect(output: Tensor, target: Tensor): number | undefined {
  if (target.dtype !== 'int32' || output.ndim !== 2 || target.ndim !== 1) return undefined;
  return eq(argmax(output, 1), target).to('int32').sum().item();
}

/** Mean loss, accuracy and sample count from `evaluate()`. @example `const { loss, accuracy } = await evaluate(model, testLoader, crossEntropy)` */
export interface EvaluateResult {
  loss: number;
  accuracy?: number;
  samples: number;
}

/**
 * Mean loss (and accuracy for class targets) over a data source, in eval mode.
 * @example `const { loss, accuracy } = await evaluate(model, testLoader, crossEntropy)`
 */
export async function evaluate(model: AnyModule, data: BatchSource, loss: (out: Tensor, y: Tensor) => Tensor): Promise<EvaluateResult> {
  const wasTraining = model.training;
  model.eval();
  let total = 0, correct = 0, samples = 0, haveAccuracy = true;
  try {
    for await (const batch of data as AsyncIterable<Batch>) {
      const [x, y] = unpack(batch);
      const r = tidy(() => noGrad(() => {
        const out = model.call(x) as Tensor;
        return { loss: loss(out, y).item(), correct: countCorrect(out, y) };
      }));
      const n = x.shape[0];
      releaseBatch(batch);
      total += r.loss * n;
      samples += n;
      if (r.correct === undefined) haveAccuracy = false;
      else correct += r.correct;
    }
  } finally {
    model.train(wasTraining);
  }
  return { loss: samples ? total / samples : NaN, accuracy: haveAccuracy && samples ? correct / samples : undefined, samples };
}

/**
 * Model outputs for every batch, concatenated along dim 0.
 * @example `const logits = await predict(model, testLoader)`
 */
export async function predict(model: AnyModule, data: BatchSource | Iterable<Tensor>): Promise<Tensor> {
  const wasTraining = model.training;
  model.eval();
  const outs: Tensor[] = [];
  try {
    for await (const batch of data as AsyncIterable<Batch | Tensor>) {
      const x = (batch as Tensor).shape ? (batch as Tensor) : unpack(batch as Batch)[0];
      outs.push(tidy(() => keep(noGrad(() => model.call(x) as Tensor))));
      releaseBatch(batch);
    }
  } finally {
    model.train(wasTraining);
  }
  if (outs.length === 0) throw new ArgumentError('predict: the data source yielded no batches');
  const result = cat(outs, 0);
  for (const o of outs) o.dispose();
  return result;
}
