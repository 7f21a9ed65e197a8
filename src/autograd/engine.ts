/**
 * Reverse-mode engine: walks the nodes recorded by ops from the outputs back
 * to the leaves in dependency order (iteratively: no recursion limit), calling
 * each node's backward with grad mode on only when createGraph is asked for.
 *
 * Ownership of gradients: a leaf's `.grad` (and a retained non-leaf's) belongs
 * to that tensor. It is accumulated in place on later calls, as in PyTorch, so
 * a gradient tensor that anything else can see (the caller's gradOutputs, a
 * gradient handed to another leaf, a view of a live tensor) is copied before it
 * becomes a `.grad`.
 */
import { AnomalyError, ArgumentError, AutogradError, fmtShape } from '../errors';
import { profiling, type ProfileObserver } from '../backend/observer';
import { ones } from '../ops/creation';
import { add } from '../ops/binary';
import { castTo } from '../ops/cast';
import { add_ } from '../ops/inplace';
import { describeNonFinite, hasNonFinite } from '../ops/record';
import { clone } from '../ops/shape';
import { isFloat } from '../tensor/dtype';
import { GradNode, isAnomalyEnabled, setAnomalyEnabled, setGradEnabled } from '../tensor/graph';
import { shapesEqual } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';

export interface RunOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** Tensors whose total gradient the caller wants (grad()); leaves otherwise accumulate into .grad. */
  capture: Tensor[] | null;
}

type Hooks = ((g: Tensor) => Tensor | void)[] | null | undefined;

function checkRootGrad(op: string, out: Tensor, g: Tensor | undefined, i: number): Tensor {
  if (!out.requiresGrad) throw new AutogradError(`${op}: output ${i} (${out.describe()}) does not require grad and has no gradFn; was it computed inside noGrad() or from tensors without requiresGrad?`);
  if (g === undefined) {
    if (out.size !== 1) throw new AutogradError(`${op}: output ${i} is ${out.describe()}; a gradient can be implied only for one-element outputs, pass gradOutputs`);
    return ones(out.shape, { dtype: out.dtype, device: out.device });
  }
  if (!shapesEqual(g.shape, out.shape)) throw new AutogradError(`${op}: gradOutputs[${i}] is ${fmtShape(g.shape)} but output ${i} is ${fmtShape(out.shape)}`);
  if (!isFloat(g.dtype)) throw new AutogradError(`${op}: gradOutputs[${i}] is ${g.describe()}; it must be a float tensor`);
  return castTo(g, out.dtype);
}

function applyHooks(hooks: Hooks, g: Tensor, where: string): Tensor {
  if (!hooks || hooks.length === 0) return g;
  // A copy of the list: a hook may remove itself while it runs.
  for (const h of hooks.slice()) {
    const r = h(g);
    if (r === undefined || r === null) continue;
    if (typeof r !== 'object' || !shapesEqual(r.shape, g.shape)) {
      throw new AutogradError(`registerHook: a hook on ${where} returned ${typeof r === 'object' ? r.describe() : typeof r} for a gradient of shape ${fmtShape(g.shape)}; return a tensor of the same shape, or nothing`);
    }
    g = r;
  }
  return g;
}

/** Runs the hooks; a replacement they return may be the caller's own tensor, so it counts as shared. */
function hooked(hooks: Hooks, g: Tensor, where: string, shared: Set<Tensor>): Tensor {
  const r = applyHooks(hooks, g, where);
  if (r !== g) shared.add(r);
  return r;
}

function checkSaved(node: GradNode): void {
  if (node.released || !node.backwardFn) {
    throw new AutogradError(`backward: the graph through ${node.name} was already freed by an earlier backward (saved tensors are released after backward); pass retainGraph: true to the first backward() or grad() to go through it again`);
  }
  for (let i = 0; i < node.saved.length; i++) {
    const t = node.saved[i];
    if (t.isDisposed) {
      throw new AutogradError(`backward: ${node.name} saved ${t.describe()} for its gradient, but that tensor was disposed (by dispose() or the end of a tidy()) before backward ran; call backward inside the tidy() that built the graph`);
    }
    if (t.storage.version !== node.savedVersions[i]) {
      const what = t.gradFn ? `the output of ${t.gradFn.name}` : t.requiresGrad ? 'a leaf' : 'a tensor';
      throw new AutogradError(`backward: ${node.name} saved ${t.describe()} (${what}) for its gradient, but it was modified in place afterwards (version ${node.savedVersions[i]}, now ${t.storage.version}); an in-place op on it or on a tensor sharing its storage (a view or detach()) changed it. Clone it before the in-place update, or do the update after backward${node.stack ? `; ${node.name} was called at ${node.stack}` : ''}`);
    }
  }
}

