/**
 * PyTorch's `torch.autograd.functional`: vjp, jvp, jacobian, hessian, hvp and
 * vhp of a function of tensors, built on reverse-mode `grad()`.
 *
 * Each call runs `fn` on fresh tensors standing in for `inputs`, so the
 * caller's tensors are never mutated and never get a `.grad`: with
 * `createGraph: false` (the default) they are detached copies, so the results
 * carry no graph; with `createGraph: true` an input that requires grad is
 * replaced by a recorded view of itself, so the results stay differentiable
 * with respect to it (higher derivatives, or a loss on a Jacobian).
 *
 * Inputs and outputs may each be one tensor or an array of tensors; results
 * follow the same nesting as PyTorch's tuples: the Jacobian block of output i
 * with respect to input j has shape `out_i.shape ++ in_j.shape`, and the
 * Hessian block (i, j) has shape `in_i.shape ++ in_j.shape`.
 *
 * Forward-mode products (jvp, hvp) use the double-backward trick, as PyTorch
 * does: for u = J^T g (a reverse pass with a gradient g that requires grad),
 * u is linear in g with d<u, v>/dg = J v, so a second reverse pass through u
 * with respect to g gives the forward product J v. The value of g does not
 * matter (zeros), as long as it is finite.
 */
import { ArgumentError, AutogradError, ShapeError, fmtShape, fmtValue } from '../errors';
import { zeros, zerosLike } from '../ops/creation';
import { clone, narrow, reshape, stack } from '../ops/shape';
import { assertFloatTensor, assertTensor } from '../ops/util';
import { isFloat } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { detach, enableGrad, grad, noGrad } from './api';

/** One tensor or an array of tensors: an argument or result of the functions here. @example `const xs: Tensors = [x, w]` */
export type Tensors = Tensor | Tensor[];

/** A function of tensors, called with one tensor per input. @example `const fn: FunctionalFn = (x, w) => x.matmul(w).tanh()` */
export type FunctionalFn<O extends Tensors = Tensors> = (...inputs: Tensor[]) => O;

/** A result shaped like `T`: one tensor for one tensor, an array for an array. @example `const g: TensorsLike<Tensor[]> = [gx, gw]` */
export type TensorsLike<T> = T extends Tensor[] ? Tensor[] : Tensor;

/** The Jacobian's nesting for outputs `O` and inputs `I`: outputs outside, inputs inside. @example `const J: JacobianOf<Tensor[], Tensor[]> = [[dy1dx, dy1w], [dy2dx, dy2dw]]` */
export type JacobianOf<O, I> = O extends Tensor[] ? (I extends Tensor[] ? Tensor[][] : Tensor[]) : (I extends Tensor[] ? Tensor[] : Tensor);

/** The Hessian's nesting for inputs `I`: one tensor, or blocks [i][j]. @example `const H: HessianOf<Tensor[]> = [[hxx, hxw], [hwx, hww]]` */
export type HessianOf<I> = I extends Tensor[] ? Tensor[][] : Tensor;

/** Options of `vjp`, `jvp`, `hvp` and `vhp`. @example `vjp(fn, x, v, { createGraph: true, strict: true })` */
export interface FunctionalOptions {
  /** Record the computation so the results are differentiable again (default false). */
  createGraph?: boolean;
  /** Throw when an output does not depend on an input, instead of returning zeros (default false). */
  strict?: boolean;
}

/** Options of `jacobian`. @example `jacobian(fn, x, { createGraph: true })` */
export interface JacobianOptions extends FunctionalOptions {
  /** PyTorch's vmap path; Lattice computes the Jacobian row by row, so only false is accepted. */
  vectorize?: false;
  /** Only 'reverse-mode' (PyTorch's forward mode needs vectorize). */
  strategy?: 'reverse-mode';
}

/** Options of `hessian`. @example `hessian(loss, [w, b], { createGraph: true })` */
export interface HessianOptions extends FunctionalOptions {
  /** As in `jacobian`: only false. */
  vectorize?: false;
  /** The outer Jacobian's strategy: only 'reverse-mode'. */
  outerJacobianStrategy?: 'reverse-mode';
}

type Op = 'vjp' | 'jvp' | 'jacobian' | 'hessian' | 'hvp' | 'vhp';

interface Tupled { isTuple: boolean; list: Tensor[] }

// ---------------------------------------------------------------- arguments

