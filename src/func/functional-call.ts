/**
 * functionalCall, as torch.func.functional_call: runs a module with some or all of its
 * parameters and buffers replaced, by state-dict name, by given tensors, then puts the module's
 * own tensors back (also when forward throws).
 *
 * The given tensors may carry a graph (MAML's inner step `θ - α ∇L(θ)`, a hypernetwork's output,
 * an ensemble member's stacked slice): the module computes with them as with its own, so the
 * gradients flow to them, and the module's own parameters take no part in the call. Each slot is
 * swapped with Module.swapTensor (the registered entry and the field), so layers that read a
 * field (Linear, Conv2d, the norms, Embedding, MultiheadAttention), those that look their weights
 * up by name (LSTM, GRU, BatchNorm's running statistics), reparametrised weights (weight and
 * spectral normalisation, pruning, nn.utils.parametrize) and nn.Sequential's fused pairs all see
 * the given tensors.
 *
 * Buffers, as in torch: in training mode BatchNorm updates the running statistics in place, so the
 * given buffer tensors are the ones updated and the module's own buffers stay as they were. A slot
 * that forward re-assigned is written back into the given dict (torch's write-back), when one dict
 * was given.
 */
import { ArgumentError, fmtArg, fmtShape, ShapeError } from '../errors';
import { type AnyModule, Module } from '../nn/module';
import { shapesEqual } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';

/** Tensors by state-dict name (`layer1.0.weight`), as an object or a Map. @example `{ '0.weight': w, '0.bias': b }` */
export type TensorDict = Record<string, Tensor> | Map<string, Tensor>;

/** functionalCall's options. @example `{ strict: true, tieWeights: false }` */
export interface FunctionalCallOptions {
  /** Every parameter and buffer of the module must be given (default false: the others are the module's own). */
  strict?: boolean;
  /**
   * One tensor registered under several names (tied weights) takes the value given for any of its
   * names under all of them (default true, as torch); giving two different values for one tied
   * tensor is then an error. With false, each name is replaced alone.
   */
  tieWeights?: boolean;
}

const OP = 'func.functionalCall';

/** A parameter or buffer slot: the module that holds it and its name there. */
interface Slot {
  owner: AnyModule;
  local: string;
  tensor: Tensor;
}

/** Every parameter and buffer by dotted name, duplicates included (torch's remove_duplicate=False). */
function slotsOf(module: AnyModule): Map<string, Slot> {
  const slots = new Map<string, Slot>();
  const owners = new Map<string, AnyModule>();
  const owner = (path: string): AnyModule => {
    let m = owners.get(path);
    if (!m) {
      m = module.getSubmodule(path);
      owners.set(path, m);
    }
    return m;
  };
  const named = [...module.namedParameters({ removeDuplicate: false }), ...module.namedBuffers({ removeDuplicate: false })];
  for (const [name, tensor] of named) {
    const cut = name.lastIndexOf('.');
    slots.set(name, { owner: owner(cut < 0 ? '' : name.slice(0, cut)), local: name.slice(cut + 1), tensor });
  }
  return slots;
}

/** The given dicts as one Map; a name in two dicts is an error, as in torch. */
function mergeDicts(given: TensorDict | TensorDict[]): Map<string, Tensor> {
  const dicts = Array.isArray(given) ? given : [given];
  const merged = new Map<string, Tensor>();
  const repeated = new Set<string>();
  dicts.forEach((d, i) => {
    const what = Array.isArray(given) ? `paramsAndBuffers[${i}]` : 'paramsAndBuffers';
    if (d === null || typeof d !== 'object' || Array.isArray(d)) throw new ArgumentError(`${OP}: ${what} must be an object or a Map of tensors by name, got ${fmtArg(d)}`);
    for (const [name, t] of d instanceof Map ? d : Object.entries(d)) {
      if (!(t instanceof Tensor)) throw new ArgumentError(`${OP}: ${what}['${name}'] must be a Tensor, got ${fmtArg(t)}`);
      if (t.isDisposed) throw new ArgumentError(`${OP}: ${what}['${name}'] ${t.describe()} was disposed`);
      if (merged.has(name)) repeated.add(name);
      merged.set(name, t);
    }
  });
  if (repeated.size) throw new ArgumentError(`${OP}: ${[...repeated].map((k) => `'${k}'`).join(', ')} appear in more than one of the given dicts`);
  return merged;
}

/**
 * torch's _untie_named_tensors_map: every name of a tied tensor takes the value given for one of
 * its names; two different values for one tied tensor are an error.
 */
function untie(slots: Map<string, Slot>, given: Map<string, Tensor>): Map<string, Tensor> {
  const namesOf = new Map<Tensor, string[]>();
  for (const [name, slot] of slots) {
    const names = namesOf.get(slot.tensor);
    if (names) names.push(name);
    else namesOf.set(slot.tensor, [name]);
  }
  const untied = new Map(given);
  for (const names of namesOf.values()) {
    if (names.length < 2) continue;
    const givenNames = names.filter((n) => given.has(n));
    if (givenNames.length === 0) continue;
    const values = new Set(givenNames.map((n) => given.get(n)!));
    if (values.size > 1) {
      throw new ArgumentError(`${OP}: got different tensors for ${givenNames.map((n) => `'${n}'`).join(', ')}, which are one tied tensor of the module (${names.map((n) => `'${n}'`).join(', ')}); give one of them, or pass tieWeights: false`);
    }
    for (const n of names) untied.set(n, given.get(givenNames[0])!);
  }
  return untied;
}