/** Checks a node's gradients against its inputs; casts a float gradient of another float dtype (PyTorch does too). */
function validateGrads(node: GradNode, grads: (Tensor | null)[]): (Tensor | null)[] {
  if (!Array.isArray(grads) || grads.length !== node.inputs.length) {
    throw new AutogradError(`backward: the gradient of ${node.name} gave ${Array.isArray(grads) ? grads.length : typeof grads} gradients for ${node.inputs.length} inputs`);
  }
  for (let i = 0; i < grads.length; i++) {
    const t = node.inputs[i], g = grads[i];
    if (!t || !g || (g.dtype === t.dtype && shapesEqual(t.shape, g.shape))) continue;
    if (!shapesEqual(t.shape, g.shape) || !isFloat(g.dtype)) {
      throw new AutogradError(`backward: the gradient of ${node.name} for input ${i} is ${g.describe()} but the input is ${t.describe()}`);
    }
    if (g.dtype !== t.dtype) grads[i] = castTo(g, t.dtype);
  }
  return grads;
}

function checkBackwardAnomaly(node: GradNode, gOut: Tensor, grads: (Tensor | null)[]): void {
  if (hasNonFinite(gOut)) return;  // produced upstream: that node was reported first
  grads.forEach((g, i) => {
    if (g && hasNonFinite(g)) {
      const site = node.stack
        ? `${node.name} was called at ${node.stack}`
        : `its forward ran outside detectAnomaly, so where ${node.name} was called is unknown; run the forward pass inside detectAnomaly too`;
      throw new AnomalyError(`detectAnomaly: the backward of ${node.name} returned ${describeNonFinite(g)} in the gradient of input ${i} from a finite output gradient ${gOut.describe()} (inputs ${node.describeInputs()}); ${site}`);
    }
  });
}

/**
 * Runs a node's backward with the per-op forward checks off: a NaN made inside
 * sqrt's backward is sqrt's, reported by checkBackwardAnomaly with sqrt's call
 * site, not an anonymous div of the gradient formula.
 */
function runUnchecked(node: GradNode, g: Tensor, needs: readonly boolean[] | undefined): (Tensor | null)[] {
  setAnomalyEnabled(false);
  try {
    return node.backwardFn!(g, needs);
  } finally {
    setAnomalyEnabled(true);
  }
}

/**
 * A node's backward inside a profiler frame named `<op>Backward0`, as torch names its nodes
 * (ConvolutionBackward0): the suffix keeps the node apart from an op its gradient runs that is
 * itself named `<op>Backward` (maxPool2dBackward). The frame's shapes are the output gradient's.
 */
function runProfiled(observer: ProfileObserver, node: GradNode, g: Tensor, needs: readonly boolean[] | undefined, anomaly: boolean): (Tensor | null)[] {
  const frame = observer.enter(`${node.name}Backward0`, 'backward', [g]);
  try {
    return anomaly ? runUnchecked(node, g, needs) : node.backwardFn!(g, needs);
  } finally {
    observer.exit(frame);
  }
}

/** Gradients per node (by output) and per leaf, summed as they arrive. */
class GradBuffers {
  readonly nodes = new Map<GradNode, Tensor>();
  readonly leaves = new Map<Tensor, Tensor>();
  add(t: Tensor, g: Tensor): void {
    const node = t.gradFn;
    const map: Map<unknown, Tensor> = node ? this.nodes : this.leaves;
    const key = node ?? t;
    const prev = map.get(key);
    map.set(key, prev === undefined ? g : add(prev, g));
  }
}