function checkFn(op: Op, fn: unknown): void {
  if (typeof fn !== 'function') throw new ArgumentError(`${op}: fn must be a function, got ${fn === null ? 'null' : typeof fn}`);
}

/** A tensor or a non-empty array of tensors, as a list; remembers which it was (PyTorch's _as_tuple). */
function asTuple(op: Op, arg: string, x: unknown): Tupled {
  if (Array.isArray(x)) {
    if (x.length === 0) throw new ArgumentError(`${op}: ${arg} is an empty array; pass a Tensor or a non-empty array of Tensors`);
    x.forEach((t, i) => assertTensor(op, `${arg}[${i}]`, t));
    return { isTuple: true, list: x as Tensor[] };
  }
  assertTensor(op, arg, x);
  return { isTuple: false, list: [x] };
}

function argName(arg: string, isTuple: boolean, i: number): string {
  return isTuple ? `${arg}[${i}]` : arg;
}

/** The options object, its known keys checked: a snake_case port (create_graph) must not be ignored silently. */
function readOptions(op: Op, opts: unknown, extra: Record<string, unknown> = {}): { createGraph: boolean; strict: boolean } {
  if (opts === undefined || opts === null) return { createGraph: false, strict: false };
  if (typeof opts !== 'object' || Array.isArray(opts) || opts instanceof Tensor) {
    throw new ArgumentError(`${op}: options must be an object such as { createGraph: true }, got ${fmtValue(opts)}`);
  }
  const known = ['createGraph', 'strict', ...Object.keys(extra)];
  const o = opts as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new ArgumentError(`${op}: unknown option ${key} (the options are ${known.join(', ')})`);
  }
  for (const key of ['createGraph', 'strict']) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') throw new ArgumentError(`${op}: ${key} must be true or false, got ${fmtValue(o[key])}`);
  }
  for (const [key, allowed] of Object.entries(extra)) {
    if (o[key] !== undefined && o[key] !== allowed) {
      const why = key === 'vectorize'
        ? 'Lattice has no vmap; leave vectorize unset (the Jacobian is the same, computed one row per backward pass)'
        : `PyTorch implements the forward-mode strategy only with vectorize: true, which Lattice does not have; use '${allowed as string}'`;
      throw new ArgumentError(`${op}: ${key} ${fmtValue(o[key])} is not supported: ${why}`);
    }
  }
  return { createGraph: o.createGraph === true, strict: o.strict === true };
}

/** vjp(fn, x, { createGraph }) as well as vjp(fn, x, v, { createGraph }): v is never a plain object. */
function splitVAndOptions(v: unknown, opts: unknown): [unknown, unknown] {
  const isOptions = v !== undefined && v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tensor);
  if (isOptions && opts === undefined) return [undefined, v];
  return [v, opts];
}

// ---------------------------------------------------------------- PyTorch's helpers

/**
 * Fresh tensors standing for the inputs (PyTorch's _grad_preprocess): a recorded view
 * when the caller wants a graph back to an input that requires grad, else a detached
 * leaf that requires grad. Always a new object: fn may also capture the caller's tensor
 * directly, and that use must not count as a use of the input.
 */
function preprocessInputs(op: Op, xs: Tensor[], isTuple: boolean, createGraph: boolean): Tensor[] {
  return xs.map((x, i) => {
    assertFloatTensor(op, argName('inputs', isTuple, i), x);
    return createGraph && x.requiresGrad ? reshape(x, x.shape) : detach(x).requiresGrad_(true);
  });
}

/** The vectors v: kept in the graph only when it is asked for and they have one. */
function preprocessV(vs: Tensor[], createGraph: boolean): Tensor[] {
  return vs.map((v) => (createGraph && v.requiresGrad ? reshape(v, v.shape) : detach(v)));
}

/** fn's result as a list, checked. */
function callFn(op: Op, fn: FunctionalFn, xs: Tensor[]): Tupled {
  const out: unknown = fn(...xs);
  if (Array.isArray(out)) {
    if (out.length === 0) throw new ArgumentError(`${op}: fn returned an empty array; it must return a Tensor or a non-empty array of Tensors`);
    out.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: fn must return a Tensor or an array of Tensors, but element ${i} of its result is ${fmtValue(t)}`);
      assertTensor(op, `fn's output ${i}`, t);
    });
    return { isTuple: true, list: out as Tensor[] };
  }
  if (!(out instanceof Tensor)) throw new ArgumentError(`${op}: fn must return a Tensor or an array of Tensors, got ${out === undefined ? 'undefined' : fmtValue(out)}`);
  assertTensor(op, "fn's output", out);
  return { isTuple: false, list: [out] };
}

