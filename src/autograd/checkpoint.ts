/**
 * Activation checkpointing (PyTorch's `torch.utils.checkpoint.checkpoint`, use_reentrant=False
 * semantics): trade compute for memory. The forward of `fn` runs as usual, but every tensor it
 * made and does not return is disposed at once (as by `tidy()`), so its graph keeps none of its
 * activations; one `checkpoint` node stands for the whole call. Its backward runs `fn` again on
 * the same inputs (the recompute), differentiates the rebuilt graph with `grad()` and hands the
 * gradients on.
 *
 * What the node's inputs are: not only the tensors passed to `fn`, but every tensor that `fn`'s
 * recorded ops reached from outside the call, its captured parameters above all. They are found
 * by walking the graph `fn` recorded: a node with a sequence number past the mark taken before
 * the call was made inside it; a tensor made by an older node, or a leaf, came from outside.
 *
 * In the recompute each such external tensor t gets a stand-in node for its `gradFn` (a "proxy",
 * identity backward), restored when the recompute is over. The rebuilt graph's edges then stop at
 * the proxies: grad() captures t's gradient there without running t's own producer (which belongs
 * to the outer backward), and without walking the graph below. When the outer backward builds a
 * graph (createGraph), a proxy leads on to t's real producer, so that the gradients the recompute
 * returns stay differentiable with respect to everything upstream (double backward).
 */
import { getDefaultGenerator, type PhiloxState } from '../backend/philox';
import { ArgumentError, AutogradError, fmtArg, fmtShape } from '../errors';
import { zeros } from '../ops/creation';
import { copy_ } from '../ops/inplace';
import { record } from '../ops/record';
import type { TypedArray } from '../tensor/dtype';
import { GradNode, isGradEnabled, nextSeq } from '../tensor/graph';
import { shapesEqual } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';
import { detach, enableGrad, grad, noGrad } from './api';

/**
 * Options of `checkpoint()` (its last argument).
 * @example `checkpoint((x) => block.call(x), h, { preserveRngState: false })`
 */
export interface CheckpointOptions {
  /**
   * Replay the default generator in the recompute (default true), so that dropout and every other
   * draw from it give the forward's numbers again and the result is bit-identical to a run without
   * checkpointing; the generator is left where the forward left it. With false the recompute draws
   * new numbers (and moves the generator on), as PyTorch's `preserve_rng_state=False`.
   * Streams passed explicitly (`generator:` options) are not replayed.
   */
  preserveRngState?: boolean;
  /**
   * State that `fn` reads or updates in place, the modules' buffers above all (`block.buffers()`:
   * BatchNorm's running statistics, spectral norm's power-iteration vectors). Their values are
   * copied (to host arrays, outside `memory()`) before the forward; the recompute runs on those
   * values, and the values it leaves are replaced by the ones it found. So a side effect happens
   * once, as without checkpointing, and a module that reads its state in forward (spectral norm)
   * recomputes exactly what it computed. Without them the recompute sees and updates the state
   * again, as in PyTorch (BatchNorm's statistics are updated twice).
   * `nn.utils.checkpointSequential` passes its modules' buffers itself.
   */
  buffers?: Tensor[];
  /** Only false is accepted: Lattice implements the non-reentrant variant (PyTorch's `use_reentrant=False`). */
  useReentrant?: false;
}

const OPTION_KEYS = ['preserveRngState', 'buffers', 'useReentrant'];

/** What the forward saw of one output of fn, to check the recompute against. */
interface OutputMeta { shape: number[]; dtype: string; requiresGrad: boolean }

/** A tensor's values, kept as a host array (not a tensor, so outside memory()), and its version then. */
interface Snapshot { t: Tensor; values: TypedArray; version: number }

