/**
 * The machinery behind Module.call()'s forward pre-hooks and full backward hooks, PyTorch's
 * `torch.utils.hooks.BackwardHook` done with the library's own graph nodes:
 *
 * - Each tensor input that requires grad is replaced, for forward, by a view recorded as an
 *   identity node; each tensor output likewise. The identity nodes of one side all hang off one
 *   "token" node (a 0-d tensor recorded from the real inputs, or from the real outputs), so the
 *   engine runs the token node once, after every identity node of its side has run or been
 *   skipped. The identity nodes only store the gradient they receive (and hand the token a zero);
 *   the token node sees every gradient of its side at once, calls the hooks and returns the
 *   (possibly replaced) gradients to the real tensors.
 * - Output side: the backward pre-hooks run on the output gradients; with no tensor input that
 *   requires grad, the full backward hooks run here too, with null input gradients.
 * - Input side: the full backward hooks run with the input gradients and the output gradients
 *   the output side stored for this call, which are then cleared. A gradient reaching the inputs
 *   without passing the outputs (double backward) runs no hook, as in PyTorch.
 *
 * The state lives in a per-call object that only the graph's nodes reference, so it goes away
 * with the graph.
 */
import { ArgumentError, AutogradError, fmtArg, fmtShape } from '../errors';
import { zeros } from '../ops/creation';
import { record } from '../ops/record';
import { clone } from '../ops/shape';
import { isGradEnabled, setAnomalyEnabled } from '../tensor/graph';
import { shapesEqual } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import type { AnyModule } from './module';

/** Gradients per argument (gradInput) or per output (gradOutput); null where none flows. */
export type ModuleGrads = (Tensor | null)[];

type PreHookFn = (module: AnyModule, args: unknown[]) => unknown;
type ForwardHookFn = (module: AnyModule, args: unknown[], output: unknown) => unknown;
type BackwardHookFn = (module: AnyModule, gradInput: ModuleGrads, gradOutput: ModuleGrads) => ModuleGrads | void;
type BackwardPreHookFn = (module: AnyModule, gradOutput: ModuleGrads) => ModuleGrads | void;

/** @internal The hook lists of one module, as Module keeps them. */
export interface ModuleHookLists {
  forwardPre: readonly PreHookFn[];
  forward: readonly ForwardHookFn[];
  backward: readonly BackwardHookFn[];
  backwardPre: readonly BackwardPreHookFn[];
}

/**
 * @internal Module.call() when a forward pre-hook, full backward hook or backward pre-hook is
 * registered: pre-hooks, then the input side of the backward hooks, forward, the forward hooks,
 * and the output side (PyTorch's `_call_impl` order: the backward hooks see the output the
 * forward hooks returned).
 */
export function callWithHooks(module: AnyModule, args: unknown[], hooks: ModuleHookLists): unknown {
  for (const hook of hooks.forwardPre.length ? hooks.forwardPre.slice() : hooks.forwardPre) {
    const r = hook(module, args);
    if (r === undefined) continue;
    if (Array.isArray(r)) args = r;
    else if (r instanceof Tensor) args = [r];
    else throw new ArgumentError(`${module.typeName}: a forward pre-hook returned ${fmtArg(r)}; return the new argument array (or a Tensor, taken as the only argument), or nothing`);
  }
  // The lists are read at call time, as PyTorch does: a hook added after this call's forward
  // does not run in its backward, one removed after it still does.
  const bw = (hooks.backward.length || hooks.backwardPre.length) && isGradEnabled()
    ? new BackwardHookCall(module, hooks.backward.slice(), hooks.backwardPre.slice()) : null;
  if (bw) args = bw.wrapInputs(args);
  let out = module.forward(...args);
  for (const hook of hooks.forward.length ? hooks.forward.slice() : hooks.forward) {
    const r = hook(module, args, out);
    if (r !== undefined) out = r;
  }
  if (bw) {
    bw.checkVersions('input', 'was modified in place by forward');
    out = bw.wrapOutputs(out);
  }
  return out;
}

/** A graph-free tensor over t's storage (the identity nodes' outputs). */
function alias(t: Tensor): Tensor {
  return new Tensor(t.storage, t.shape.slice(), t.dtype);
}