/** v must match the tensors it multiplies (`refs`: fn's outputs for vjp, the inputs otherwise) one for one. */
function validateV(op: Op, v: unknown, refs: Tensor[], refsTuple: boolean, refsName: string): Tensor[] {
  const { isTuple, list } = asTuple(op, 'v', v);
  if (list.length !== refs.length) {
    throw new ArgumentError(refsTuple
      ? `${op}: v has ${list.length} tensors but ${refsName} has ${refs.length}; give one per entry`
      : `${op}: v must be a single Tensor (${refsName} is one Tensor), got an array of ${list.length}`);
  }
  list.forEach((t, i) => {
    const vName = argName('v', isTuple, i), refName = argName(refsName, refsTuple, i);
    assertFloatTensor(op, vName, t);
    if (t.shape.length !== refs[i].shape.length || t.shape.some((s, k) => s !== refs[i].shape[k])) {
      throw new ShapeError(`${op}: ${vName} is ${fmtShape(t.shape)} but ${refName} is ${fmtShape(refs[i].shape)}; they must have the same shape`);
    }
  });
  return list;
}

/** PyTorch's _check_requires_grad under strict: each tensor must require grad (null only for gradients). */
function checkRequiresGrad(op: Op, ts: (Tensor | null)[], stage: 'outputs' | 'gradInputs' | 'jacobian' | 'hessian', strict: boolean): void {
  if (!strict) return;
  ts.forEach((t, i) => {
    if (t === null) throw new AutogradError(`${op}: the output of fn is independent of inputs[${i}]; strict mode does not allow that`);
    if (t.requiresGrad) return;
    switch (stage) {
      case 'outputs':
        throw new AutogradError(`${op}: output ${i} of fn (${t.describe()}) does not require grad; in strict mode the outputs must be computed differentiably from the inputs`);
      case 'gradInputs':
        throw new AutogradError(`${op}: the gradient with respect to inputs[${i}] is independent of fn's outputs' gradients (fn is not differentiable there); strict mode does not allow that`);
      case 'jacobian':
        throw new AutogradError(`${op}: the jacobian of fn with respect to inputs[${i}] is independent of the inputs (fn is linear in them?); strict mode does not allow that: fn must be twice differentiable with a jacobian that depends on the inputs`);
      case 'hessian':
        throw new AutogradError(`${op}: the hessian of fn with respect to inputs[${i}] is independent of the inputs; strict mode does not allow that: fn must be thrice differentiable with a hessian that depends on the inputs`);
    }
  });
}

/**
 * grad() that takes null or constant outputs and skips them (PyTorch's _autograd_grad):
 * an output that does not require grad contributes nothing, and with no output left
 * every gradient is null. Unused inputs give null.
 */
function autogradGrad(outputs: (Tensor | null)[], inputs: Tensor[], gradOutputs: (Tensor | undefined)[] | undefined, createGraph: boolean, retainGraph?: boolean): (Tensor | null)[] {
  const outs: Tensor[] = [];
  const gs: (Tensor | undefined)[] = [];
  outputs.forEach((o, i) => {
    if (o !== null && o.requiresGrad) {
      outs.push(o);
      gs.push(gradOutputs?.[i]);
    }
  });
  if (outs.length === 0) return inputs.map(() => null);
  return grad(outs, inputs, { gradOutputs: gs, allowUnused: true, createGraph, retainGraph: retainGraph ?? createGraph });
}

type Stage = 'back' | 'backTrick' | 'doubleBack' | 'doubleBackTrick';

