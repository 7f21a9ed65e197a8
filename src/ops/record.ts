/**
 * The one place ops create their outputs' tape nodes, and where anomaly mode
 * checks forward results.
 */
import { AnomalyError } from '../errors';
import type { FloatArray } from '../tensor/dtype';
import { isFloat } from '../tensor/dtype';
import { GradNode, isAnomalyEnabled, isGradEnabled, nextSeq, type BackwardFn } from '../tensor/graph';
import type { Tensor } from '../tensor/tensor';

export function hasNonFinite(t: Tensor): boolean {
  if (!isFloat(t.dtype)) return false;
  const v = t.values as FloatArray;
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return true;
  return false;
}

function checkForwardAnomaly(out: Tensor, name: string, inputs: Tensor[]): void {
  if (!hasNonFinite(out)) return;
  if (inputs.some(hasNonFinite)) return;  // not the first op to produce it
  const shapes = inputs.map((t) => t.describe()).join(', ');
  const site = callSite(new Error().stack);
  throw new AnomalyError(`detectAnomaly: ${name} produced NaN or Inf in the forward pass from finite inputs (${shapes}); called at ${site}`);
}

/** The first stack frame outside Lattice's own sources. */
export function callSite(stack: string | undefined): string {
  const frames = (stack ?? '').split('\n').slice(1).map((l) => l.trim());
  const user = frames.find((f) => !/[\\/](src|dist)[\\/](ops|autograd|tensor|backend|index)/.test(f) && !f.includes('node:internal'));
  return (user ?? frames[0] ?? 'unknown').replace(/^at /, '');
}

/**
 * Records `out` as produced by `name` from `inputs` when grad mode is on and an
 * input requires grad. `backward` maps the output gradient to one gradient per
 * input (null where none); `saved` lists tensors the backward reads, so that an
 * in-place change to them is caught.
 */
export function record(out: Tensor, name: string, inputs: Tensor[], backward: BackwardFn, saved?: Tensor[]): Tensor {
  if (isAnomalyEnabled()) checkForwardAnomaly(out, name, inputs);
  if (!isGradEnabled()) return out;
  let needed = false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i].requiresGrad) { needed = true; break; }
  if (!needed) return out;
  const node = new GradNode(name, inputs.map((t) => (t.requiresGrad ? t : null)), backward, saved ?? [], nextSeq());
  if (isAnomalyEnabled()) node.stack = callSite(new Error().stack);
  out._setRequiresGrad(true);
  out.gradFn = node;
  return out;
}
