/**
 * Reverse-mode engine: walks the nodes recorded by ops from the outputs back
 * to the leaves in dependency order (iteratively: no recursion limit), calling
 * each node's backward with grad mode on only when createGraph is asked for.
 */
import { AnomalyError, ArgumentError, AutogradError, fmtShape } from '../errors';
import { ones } from '../ops/creation';
import { add } from '../ops/binary';
import { hasNonFinite } from '../ops/record';
import { clone } from '../ops/shape';
import { isFloat } from '../tensor/dtype';
import { GradNode, isAnomalyEnabled, setGradEnabled } from '../tensor/graph';
import { shapesEqual } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';

export interface RunOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** Tensors whose total gradient the caller wants (grad()); leaves otherwise accumulate into .grad. */
  capture: Tensor[] | null;
}

function checkRootGrad(op: string, out: Tensor, g: Tensor | undefined, i: number): Tensor {
  if (!out.requiresGrad) throw new AutogradError(`${op}: output ${i} (${out.describe()}) does not require grad and has no gradFn`);
  if (g === undefined) {
    if (out.size !== 1) throw new AutogradError(`${op}: output ${i} is ${out.describe()}; a gradient can be implied only for one-element outputs, pass gradOutputs`);
    return ones(out.shape, { dtype: out.dtype });
  }
  if (!shapesEqual(g.shape, out.shape)) throw new AutogradError(`${op}: gradOutputs[${i}] is ${fmtShape(g.shape)} but output ${i} is ${fmtShape(out.shape)}`);
  return g;
}

function accumulate(map: Map<unknown, Tensor>, key: unknown, g: Tensor): void {
  const prev = map.get(key);
  map.set(key, prev ? add(prev, g) : g);
}

function applyHooks(hooks: ((g: Tensor) => Tensor | void)[] | null | undefined, g: Tensor): Tensor {
  if (!hooks) return g;
  for (const h of hooks) {
    const r = h(g);
    if (r !== undefined) g = r;
  }
  return g;
}

function checkSaved(node: GradNode): void {
  if (node.released || !node.backwardFn) {
    throw new AutogradError(`backward: the graph through ${node.name} was already freed by an earlier backward; pass retainGraph: true to the first call to go through it twice`);
  }
  for (let i = 0; i < node.saved.length; i++) {
    if (node.saved[i].storage.version !== node.savedVersions[i]) {
      throw new AutogradError(`backward: a tensor ${node.saved[i].describe()} saved by ${node.name} was modified in place after it was saved (version ${node.savedVersions[i]} -> ${node.saved[i].storage.version})`);
    }
  }
}

function checkBackwardAnomaly(node: GradNode, gOut: Tensor, grads: (Tensor | null)[]): void {
  if (hasNonFinite(gOut)) return;
  grads.forEach((g, i) => {
    if (g && hasNonFinite(g)) {
      const inputs = node.inputs.map((t) => (t ? t.describe() : '-')).join(', ');
      throw new AnomalyError(`detectAnomaly: the backward of ${node.name} returned NaN or Inf in the gradient of input ${i} from a finite output gradient (inputs ${inputs}); the op was called at ${node.stack ?? 'unknown'}`);
    }
  });
}