/** Nulls become zeros like refs[i], or errors under strict (PyTorch's _fill_in_zeros). */
function fillInZeros(op: Op, grads: (Tensor | null)[], refs: Tensor[], strict: boolean, createGraph: boolean, stage: Stage): Tensor[] {
  return grads.map((g, i) => {
    if (g === null) {
      if (strict) {
        switch (stage) {
          case 'back': throw new AutogradError(`${op}: the output of fn is independent of inputs[${i}]; strict mode does not allow that`);
          case 'backTrick': throw new AutogradError(`${op}: the gradient with respect to the inputs is independent of the gradient of output ${i} (the double-backward trick that computes the forward product needs it); strict mode does not allow that`);
          case 'doubleBack': throw new AutogradError(`${op}: the jacobian of fn is independent of inputs[${i}]; strict mode does not allow that`);
          case 'doubleBackTrick': throw new AutogradError(`${op}: the hessian of fn is independent of entry ${i} of the jacobian's gradient (the double-backward trick that computes the forward product needs it); strict mode does not allow that`);
        }
      }
      return zerosLike(refs[i]);
    }
    if (strict && createGraph && !g.requiresGrad) {
      const what = stage === 'doubleBack' || stage === 'doubleBackTrick' ? 'hessian' : 'jacobian';
      const where = stage === 'backTrick' ? `(the product for output ${i})` : `with respect to inputs[${i}]`;
      throw new AutogradError(`${op}: the ${what} of fn ${where} is independent of the inputs; strict mode with createGraph does not allow that`);
    }
    return g;
  });
}

/**
 * Results without history unless a graph was asked for (PyTorch's _grad_postprocess).
 * A detached result that shares storage with a tensor the caller passed (fn returned
 * its input, or the vjp of the identity is v itself) is copied: it is a new result.
 */
function postprocess(ts: Tensor[], createGraph: boolean, callers: Tensor[]): Tensor[] {
  if (createGraph) return ts;
  return ts.map((t) => {
    const d = detach(t);
    return callers.some((c) => c.storage === t.storage) ? noGrad(() => clone(d)) : d;
  });
}

function untuple(list: Tensor[], isTuple: boolean): Tensor | Tensor[] {
  return isTuple ? list : list[0];
}

/** blocks[i][j] for output i and input j, unnested where fn's output or the inputs were single tensors. */
function untuple2(blocks: Tensor[][], outTuple: boolean, inTuple: boolean): Tensor | Tensor[] | Tensor[][] {
  const byOut = inTuple ? blocks : blocks.map((row) => row[0]);
  return outTuple ? byOut : byOut[0];
}

// ---------------------------------------------------------------- vjp

/**
 * The vector-Jacobian product v^T J of `fn` at `inputs`. Returns `[outputs, vjp]`:
 * fn's outputs (nested as fn returned them) and one gradient per input (nested as
 * `inputs`). `v` is shaped like fn's outputs; it may be left out when fn returns
 * one one-element tensor.
 * @example
 * const [y, g] = vjp((x) => x.tanh().mul(x.square()), x, ones([2, 3]));
 */
export function vjp<O extends Tensors, I extends Tensors>(fn: FunctionalFn<O>, inputs: I, opts?: FunctionalOptions): [TensorsLike<O>, TensorsLike<I>];
export function vjp<O extends Tensors, I extends Tensors>(fn: FunctionalFn<O>, inputs: I, v?: Tensors | null, opts?: FunctionalOptions): [TensorsLike<O>, TensorsLike<I>];
export function vjp(fn: FunctionalFn, inputs: Tensors, vOrOpts?: Tensors | null | FunctionalOptions, maybeOpts?: FunctionalOptions): [Tensors, Tensors] {
  const [v, opts] = splitVAndOptions(vOrOpts, maybeOpts);
  checkFn('vjp', fn);
  const { createGraph, strict } = readOptions('vjp', opts);
  const ins = asTuple('vjp', 'inputs', inputs);
  return enableGrad(() => {
    const xs = preprocessInputs('vjp', ins.list, ins.isTuple, createGraph);
    const outs = callFn('vjp', fn, xs);
    checkRequiresGrad('vjp', outs.list, 'outputs', strict);
    let vs: (Tensor | undefined)[] = [undefined];
    const callers = [...ins.list];
    if (v !== undefined && v !== null) {
      const list = validateV('vjp', v, outs.list, outs.isTuple, "fn's output");
      callers.push(...list);
      vs = preprocessV(list, createGraph);
    } else if (outs.list.length !== 1 || outs.list[0].size !== 1) {
      throw new ArgumentError(`vjp: v can be left out only when fn returns a single one-element Tensor; it returned ${outs.list.map((o) => fmtShape(o.shape)).join(', ')}`);
    }
    const grads = autogradGrad(outs.list, xs, vs, createGraph);
    const result = fillInZeros('vjp', grads, xs, strict, createGraph, 'back');
    return [untuple(postprocess(outs.list, createGraph, callers), outs.isTuple), untuple(postprocess(result, createGraph, callers), ins.isTuple)];
  });
}