/** Runs backward from `outputs`; returns the captured gradients (grad()) or null (backward()). */
export function runBackward(op: string, outputs: Tensor[], gradOutputs: (Tensor | undefined)[], opts: RunOptions): (Tensor | null)[] | null {
  const prevMode = setGradEnabled(opts.createGraph);
  const visited: GradNode[] = [];
  const executed: GradNode[] = [];
  // A running profile sees the pass as one frame and each node's backward as a frame inside it.
  const observer = profiling.observer;
  const frame = observer === null ? -1 : observer.enter(op, 'backward');
  try {
    const buffers = new GradBuffers();
    const rootSet = new Set<GradNode>();
    outputs.forEach((out, i) => {
      buffers.add(out, checkRootGrad(op, out, gradOutputs[i], i));
      if (out.gradFn) rootSet.add(out.gradFn);
    });
    const roots = [...rootSet];
    // Count each node's consumers among the reachable nodes (edges, so x.mul(x) counts twice).
    const pending = new Map<GradNode, number>();
    const stack = roots.slice();
    const seen = new Set<GradNode>(roots);
    while (stack.length) {
      const node = stack.pop()!;
      visited.push(node);
      const next = node.next;
      for (let i = 0; i < next.length; i++) {
        const child = next[i];
        if (!child) continue;
        pending.set(child, (pending.get(child) ?? 0) + 1);
        if (!seen.has(child)) { seen.add(child); stack.push(child); }
      }
    }
    const capture = opts.capture;
    const needed = capture ? neededNodes(visited, capture) : null;
    // A captured non-leaf's node runs only when another captured tensor lies below it: grad() takes
    // the gradient flowing into the tensor (as PyTorch does), and its node stays for a later backward.
    const mustRun = needed ? nodesToRun(needed, capture!) : null;
    const captureNodes = new Map<GradNode, number[]>();
    const captured: (Tensor | null)[] = capture ? capture.map(() => null) : [];
    const captureLeaves = new Set<Tensor>();
    capture?.forEach((t, i) => {
      if (t.gradFn) captureNodes.set(t.gradFn, [...(captureNodes.get(t.gradFn) ?? []), i]);
      else captureLeaves.add(t);
    });
    // Tensors the caller or another .grad can see must be copied before a tensor owns them as .grad.
    const shared = new Set<Tensor>();
    for (const g of gradOutputs) if (g) shared.add(g);
    const ready = roots.filter((n) => !pending.has(n) && (!needed || needed.has(n)));
    while (ready.length) {
      const node = ready.pop()!;
      let g = buffers.nodes.get(node)!;
      buffers.nodes.delete(node);
      if (node.hooks) g = hooked(node.hooks, g, `the output of ${node.name}`, shared);
      if (!capture && node.retainTarget) shared.add(deliverGrad(node.retainTarget, g, opts.createGraph, shared, false));
      if (capture) {
        const slots = captureNodes.get(node);
        if (slots) for (const i of slots) captured[i] = g;
        if (!mustRun!.has(node)) continue;
      }
      checkSaved(node);
      const anomaly = isAnomalyEnabled();
      const inputs = node.inputs, next = node.next;
      // grad() uses only the gradients that lead to its inputs; tell the backward which those are.
      let needs: boolean[] | undefined;
      if (capture) {
        needs = new Array<boolean>(inputs.length);
        for (let i = 0; i < inputs.length; i++) {
          const t = inputs[i], child = next[i];
          needs[i] = t !== null && (child ? needed!.has(child) : captureLeaves.has(t));
        }
      }
      const grads = validateGrads(node, observer !== null ? runProfiled(observer, node, g, needs, anomaly)
        : anomaly ? runUnchecked(node, g, needs) : node.backwardFn!(g, needs));
      executed.push(node);
      if (anomaly) checkBackwardAnomaly(node, g, grads);
      for (let i = 0; i < inputs.length; i++) {
        const t = inputs[i];
        if (!t) continue;
        const gi = grads[i];
        const child = next[i];
        if (gi && (!needs || needs[i])) buffers.add(t, gi);
        if (child) {
          const left = pending.get(child)! - 1;
          pending.set(child, left);
          if (left === 0 && (!needed || needed.has(child))) {
            if (buffers.nodes.has(child)) ready.push(child);
            else markSkipped(child, pending, ready, buffers.nodes, needed);
          }
        }
      }
    }
    if (capture) {
      capture.forEach((t, i) => {
        if (!t.gradFn) captured[i] = buffers.leaves.get(t) ?? null;
      });
      return captured;
    }
    for (const [leaf, g] of buffers.leaves) {
      const hookedG = leaf._hooks ? hooked(leaf._hooks, g, `a leaf ${leaf.describe()}`, shared) : g;
      shared.add(deliverGrad(leaf, hookedG, opts.createGraph, shared, true));
    }
    return null;
  } finally {
    setGradEnabled(prevMode);
    // grad() frees only what it ran: a branch it pruned may still serve a later backward.
    if (!opts.retainGraph) for (const node of opts.capture ? executed : visited) node.release();
    if (observer !== null) observer.exit(frame);
  }
}