/** Runs backward from `outputs`; returns the captured gradients (grad()) or null (backward()). */
export function runBackward(op: string, outputs: Tensor[], gradOutputs: (Tensor | undefined)[], opts: RunOptions): (Tensor | null)[] | null {
  const prevMode = setGradEnabled(opts.createGraph);
  const visited: GradNode[] = [];
  try {
    const nodeGrads = new Map<unknown, Tensor>();
    const leafGrads = new Map<unknown, Tensor>();
    const roots: GradNode[] = [];
    outputs.forEach((out, i) => {
      const g = checkRootGrad(op, out, gradOutputs[i], i);
      if (out.gradFn) { accumulate(nodeGrads, out.gradFn, g); roots.push(out.gradFn); }
      else accumulate(leafGrads, out, g);
    });
    // Count each node's consumers among the reachable nodes.
    const pending = new Map<GradNode, number>();
    const stack = [...roots];
    const seen = new Set<GradNode>(roots);
    while (stack.length) {
      const node = stack.pop()!;
      visited.push(node);
      for (const t of node.inputs) {
        const child = t?.gradFn;
        if (!child) continue;
        pending.set(child, (pending.get(child) ?? 0) + 1);
        if (!seen.has(child)) { seen.add(child); stack.push(child); }
      }
    }
    const captureNodes = new Map<GradNode, number[]>();
    const captured: (Tensor | null)[] = opts.capture ? opts.capture.map(() => null) : [];
    opts.capture?.forEach((t, i) => {
      if (t.gradFn) captureNodes.set(t.gradFn, [...(captureNodes.get(t.gradFn) ?? []), i]);
    });
    const ready = [...new Set(roots)].filter((n) => !pending.has(n));
    while (ready.length) {
      const node = ready.pop()!;
      let g = nodeGrads.get(node)!;
      nodeGrads.delete(node);
      g = applyHooks(node.hooks, g);
      if (node.retainTarget) node.retainTarget.grad = g;
      for (const i of captureNodes.get(node) ?? []) captured[i] = g;
      checkSaved(node);
      const grads = node.backwardFn!(g);
      if (isAnomalyEnabled()) checkBackwardAnomaly(node, g, grads);
      node.inputs.forEach((t, i) => {
        if (!t) return;
        const gi = grads[i];
        if (gi) {
          if (t.gradFn) accumulate(nodeGrads, t.gradFn, gi);
          else accumulate(leafGrads, t, gi);
        }
        const child = t.gradFn;
        if (child) {
          const left = pending.get(child)! - 1;
          pending.set(child, left);
          if (left === 0) {
            if (nodeGrads.has(child)) ready.push(child);
            else markSkipped(child, pending, ready, nodeGrads);
          }
        }
      });
    }
    if (opts.capture) {
      opts.capture.forEach((t, i) => {
        if (!t.gradFn) captured[i] = leafGrads.get(t) ?? null;
      });
      return captured;
    }
    const shared = new Set<Tensor>(gradOutputs.filter((g): g is Tensor => g !== undefined));
    for (const [leaf, g] of leafGrads) {
      deliverLeafGrad(leaf as Tensor, shared.has(g) ? clone(g) : g, opts.createGraph);
      shared.add(g);
    }
    return null;
  } finally {
    setGradEnabled(prevMode);
    if (!opts.retainGraph) for (const node of visited) node.release();
  }
}

/** A node that received no gradient (all its consumers gave null) still releases its children's counts. */
function markSkipped(node: GradNode, pending: Map<GradNode, number>, ready: GradNode[], nodeGrads: Map<unknown, Tensor>): void {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    for (const t of n.inputs) {
      const child = t?.gradFn;
      if (!child) continue;
      const left = pending.get(child)! - 1;
      pending.set(child, left);
      if (left === 0) {
        if (nodeGrads.has(child)) ready.push(child);
        else stack.push(child);
      }
    }
  }
}

function deliverLeafGrad(leaf: Tensor, g: Tensor, createGraph: boolean): void {
  g = applyHooks(leaf._hooks, g);
  const prev = leaf.grad;
  // A new tensor survives the caller's tidy(): .grad belongs to the leaf, like a parameter.
  const next = prev ? add(prev, g) : g.kept ? clone(g) : g;
  next.kept = true;
  if (prev && prev !== next && !createGraph) prev.dispose();
  leaf.grad = next;
}

export function assertDifferentiable(op: string, t: Tensor, what: string): void {
  if (!isFloat(t.dtype)) throw new ArgumentError(`${op}: ${what} is ${t.describe()}; only float tensors have gradients`);
}