// ---------------------------------------------------------------- jvp

/**
 * The Jacobian-vector product J v of `fn` at `inputs` (by the double-backward
 * trick). Returns `[outputs, jvp]`, the product nested like fn's outputs. `v` is
 * shaped like `inputs`; it may be left out when the input is one one-element tensor.
 * @example
 * const [y, jv] = jvp((x) => x.sin(), x, ones([3]));
 */
export function jvp<O extends Tensors, I extends Tensors>(fn: FunctionalFn<O>, inputs: I, opts?: FunctionalOptions): [TensorsLike<O>, TensorsLike<O>];
export function jvp<O extends Tensors, I extends Tensors>(fn: FunctionalFn<O>, inputs: I, v?: Tensors | null, opts?: FunctionalOptions): [TensorsLike<O>, TensorsLike<O>];
export function jvp(fn: FunctionalFn, inputs: Tensors, vOrOpts?: Tensors | null | FunctionalOptions, maybeOpts?: FunctionalOptions): [Tensors, Tensors] {
  const [v, opts] = splitVAndOptions(vOrOpts, maybeOpts);
  checkFn('jvp', fn);
  const { createGraph, strict } = readOptions('jvp', opts);
  const ins = asTuple('jvp', 'inputs', inputs);
  return enableGrad(() => {
    const xs = preprocessInputs('jvp', ins.list, ins.isTuple, createGraph);
    const callers = [...ins.list];
    let vs: (Tensor | undefined)[] | undefined;
    if (v !== undefined && v !== null) {
      const list = validateV('jvp', v, xs, ins.isTuple, 'inputs');
      callers.push(...list);
      vs = preprocessV(list, createGraph);
    } else if (xs.length !== 1 || xs[0].size !== 1) {
      throw new ArgumentError(`jvp: v can be left out only when inputs is a single one-element Tensor; inputs are ${xs.map((x) => fmtShape(x.shape)).join(', ')}`);
    }
    const outs = callFn('jvp', fn, xs);
    checkRequiresGrad('jvp', outs.list, 'outputs', strict);
    // The backward is linear in these gradients, so their value never reaches the result (zeros: finite).
    const gradOutputs = outs.list.map((o) => (isFloat(o.dtype) ? zerosLike(o, { requiresGrad: true }) : null));
    const gradInputs = autogradGrad(outs.list, xs, gradOutputs.map((g) => g ?? undefined), true);
    checkRequiresGrad('jvp', gradInputs, 'gradInputs', strict);
    const wrt = gradOutputs.filter((g): g is Tensor => g !== null);
    const products = autogradGrad(gradInputs, wrt, vs, createGraph);
    let k = 0;
    const byOutput = gradOutputs.map((g) => (g === null ? null : products[k++]));
    const result = fillInZeros('jvp', byOutput, outs.list, strict, createGraph, 'backTrick');
    return [untuple(postprocess(outs.list, createGraph, callers), outs.isTuple), untuple(postprocess(result, createGraph, callers), outs.isTuple)];
  });
}

// ---------------------------------------------------------------- jacobian

/**
 * The Jacobian blocks [output i][input j], each out_i.shape ++ in_j.shape: row k
 * of block (i, j) is the gradient of element k of output i, one backward pass per
 * output element over a retained graph (PyTorch's reverse-mode, vectorize=False).
 */
function jacobianBlocks(op: Op, fn: FunctionalFn, inputs: Tupled, createGraph: boolean, strict: boolean): { outTuple: boolean; blocks: Tensor[][] } {
  return enableGrad(() => {
    const xs = preprocessInputs(op, inputs.list, inputs.isTuple, createGraph);
    const outs = callFn(op, fn, xs);
    checkRequiresGrad(op, outs.list, 'outputs', strict);
    const blocks = outs.list.map((out, i) => {
      const blockShape = (x: Tensor): number[] => [...out.shape, ...x.shape];
      // An output without a graph (strict has thrown already) is constant: zero blocks.
      if (!out.requiresGrad || out.size === 0) return xs.map((x) => zeros(blockShape(x), { dtype: x.dtype, device: x.device }));
      const rows: Tensor[][] = xs.map(() => []);
      const flat = reshape(out, [-1]);
      for (let k = 0; k < out.size; k++) {
        const grads = autogradGrad([narrow(flat, 0, k, 1)], xs, undefined, createGraph, true);
        grads.forEach((g, j) => {
          if (g === null) {
            if (strict) throw new AutogradError(`${op}: output ${i} of fn is independent of ${argName('inputs', inputs.isTuple, j)}; strict mode does not allow that`);
            rows[j].push(zerosLike(xs[j]));
            return;
          }
          if (strict && createGraph && !g.requiresGrad) {
            throw new AutogradError(`${op}: the jacobian of output ${i} of fn with respect to ${argName('inputs', inputs.isTuple, j)} is independent of the inputs; strict mode with createGraph does not allow that`);
          }
          rows[j].push(g);
        });
      }
      return xs.map((x, j) => reshape(stack(rows[j], 0), blockShape(x)));
    });
    return { outTuple: outs.isTuple, blocks: blocks.map((row) => postprocess(row, createGraph, [])) };
  });
}