/**
 * The nodes grad() must run: those from which a captured tensor is reachable.
 * `visited` lists every reachable node; a node is needed when it is captured,
 * has a captured leaf input, or has a needed child.
 */
function neededNodes(visited: GradNode[], capture: Tensor[]): Set<GradNode> {
  const needed = new Set<GradNode>();
  const targets = new Set<unknown>();
  for (const t of capture) targets.add(t.gradFn ?? t);
  // Reverse edges child -> parents, then spread "needed" from the targets upwards.
  const parents = new Map<GradNode, GradNode[]>();
  const stack: GradNode[] = [];
  const mark = (n: GradNode): void => {
    if (!needed.has(n)) { needed.add(n); stack.push(n); }
  };
  for (const node of visited) {
    if (targets.has(node)) mark(node);
    for (const child of node.next) {
      if (!child) continue;
      let list = parents.get(child);
      if (!list) parents.set(child, (list = []));
      list.push(node);
    }
    // Leaf inputs (a freed node keeps these).
    for (const t of node.inputs) if (t && !t.gradFn && targets.has(t)) mark(node);
  }
  while (stack.length) for (const p of parents.get(stack.pop()!) ?? []) mark(p);
  return needed;
}

/** Of the needed nodes, those that must run: a needed child below them, or a captured leaf among their inputs. */
function nodesToRun(needed: Set<GradNode>, capture: Tensor[]): Set<GradNode> {
  const leaves = new Set<Tensor>(capture.filter((t) => !t.gradFn));
  const run = new Set<GradNode>();
  for (const node of needed) {
    if (node.next.some((child) => child !== null && needed.has(child)) || node.inputs.some((t) => t !== null && leaves.has(t))) run.add(node);
  }
  return run;
}

/** A node that received no gradient (all its consumers gave null) still releases its children's counts. */
function markSkipped(node: GradNode, pending: Map<GradNode, number>, ready: GradNode[], nodeGrads: Map<GradNode, Tensor>, needed: Set<GradNode> | null): void {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    for (const child of n.next) {
      if (!child) continue;
      const left = pending.get(child)! - 1;
      pending.set(child, left);
      if (left === 0 && (!needed || needed.has(child))) {
        if (nodeGrads.has(child)) ready.push(child);
        else stack.push(child);
      }
    }
  }
}

/**
 * Adds g into t.grad: in place when t already owns a gradient and no graph is
 * being built (PyTorch's accumulation), else by a new tensor. Returns the
 * tensor t.grad now holds. `shared` lists gradients others can see.
 */
function deliverGrad(t: Tensor, g: Tensor, createGraph: boolean, shared: Set<Tensor>, keep: boolean): Tensor {
  const prev = t.grad;
  let next: Tensor;
  if (prev && !prev.isDisposed && shapesEqual(prev.shape, g.shape)) {
    if (!createGraph && !prev.requiresGrad && !g.requiresGrad) {
      add_(prev, g);
      return prev;
    }
    next = add(prev, g);
  } else {
    // Another holder of the storage (a view, a saved copy) or another .grad could see later in-place accumulation.
    next = shared.has(g) || g.storage.holders > 1 || g.kept ? clone(g) : g;
  }
  if (keep) next.kept = true;
  // Not the public setter: the previous gradient may still be an input of next's graph (createGraph).
  t._setGrad(next);
  return next;
}

export function assertDifferentiable(op: string, t: Tensor, what: string): void {
  if (!isFloat(t.dtype)) throw new ArgumentError(`${op}: ${what} is ${t.describe()}; only float tensors have gradients`);
}