/**
 * Records `out` with anomaly mode's forward check off: an identity node would otherwise be
 * blamed for a non-finite value it only passes on (its recorded input is the finite token).
 */
function recordQuiet(out: Tensor, name: string, inputs: Tensor[], backward: (g: Tensor) => (Tensor | null)[]): Tensor {
  const prev = setAnomalyEnabled(false);
  try {
    return record(out, name, inputs, backward);
  } finally {
    setAnomalyEnabled(prev);
  }
}

/** One side (inputs or outputs) of one call: which positions are hooked and their gradients. */
interface Side {
  /** Number of positions (arguments or outputs). */
  n: number;
  /** Positions holding a tensor that requires grad, and those tensors. */
  index: number[];
  sources: Tensor[];
  versions: number[];
  /** Gradients stored by the identity nodes this backward, per hooked position. */
  pending: (Tensor | null)[];
}

function makeSide(items: readonly unknown[]): Side {
  const index: number[] = [];
  const sources: Tensor[] = [];
  items.forEach((t, i) => {
    if (t instanceof Tensor && t.requiresGrad) { index.push(i); sources.push(t); }
  });
  return { n: items.length, index, sources, versions: sources.map((t) => t.storage.version), pending: sources.map(() => null) };
}

/** The state of the backward hooks for one call of a module. */
class BackwardHookCall {
  private readonly name: string;
  private inputs: Side | null = null;
  private outputs: Side | null = null;
  /** No tensor argument requires grad: the full hooks run from the output side. */
  private noInputGrad = true;
  /** Number of arguments of this call (the length of gradInput). */
  private nArgs = 0;
  /** The output gradients (after the pre-hooks) waiting for the input side; null when none are. */
  private gradOutputs: ModuleGrads | null = null;

  constructor(
    private readonly module: AnyModule,
    private readonly fullHooks: BackwardHookFn[],
    private readonly preHooks: BackwardPreHookFn[],
  ) {
    this.name = module.typeName;
  }

  /** Replaces the arguments that require grad by hooked identities (only when full hooks exist). */
  wrapInputs(args: unknown[]): unknown[] {
    const side = makeSide(args);
    this.nArgs = args.length;
    this.noInputGrad = side.index.length === 0;
    if (this.noInputGrad || this.fullHooks.length === 0) return args;
    this.inputs = side;
    return this.wrap(side, args.slice(), 'input', () => this.runFullHooks(side));
  }

  /** Replaces the output (a Tensor, or the tensors of an array) by hooked identities. */
  wrapOutputs(out: unknown): unknown {
    const single = out instanceof Tensor;
    if (!single && !Array.isArray(out)) {
      throw new ArgumentError(`${this.name}: full backward hooks and backward pre-hooks need forward to return a Tensor or an array (whose tensors are hooked); it returned ${fmtArg(out)}`);
    }
    const items = single ? [out] : (out as unknown[]);
    const side = makeSide(items);
    if (side.index.length === 0) return out;  // no gradient can reach the module through its outputs
    this.outputs = side;
    const wrapped = this.wrap(side, items.slice(), 'output', () => this.runPreHooks(side));
    return single ? wrapped[0] : wrapped;
  }

  /** Throws when a hooked input or output was changed in place since the call. */
  checkVersions(which: 'input' | 'output', what: string): void {
    const side = which === 'input' ? this.inputs : this.outputs;
    if (!side) return;
    side.sources.forEach((t, k) => {
      if (t.storage.version !== side.versions[k]) {
        throw new AutogradError(`${this.name}: ${which} ${side.index[k]} (${t.describe()}) ${what} (version ${side.versions[k]}, now ${t.storage.version}); a module with full backward hooks or backward pre-hooks needs its inputs and outputs unchanged until backward, as in PyTorch. Clone the tensor before changing it`);
      }
    });
  }

  /** Records the token node over side.sources and one identity per source; returns items with the identities in place. */
  private wrap(side: Side, items: unknown[], which: string, fire: () => (Tensor | null)[]): unknown[] {
    const token = recordQuiet(zeros([]), `${this.name}.BackwardHook(${which}s)`, side.sources, fire);
    side.index.forEach((pos, k) => {
      items[pos] = recordQuiet(alias(side.sources[k]), `${this.name}.BackwardHook(${which} ${pos})`, [token], (g) => {
        side.pending[k] = g;
        return [zeros([])];
      });
    });
    return items;
  }