/**
 * The Jacobian of `fn` at `inputs`. For one output and one input it is one tensor
 * of shape out.shape ++ in.shape; for several inputs an array over inputs; for
 * several outputs an array over outputs (of arrays over inputs).
 * @example
 * const J = jacobian((x) => x.tanh().mul(x.square()), randn([2, 3])); // [2, 3, 2, 3]
 */
export function jacobian<O extends Tensors, I extends Tensors>(fn: FunctionalFn<O>, inputs: I, opts?: JacobianOptions): JacobianOf<O, I>;
export function jacobian(fn: FunctionalFn, inputs: Tensors, opts?: JacobianOptions): Tensor | Tensor[] | Tensor[][] {
  checkFn('jacobian', fn);
  const { createGraph, strict } = readOptions('jacobian', opts, { vectorize: false, strategy: 'reverse-mode' });
  const ins = asTuple('jacobian', 'inputs', inputs);
  const { outTuple, blocks } = jacobianBlocks('jacobian', fn, ins, createGraph, strict);
  return untuple2(blocks, outTuple, ins.isTuple);
}

// ---------------------------------------------------------------- hessian

/** fn's one-element output as a 0-d tensor, checked as hessian/hvp/vhp need it. */
function scalarOutput(op: Op, out: Tupled, strict: boolean): Tensor {
  checkRequiresGrad(op, out.list, 'outputs', strict);
  if (out.isTuple) throw new ArgumentError(`${op}: fn must return a single Tensor, got an array of ${out.list.length}`);
  const y = out.list[0];
  if (y.size !== 1) throw new ShapeError(`${op}: fn must return a single-element Tensor, got ${y.describe()}`);
  return y;
}

/**
 * The Hessian of a scalar `fn` at `inputs`: for one input a tensor of shape
 * in.shape ++ in.shape, for several inputs blocks [i][j] of shape
 * in_i.shape ++ in_j.shape. It is the Jacobian of the gradient, as in PyTorch.
 * @example
 * const H = hessian((x) => x.pow(3).sum(), randn([3])); // [3, 3], diag(6x)
 */
export function hessian<I extends Tensors>(fn: FunctionalFn<Tensor>, inputs: I, opts?: HessianOptions): HessianOf<I>;
export function hessian(fn: FunctionalFn<Tensor>, inputs: Tensors, opts?: HessianOptions): Tensor | Tensor[][] {
  checkFn('hessian', fn);
  const { createGraph, strict } = readOptions('hessian', opts, { vectorize: false, outerJacobianStrategy: 'reverse-mode' });
  const ins = asTuple('hessian', 'inputs', inputs);
  const single = (...xs: Tensor[]): Tensor => reshape(scalarOutput('hessian', callFn('hessian', fn, xs), strict), []);
  // The gradient, as a graph: the outer jacobian differentiates it once more.
  const gradient = (...xs: Tensor[]): Tensor[] => {
    const { blocks } = jacobianBlocks('hessian', single, { isTuple: ins.isTuple, list: xs }, true, strict);
    checkRequiresGrad('hessian', blocks[0], 'jacobian', strict);
    return blocks[0];
  };
  const { blocks } = jacobianBlocks('hessian', gradient, ins, createGraph, strict);
  return untuple2(blocks, ins.isTuple, ins.isTuple) as Tensor | Tensor[][];
}

// ---------------------------------------------------------------- vhp, hvp

