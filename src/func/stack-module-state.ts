/**
 * stackModuleState, as torch.func.stack_module_state: the parameters and buffers of several
 * models of one architecture, stacked name by name on a new leading dim (an ensemble's state as
 * one tensor per name). Slice k of each (`p.narrow(0, k, 1).squeeze(0)`) is model k's tensor, ready
 * for func.functionalCall.
 */
import { noGrad } from '../autograd/api';
import { ArgumentError, fmtArg, ShapeError } from '../errors';
import { type AnyModule, Module } from '../nn/module';
import { stack } from '../ops/shape';
import type { Tensor } from '../tensor/tensor';

/** What stackModuleState returns: stacked parameters and stacked buffers, by name. @example `const { params, buffers } = func.stackModuleState(models)` */
export interface StackedModuleState {
  /** Each parameter, [models, ...shape]: a new leaf that requires grad when the models' parameters do. */
  params: Record<string, Tensor>;
  /** Each buffer, [models, ...shape]. */
  buffers: Record<string, Tensor>;
}

const OP = 'func.stackModuleState';

/** The tensors of one kind from every model, stacked per name (torch's construct_stacked_leaf). */
function stackNamed(models: AnyModule[], kind: 'parameter' | 'buffer', named: (m: AnyModule) => [string, Tensor][]): Record<string, Tensor> {
  const all = models.map((m) => new Map(named(m)));
  const names = [...all[0].keys()];
  all.forEach((tensors, i) => {
    const extra = [...tensors.keys()].filter((n) => !all[0].has(n));
    const missing = names.filter((n) => !tensors.has(n));
    if (extra.length || missing.length) {
      throw new ArgumentError(`${OP}: models[${i}] has other ${kind}s than models[0]${missing.length ? `: it lacks ${missing.map((n) => `'${n}'`).join(', ')}` : ''}${extra.length ? `${missing.length ? ';' : ':'} it has ${extra.map((n) => `'${n}'`).join(', ')} besides` : ''}`);
    }
  });
  const out: Record<string, Tensor> = {};
  for (const name of names) {
    const tensors = all.map((m) => m.get(name)!);
    tensors.forEach((t, i) => {
      const first = tensors[0];
      if (t.shape.length !== first.shape.length || t.shape.some((d, j) => d !== first.shape[j]) || t.dtype !== first.dtype) {
        throw new ShapeError(`${OP}: ${kind} '${name}' is ${first.describe()} in models[0] but ${t.describe()} in models[${i}]`);
      }
    });
    const requiring = tensors.filter((t) => t.requiresGrad).length;
    if (requiring !== 0 && requiring !== tensors.length) {
      throw new ArgumentError(`${OP}: ${kind} '${name}' requires grad in ${requiring} of the ${tensors.length} models; it must in all or in none`);
    }
    const stacked = noGrad(() => stack(tensors, 0));
    out[name] = requiring ? stacked.requiresGrad_() : stacked;
  }
  return out;
}

/**
 * Stacks the parameters and buffers of models of one class, name by name, on a new dim 0, as
 * torch.func.stack_module_state: `params[name]` is [models.length, ...shape], a new leaf that
 * requires grad when the models' parameters do (a copy: it does not share storage with them), and
 * `buffers[name]` likewise. The models must be of the same class, all in training or all in eval
 * mode, with the same names and shapes.
 * @example
 * const models = [0, 1, 2].map(() => new nn.Linear(4, 2));
 * const { params } = func.stackModuleState(models);    // params.weight: [3, 2, 4]
 * const slice = (t: Tensor) => t.narrow(0, 1, 1).squeeze(0);
 * const y1 = func.functionalCall(models[0], { weight: slice(params.weight), bias: slice(params.bias) }, x);   // model 1's output
 */
export function stackModuleState(models: AnyModule[]): StackedModuleState {
  if (!Array.isArray(models)) throw new ArgumentError(`${OP}: models must be an array of nn.Modules, got ${fmtArg(models)}`);
  if (models.length === 0) throw new ArgumentError(`${OP}: expected at least one model, got 0`);
  models.forEach((m, i) => {
    if (!(m instanceof Module)) throw new ArgumentError(`${OP}: models[${i}] must be an nn.Module, got ${fmtArg(m)}`);
  });
  const cls = Object.getPrototypeOf(models[0]) as object;
  const other = models.findIndex((m) => Object.getPrototypeOf(m) !== cls);
  if (other >= 0) throw new ArgumentError(`${OP}: the models must be of one class; models[0] is a ${models[0].typeName}, models[${other}] a ${models[other].typeName}`);
  if (models.some((m) => m.training !== models[0].training)) {
    throw new ArgumentError(`${OP}: the models must all be in training mode or all in eval mode; models[0] is in ${models[0].training ? 'training' : 'eval'} mode, models[${models.findIndex((m) => m.training !== models[0].training)}] is not`);
  }
  return {
    params: stackNamed(models, 'parameter', (m) => m.namedParameters()),
    buffers: stackNamed(models, 'buffer', (m) => m.namedBuffers()),
  };
}