  /** Takes the gradients the identity nodes stored, spread over all positions (null elsewhere). */
  private take(side: Side): ModuleGrads {
    const grads: ModuleGrads = new Array<Tensor | null>(side.n).fill(null);
    side.index.forEach((pos, k) => { grads[pos] = side.pending[k]; side.pending[k] = null; });
    return grads;
  }

  /** The output side: backward pre-hooks, and the full hooks when no input requires grad. */
  private runPreHooks(side: Side): (Tensor | null)[] {
    this.checkVersions('output', 'was modified in place after the call');
    const given = this.take(side);
    let grads = given;
    for (const hook of this.preHooks) {
      const r = hook(this.module, grads);
      if (r === undefined || r === null) continue;
      grads = this.checkReturned('a backward pre-hook', 'gradOutput', r, side);
    }
    if (this.fullHooks.length) this.gradOutputs = grads;
    if (this.noInputGrad && this.fullHooks.length) {
      const none: ModuleGrads = new Array<Tensor | null>(this.nArgs).fill(null);
      for (const hook of this.fullHooks) {
        const r = hook(this.module, none.slice(), grads);
        if (r !== undefined && r !== null && (!Array.isArray(r) || r.some((g) => g !== null && g !== undefined))) {
          throw new AutogradError(`${this.name}: a full backward hook returned input gradients, but no input of this call requires grad; return nothing (or only nulls)`);
        }
      }
      this.gradOutputs = null;
    }
    return this.toEngine(side, grads);
  }

  /** The input side: the full backward hooks with this backward's input and output gradients. */
  private runFullHooks(side: Side): (Tensor | null)[] {
    this.checkVersions('input', 'was modified in place after the call');
    const given = this.take(side);
    const gradOutputs = this.gradOutputs;
    // No output gradient stored: the gradient reached the inputs without passing through the
    // outputs (double backward through the module's first-order graph); PyTorch runs no hook then.
    if (gradOutputs === null) return side.index.map((pos) => given[pos]);
    this.gradOutputs = null;
    let grads = given;
    for (const hook of this.fullHooks) {
      const r = hook(this.module, grads, gradOutputs);
      if (r === undefined || r === null) continue;
      grads = this.checkReturned('a full backward hook', 'gradInput', r, side);
    }
    return this.toEngine(side, grads);
  }

  /** Checks what a hook returned: one entry per position, null or a gradient of the tensor's shape. */
  private checkReturned(who: string, what: string, r: unknown, side: Side): ModuleGrads {
    if (!Array.isArray(r) || r.length !== side.n) {
      throw new AutogradError(`${this.name}: ${who} returned ${Array.isArray(r) ? `${r.length} gradients` : fmtArg(r)} for a ${what} of ${side.n}; return an array of ${side.n} (null where there is no gradient), or nothing`);
    }
    const out: ModuleGrads = new Array<Tensor | null>(side.n).fill(null);
    for (let pos = 0; pos < side.n; pos++) {
      const g = r[pos] as unknown;
      if (g === null || g === undefined) continue;
      const k = side.index.indexOf(pos);
      if (!(g instanceof Tensor)) throw new AutogradError(`${this.name}: ${who} returned ${fmtArg(g)} at ${what}[${pos}]; expected a Tensor or null`);
      if (k < 0) throw new AutogradError(`${this.name}: ${who} returned a gradient at ${what}[${pos}], which is not a tensor that requires grad; return null there`);
      const t = side.sources[k];
      if (!shapesEqual(g.shape, t.shape)) throw new AutogradError(`${this.name}: ${who} returned a gradient of shape ${fmtShape(g.shape)} at ${what}[${pos}] for a tensor of shape ${fmtShape(t.shape)}`);
      out[pos] = g;
    }
    return out;
  }

  /**
   * The gradients for the token node's inputs. One a hook saw or returned goes to a leaf as a
   * copy: the leaf's .grad is accumulated in place later, which the hook's tensor must not see.
   */
  private toEngine(side: Side, grads: ModuleGrads): (Tensor | null)[] {
    return side.index.map((pos, k) => {
      const g = grads[pos];
      return g && side.sources[k].gradFn === null ? clone(g) : g;
    });
  }
}