/** Common start of vhp and hvp: inputs, v, the scalar output and its gradient as a graph. */
function secondOrderSetup(op: 'vhp' | 'hvp', fn: FunctionalFn<Tensor>, inputs: Tensors, v: unknown, createGraph: boolean, strict: boolean) {
  const ins = asTuple(op, 'inputs', inputs);
  const xs = preprocessInputs(op, ins.list, ins.isTuple, createGraph);
  const callers = [...ins.list];
  let vs: (Tensor | undefined)[] | undefined;
  if (v !== undefined && v !== null) {
    const list = validateV(op, v, xs, ins.isTuple, 'inputs');
    callers.push(...list);
    vs = preprocessV(list, createGraph);
  } else if (xs.length !== 1 || xs[0].size !== 1) {
    throw new ArgumentError(`${op}: v can be left out only when inputs is a single one-element Tensor; inputs are ${xs.map((x) => fmtShape(x.shape)).join(', ')}`);
  }
  const y = scalarOutput(op, callFn(op, fn, xs), strict);
  const jac = autogradGrad([y], xs, undefined, true);
  checkRequiresGrad(op, jac, 'jacobian', strict);
  return { ins, xs, vs, y, jac, callers };
}

/**
 * The vector-Hessian product v^T H of a scalar `fn` at `inputs`. Returns
 * `[output, vhp]`, the product nested like `inputs`.
 * @example
 * const [loss, vh] = vhp((x) => x.pow(3).sum(), x, ones([3]));
 */
export function vhp<I extends Tensors>(fn: FunctionalFn<Tensor>, inputs: I, opts?: FunctionalOptions): [Tensor, TensorsLike<I>];
export function vhp<I extends Tensors>(fn: FunctionalFn<Tensor>, inputs: I, v?: Tensors | null, opts?: FunctionalOptions): [Tensor, TensorsLike<I>];
export function vhp(fn: FunctionalFn<Tensor>, inputs: Tensors, vOrOpts?: Tensors | null | FunctionalOptions, maybeOpts?: FunctionalOptions): [Tensor, Tensors] {
  const [v, opts] = splitVAndOptions(vOrOpts, maybeOpts);
  checkFn('vhp', fn);
  const { createGraph, strict } = readOptions('vhp', opts);
  return enableGrad(() => {
    const { ins, xs, vs, y, jac, callers } = secondOrderSetup('vhp', fn, inputs, v, createGraph, strict);
    const grads = autogradGrad(jac, xs, vs, createGraph);
    const result = fillInZeros('vhp', grads, xs, strict, createGraph, 'doubleBack');
    return [postprocess([y], createGraph, callers)[0], untuple(postprocess(result, createGraph, callers), ins.isTuple)];
  });
}

/**
 * The Hessian-vector product H v of a scalar `fn` at `inputs` (by the
 * double-backward trick; equal to vhp for a twice continuously differentiable
 * fn, whose Hessian is symmetric). Returns `[output, hvp]` nested like `inputs`.
 * @example
 * const [loss, hv] = hvp((x) => x.pow(3).sum(), x, ones([3]));
 */
export function hvp<I extends Tensors>(fn: FunctionalFn<Tensor>, inputs: I, opts?: FunctionalOptions): [Tensor, TensorsLike<I>];
export function hvp<I extends Tensors>(fn: FunctionalFn<Tensor>, inputs: I, v?: Tensors | null, opts?: FunctionalOptions): [Tensor, TensorsLike<I>];
export function hvp(fn: FunctionalFn<Tensor>, inputs: Tensors, vOrOpts?: Tensors | null | FunctionalOptions, maybeOpts?: FunctionalOptions): [Tensor, Tensors] {
  const [v, opts] = splitVAndOptions(vOrOpts, maybeOpts);
  checkFn('hvp', fn);
  const { createGraph, strict } = readOptions('hvp', opts);
  return enableGrad(() => {
    const { ins, xs, vs, y, jac, callers } = secondOrderSetup('hvp', fn, inputs, v, createGraph, strict);
    // u = H^T g for a g that requires grad; d<u, v>/dg = H v.
    const gradJac = xs.map((x) => zerosLike(x, { requiresGrad: true }));
    const doubleBack = autogradGrad(jac, xs, gradJac, true);
    checkRequiresGrad('hvp', doubleBack, 'hessian', strict);
    const grads = autogradGrad(doubleBack, gradJac, vs, createGraph);
    const result = fillInZeros('hvp', grads, xs, strict, createGraph, 'doubleBackTrick');
    return [postprocess([y], createGraph, callers)[0], untuple(postprocess(result, createGraph, callers), ins.isTuple)];
  });
}