/** Everything the backward needs to run fn again. */
interface Recompute {
  fn: (...args: unknown[]) => unknown;
  args: unknown[];
  rngState: PhiloxState | null;
  /** The buffers as the forward found them. */
  buffers: Snapshot[];
  /** The tensors from outside the call that fn's graph reached: the checkpoint node's inputs. */
  externals: Tensor[];
  /** Per output of fn in the forward. */
  meta: OutputMeta[];
  /** The positions (in fn's outputs) of the outputs that got a node, in the node's order. */
  recorded: number[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || v instanceof Tensor || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Splits checkpoint's arguments into fn's and the trailing options object, and checks the options. */
function splitOptions(rest: unknown[]): { args: unknown[]; opts: CheckpointOptions } {
  const last = rest[rest.length - 1];
  if (!isPlainObject(last)) return { args: rest, opts: {} };
  for (const key of Object.keys(last)) {
    if (!OPTION_KEYS.includes(key)) {
      throw new ArgumentError(`checkpoint: unknown option '${key}' in the last argument (options are ${OPTION_KEYS.join(', ')}); to pass a plain object to fn, end the arguments with an options object ({})`);
    }
  }
  const opts = last as CheckpointOptions;
  if (opts.preserveRngState !== undefined && typeof opts.preserveRngState !== 'boolean') {
    throw new ArgumentError(`checkpoint: preserveRngState must be a boolean, got ${fmtArg(opts.preserveRngState)}`);
  }
  if (opts.useReentrant !== undefined && opts.useReentrant !== false) {
    throw new ArgumentError(`checkpoint: useReentrant must be false (or left out), got ${fmtArg(opts.useReentrant)}; Lattice implements only the non-reentrant checkpoint`);
  }
  if (opts.buffers !== undefined) {
    if (!Array.isArray(opts.buffers)) throw new ArgumentError(`checkpoint: buffers must be an array of tensors, got ${fmtArg(opts.buffers)}`);
    opts.buffers.forEach((b, i) => {
      if (!(b instanceof Tensor)) throw new ArgumentError(`checkpoint: buffers[${i}] must be a tensor, got ${fmtArg(b)}`);
    });
  }
  return { args: rest.slice(0, -1), opts };
}

/** fn's result as a list of tensors; throws unless it is a tensor or an array of tensors. */
function outputsOf(result: unknown, when: string): Tensor[] {
  if (result instanceof Tensor) return [result];
  if (Array.isArray(result)) {
    result.forEach((t, i) => {
      if (!(t instanceof Tensor)) {
        throw new ArgumentError(`checkpoint: fn returned an array whose element ${i} is ${t === null ? 'null' : typeof t === 'object' ? fmtArg(t) : typeof t}${when}; fn must return a tensor or an array of tensors`);
      }
    });
    return result as Tensor[];
  }
  throw new ArgumentError(`checkpoint: fn returned ${result === null ? 'null' : result === undefined ? 'undefined' : typeof result === 'object' ? fmtArg(result) : `a ${typeof result}`}${when}; fn must return a tensor or an array of tensors`);
}

/** Whether t was made before the call (or is a leaf): its node's sequence number is at most `mark`. */
const isExternal = (t: Tensor, mark: number): boolean => t.gradFn === null || t.gradFn.seq <= mark;

/**
 * The tensors from outside the call that the graph of `outputs` reaches: walks the nodes made
 * inside the call (sequence number past `mark`) and collects the inputs that came from outside.
 */
function findExternals(outputs: Tensor[], mark: number): Tensor[] {
  const externals = new Set<Tensor>();
  const seen = new Set<GradNode>();
  const stack: GradNode[] = [];
  for (const t of outputs) {
    if (!t.requiresGrad) continue;
    if (isExternal(t, mark)) externals.add(t);
    else if (!seen.has(t.gradFn!)) { seen.add(t.gradFn!); stack.push(t.gradFn!); }
  }
  while (stack.length) {
    const node = stack.pop()!;
    for (const t of node.inputs) {
      if (!t) continue;
      if (isExternal(t, mark)) externals.add(t);
      else if (!seen.has(t.gradFn!)) { seen.add(t.gradFn!); stack.push(t.gradFn!); }
    }
  }
  return [...externals];
}

/**
 * Checkpointed call: `fn(...inputs)` without keeping its activations; backward runs fn again to
 * rebuild them. Gradients flow to the inputs and to every tensor fn uses from outside (its
 * parameters), into `.grad` as without checkpointing, and bit-identical to it: with
 * `preserveRngState` (default) dropout draws the same mask in the recompute.
 *
 * - `fn` returns a tensor or an array of tensors; non-tensor inputs (numbers, strings, objects)
 *   are passed through. A plain object as the last argument is the options (end with `{}` to pass
 *   a plain object to fn).
 * - Tensors fn makes and does not return are disposed when it returns, as by `tidy()`: that is the
 *   memory saved. A tensor fn must keep (stored on a module, say) needs `keep()`.
 * - fn runs twice per training step, so its side effects happen twice: forward hooks run again in
 *   the recompute, and BatchNorm updates its running statistics again unless they are listed in
 *   `buffers` (as in PyTorch, whose checkpoint updates them twice).
 * - Outside grad mode (inside `noGrad`) fn simply runs.
 * - Backward through it twice needs `retainGraph` on the first, as for any graph; each backward
 *   then recomputes. `createGraph` (double backward) is supported: the recomputed graph is kept
 *   for it, and fn must be twice differentiable.
 * @example
 * const y = checkpoint((h) => block.call(h), x);    // block's activations are not kept
 * y.sum().backward();                               // block's forward runs again here
 */
export function checkpoint<A extends unknown[], R extends Tensor | Tensor[]>(fn: (...args: A) => R, ...rest: [...A] | [...A, CheckpointOptions]): R {
  if (typeof fn !== 'function') throw new ArgumentError(`checkpoint: fn must be a function, got ${fn === null ? 'null' : typeof fn === 'object' ? fmtArg(fn) : typeof fn}`);
  const { args, opts } = splitOptions(rest);
  const call = fn as unknown as (...a: unknown[]) => unknown;
  if (!isGradEnabled()) {
    // Nothing is recorded, so nothing will be recomputed: fn just runs.
    const result = call(...args);
    outputsOf(result, '');
    return result as R;
  }
  const preserve = opts.preserveRngState ?? true;
  const rngState = preserve ? getDefaultGenerator().getState() : null;
  const buffers = snapshot(opts.buffers ?? []);
  const mark = nextSeq();
  const kept = tidy(() => {
    const result = call(...args);
    const outputs = outputsOf(result, '');
    const externals = findExternals(outputs, mark);
    const ctx: Recompute = {
      fn: call, args, rngState, buffers, externals,
      meta: outputs.map((t) => ({ shape: t.shape.slice(), dtype: t.dtype, requiresGrad: t.requiresGrad })),
      recorded: [],
    };
    outputs.forEach((t, i) => { if (t.requiresGrad) ctx.recorded.push(i); });
    const returned = outputs.slice();
    const hub = recordNodes(ctx, outputs, returned, args);
    // Returned from the tidy so that they survive it: the outputs, the node's inputs (a leaf fn
    // made itself), and the hub of a multi-output call.
    return { returned, externals, hub: hub ? [hub] : [], single: !Array.isArray(result) };
  });
  return (kept.single ? kept.returned[0] : kept.returned) as R;
}

/**
 * Puts the checkpoint node(s) on fresh aliases of the outputs that require grad (fn's own outputs
 * carry the graph that is being dropped). One such output gets one node. Several get one node
 * each, all feeding a zero-size "hub" tensor whose node holds the recompute: the engine runs the
 * hub after every output's node, so their gradients (stashed by those nodes) are all in when it
 * recomputes once. Returns the hub, or null.
 */
function recordNodes(ctx: Recompute, outputs: Tensor[], returned: Tensor[], args: unknown[]): Tensor | null {
  const { recorded, externals } = ctx;
  if (recorded.length === 0) return null;
  // The inputs and the external tensors are what the recompute reads: saved, so that disposing
  // them or changing them in place before backward is reported instead of giving wrong gradients.
  const saved = [...new Set<Tensor>([...args.filter((a): a is Tensor => a instanceof Tensor), ...externals])];
  if (recorded.length === 1) {
    const i = recorded[0];
    returned[i] = record(detach(outputs[i]), 'checkpoint', externals, (g, needs) => recompute(ctx, [g], needs), saved);
    return null;
  }
  const stash: (Tensor | null)[] = recorded.map(() => null);
  const first = outputs[recorded[0]];
  const hub = record(zeros([0], { dtype: first.dtype, device: first.device }), 'checkpoint', externals, (_g, needs) => {
    try {
      return recompute(ctx, stash, needs);
    } finally {
      stash.fill(null);
    }
  }, saved);
  recorded.forEach((i, k) => {
    returned[i] = record(detach(outputs[i]), 'checkpoint', [hub], (g) => {
      stash[k] = g;
      return [zeros([0], { dtype: hub.dtype, device: hub.device })];
    });
  });
  return hub;
}

/** Throws unless the recompute's outputs look like the forward's (same count, shapes, dtypes, grad). */
function checkRecomputed(outputs: Tensor[], meta: OutputMeta[]): void {
  const describe = (m: { shape: number[]; dtype: string; requiresGrad: boolean }): string => `${m.dtype}${fmtShape(m.shape)}${m.requiresGrad ? ' requiring grad' : ''}`;
  const same = outputs.length === meta.length && outputs.every((t, i) => t.dtype === meta[i].dtype && shapesEqual(t.shape, meta[i].shape) && t.requiresGrad === meta[i].requiresGrad);
  if (same) return;
  throw new AutogradError(`checkpoint: the recompute in backward gave ${outputs.map(describe).join(', ') || 'no outputs'} but the forward gave ${meta.map(describe).join(', ') || 'no outputs'}; fn must compute the same thing both times (did it read state that changed between forward and backward, or draw from a generator other than the default one?)`);
}

function snapshot(buffers: Tensor[]): Snapshot[] {
  return buffers.map((t) => ({ t, values: t.data(), version: t.storage.version }));
}

/** Writes saved values back into their tensor (through a temporary tensor: copy_ reaches any device). */
function write(t: Tensor, values: TypedArray): void {
  noGrad(() => {
    const src = Tensor.fromData(values, t.shape.slice(), t.dtype);
    copy_(t, src);
    src.dispose();
  });
}

/**
 * Puts back the buffers that changed since the forward began (a buffer nothing wrote to keeps its
 * version, so a graph that saved it is not disturbed); returns their current values, for `restore`.
 */
function rewind(start: Snapshot[]): Snapshot[] {
  const changed: Snapshot[] = [];
  for (const s of start) {
    if (s.t.storage.version === s.version) continue;
    changed.push({ t: s.t, values: s.t.data(), version: 0 });
    write(s.t, s.values);
  }
  return changed;
}

function restore(current: Snapshot[]): void {
  for (const s of current) write(s.t, s.values);
}

/**
 * The checkpoint node's backward: runs fn again with the forward's random state and the external
 * tensors behind proxies, and returns the gradients of the recomputed outputs (weighted by
 * `gradOutputs`, null where an output got none) with respect to the external tensors.
 */
function recompute(ctx: Recompute, gradOutputs: (Tensor | null)[], needs: readonly boolean[] | undefined): (Tensor | null)[] {
  const { externals, recorded } = ctx;
  const result: (Tensor | null)[] = externals.map(() => null);
  const wanted: number[] = [];
  externals.forEach((_, i) => { if (!needs || needs[i]) wanted.push(i); });
  const roots: number[] = [];
  gradOutputs.forEach((g, k) => { if (g) roots.push(k); });
  if (wanted.length === 0 || roots.length === 0) return result;
  // The engine runs a backward with grad mode on exactly when it builds a graph (createGraph).
  const createGraph = isGradEnabled();
  const run = (): (Tensor | null)[] => {
    const generator = getDefaultGenerator();
    const after = generator.getState();
    const proxied: [Tensor, GradNode | null][] = [];
    let current: Snapshot[] = [];
    try {
      current = rewind(ctx.buffers);
      for (const t of externals) {
        // Identity backward; it leads on to t's producer only when a graph is being built.
        const proxy = new GradNode('checkpoint', [t], [createGraph ? t.gradFn : null], (g) => [g], [], nextSeq());
        proxied.push([t, t.gradFn]);
        t.gradFn = proxy;
      }
      if (ctx.rngState) generator.setState(ctx.rngState);
      const outputs = outputsOf(enableGrad(() => ctx.fn(...ctx.args)), ' in the recompute');
      checkRecomputed(outputs, ctx.meta);
      return grad(roots.map((k) => outputs[recorded[k]]), wanted.map((i) => externals[i]), {
        gradOutputs: roots.map((k) => gradOutputs[k]!), allowUnused: true, createGraph, retainGraph: createGraph,
      });
    } finally {
      for (const [t, node] of proxied) t.gradFn = node;
      // The generator goes back to where the forward (and whatever ran since) left it.
      if (ctx.rngState) generator.setState(after);
      restore(current);
    }
  };
  // Without createGraph the rebuilt activations are dropped as soon as their gradients are out;
  // with it they are part of the graph of the returned gradients and must stay.
  const grads = createGraph ? run() : tidy(run);
  wanted.forEach((i, j) => { result[i] = grads[j]; });
  return result;
}
