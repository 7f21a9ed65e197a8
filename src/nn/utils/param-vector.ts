/**
 * A model's parameters as one flat vector and back (torch.nn.utils.parameters_to_vector and
 * vector_to_parameters): for methods that treat the weights as a point in R^n, such as line
 * searches, weight-space interpolation between two models, or comparing checkpoints.
 */
import { noGrad } from '../../autograd/api';
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../../errors';
import { copy_ } from '../../ops/inplace';
import { cat, narrow, reshape } from '../../ops/shape';
import { Tensor } from '../../tensor/tensor';

function checkList(op: string, params: unknown): Tensor[] {
  const list = params instanceof Tensor ? [params] : Array.isArray(params) ? params : params && typeof (params as Iterable<unknown>)[Symbol.iterator] === 'function' ? [...(params as Iterable<unknown>)] : null;
  if (!list) throw new ArgumentError(`${op}: parameters must be a tensor or an iterable of tensors, got ${fmtArg(params)}`);
  list.forEach((p, i) => { if (!(p instanceof Tensor)) throw new ArgumentError(`${op}: parameters[${i}] is not a Tensor (got ${fmtArg(p)})`); });
  const tensors = list as Tensor[];
  tensors.forEach((p, i) => {
    if (p.dtype !== tensors[0].dtype || p.device !== tensors[0].device) {
      throw new DTypeError(`${op}: parameters[${i}] is ${p.describe()} but parameters[0] is ${tensors[0].describe()}; all must share dtype and device`);
    }
  });
  return tensors;
}

/**
 * The parameters flattened and concatenated in order, as one 1-D tensor (a copy, differentiable
 * with respect to the parameters, as PyTorch's).
 * @example `const theta = nn.utils.parametersToVector(model.parameters())`
 */
export function parametersToVector(parameters: Iterable<Tensor> | Tensor): Tensor {
  const list = checkList('parametersToVector', parameters);
  if (list.length === 0) throw new ArgumentError('parametersToVector: no parameters given');
  return cat(list.map((p) => reshape(p, [p.size])));
}

/**
 * Writes the slices of a 1-D vector into the parameters, in order (in place, without recording
 * a gradient). The vector's length must equal the parameters' total size; nothing is written otherwise.
 * @example `nn.utils.vectorToParameters(theta, model.parameters())`
 */
export function vectorToParameters(vector: Tensor, parameters: Iterable<Tensor> | Tensor): void {
  const op = 'vectorToParameters';
  if (!(vector instanceof Tensor)) throw new ArgumentError(`${op}: vector must be a Tensor, got ${fmtArg(vector)}`);
  const list = checkList(op, parameters);
  const total = list.reduce((s, p) => s + p.size, 0);
  if (vector.ndim !== 1 || vector.size !== total) throw new ShapeError(`${op}: vector is ${vector.describe()} but the ${list.length} parameters hold ${total} values; expected a 1-D vector of ${total}`);
  if (list.length && (vector.dtype !== list[0].dtype || vector.device !== list[0].device)) throw new DTypeError(`${op}: vector is ${vector.describe()} but the parameters are ${list[0].dtype} on ${list[0].device}`);
  noGrad(() => {
    let at = 0;
    for (const p of list) {
      copy_(p, reshape(narrow(vector, 0, at, p.size), p.shape));
      at += p.size;
    }
  });
}