function listNames(names: string[], max = 12): string {
  const shown = names.slice(0, max).map((n) => `'${n}'`).join(', ');
  return names.length > max ? `${shown}, ... (${names.length} in all)` : shown || 'none';
}

/**
 * Runs `module` on `args` with its parameters and buffers replaced, by state-dict name, by the given
 * tensors, as torch.func.functional_call; then puts the module's own tensors back, also when forward
 * throws. The given tensors may carry a graph (the gradients flow to them; the module's own
 * parameters are not used) and need not be leaves. Names the module does not have are an error;
 * with `strict`, so is any parameter or buffer left out. Each given tensor must have the shape of the
 * one it replaces. `paramsAndBuffers` may also be an array of dicts (say, parameters and buffers
 * apart), whose names must not overlap. In training mode BatchNorm updates the given running
 * statistics in place, not the module's. `args` is forward's argument list, or a Tensor for a
 * one-tensor forward; the call goes through `module.call`, so hooks run.
 * @example
 * // MAML's inner step, differentiable w.r.t. the meta-parameters θ:
 * const theta = Object.fromEntries(model.namedParameters());
 * const inner = mseLoss(func.functionalCall(model, theta, xs), ys);
 * const grads = grad(inner, Object.values(theta), { createGraph: true });
 * const adapted = Object.fromEntries(Object.entries(theta).map(([k, p], i) => [k, p.sub(grads[i]!.mul(0.01))]));
 * const outer = mseLoss(func.functionalCall(model, adapted, xq), yq);   // outer.backward() reaches θ
 */
export function functionalCall<In extends unknown[], Out>(module: Module<In, Out>, paramsAndBuffers: TensorDict | TensorDict[], args: In | Tensor, opts: FunctionalCallOptions = {}): Out {
  if (!(module instanceof Module)) throw new ArgumentError(`${OP}: module must be an nn.Module, got ${fmtArg(module)}`);
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${OP}: options must be an object, got ${fmtArg(opts)}`);
  const strict = opts.strict ?? false, tieWeights = opts.tieWeights ?? true;
  if (typeof strict !== 'boolean') throw new ArgumentError(`${OP}: strict must be a boolean, got ${fmtArg(strict)}`);
  if (typeof tieWeights !== 'boolean') throw new ArgumentError(`${OP}: tieWeights must be a boolean, got ${fmtArg(tieWeights)}`);
  const callArgs = (args instanceof Tensor ? [args] : args) as In;
  if (!Array.isArray(callArgs)) throw new ArgumentError(`${OP}: args must be the array of forward's arguments or a Tensor, got ${fmtArg(args)}`);

  const given = mergeDicts(paramsAndBuffers);
  const slots = slotsOf(module);
  const unknown = [...given.keys()].filter((n) => !slots.has(n));
  if (unknown.length) {
    throw new ArgumentError(`${OP}: ${module.typeName} has no parameter or buffer ${listNames(unknown)} (it has ${listNames([...slots.keys()])})`);
  }
  const replacements = tieWeights ? untie(slots, given) : given;
  if (strict) {
    const missing = [...slots.keys()].filter((n) => !replacements.has(n));
    if (missing.length) throw new ArgumentError(`${OP}: strict: ${module.typeName}'s ${listNames(missing)} ${missing.length === 1 ? 'was' : 'were'} not given`);
  }
  for (const [name, t] of replacements) {
    const own = slots.get(name)!.tensor;
    if (!shapesEqual(t.shape, own.shape)) throw new ShapeError(`${OP}: '${name}' is given as ${t.describe()} but ${module.typeName}'s is ${fmtShape(own.shape)}`);
  }

  const swapped: [string, Slot, Tensor, Tensor][] = [];
  try {
    for (const [name, t] of replacements) {
      const slot = slots.get(name)!;
      swapped.push([name, slot, t, slot.owner.swapTensor(slot.local, t)]);
    }
    return module.call(...callArgs);
  } finally {
    // Back in reverse order, so that a module reached under two names (a shared submodule) ends with its own tensor.
    const writeBack = !Array.isArray(paramsAndBuffers) ? paramsAndBuffers : null;
    for (let i = swapped.length - 1; i >= 0; i--) {
      const [name, slot, put, own] = swapped[i];
      const last = slot.owner.swapTensor(slot.local, own);
      if (last === put || !writeBack || !given.has(name)) continue;
      // Forward re-assigned the slot (torch writes such tensors back into the given dict).
      if (writeBack instanceof Map) writeBack.set(name, last);
      else writeBack[name] = last;
    }
  }
}
