/**
 * The one place ops create their outputs' tape nodes, and where anomaly mode
 * checks forward results.
 */
import { AnomalyError, AutogradError } from '../errors';
import { profiling } from '../backend/observer';
import type { FloatArray } from '../tensor/dtype';
import { isFloat } from '../tensor/dtype';
import { GradNode, isAnomalyEnabled, isGradEnabled, nextSeq, type BackwardFn } from '../tensor/graph';
import { stridesOf } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';

export function hasNonFinite(t: Tensor): boolean {
  if (!isFloat(t.dtype)) return false;
  const v = (t.device === 'cpu' ? t.values : t.data()) as FloatArray;  // anomaly mode copies a cuda tensor to look
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return true;
  return false;
}

/** `-Inf (1 of 3 elements; first at [0])`: what is wrong with t, for anomaly messages. */
export function describeNonFinite(t: Tensor): string {
  const v = (t.device === 'cpu' ? t.values : t.data()) as FloatArray;
  let nan = 0, posInf = 0, negInf = 0, first = -1;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (Number.isFinite(x)) continue;
    if (first < 0) first = i;
    if (Number.isNaN(x)) nan++;
    else if (x > 0) posInf++;
    else negInf++;
  }
  const kinds = [nan && 'NaN', posInf && '+Inf', negInf && '-Inf'].filter(Boolean).join(' and ');
  const strides = stridesOf(t.shape);
  const index = strides.map((s, d) => Math.floor(first / s) % t.shape[d]);
  return `${kinds} (${nan + posInf + negInf} of ${v.length} elements; first at [${index.join(',')}])`;
}

function checkForwardAnomaly(out: Tensor, name: string, inputs: Tensor[]): void {
  if (!hasNonFinite(out)) return;
  if (inputs.some(hasNonFinite)) return;  // not the first op to produce it
  const shapes = inputs.length ? `finite inputs ${inputs.map((t) => t.describe()).join(', ')}` : 'no tensor inputs';
  throw new AnomalyError(`detectAnomaly: ${name} returned ${describeNonFinite(out)} in the forward pass from ${shapes}; ${name} was called at ${callSite()}`);
}

/** The source directory of Lattice itself (…/src/ or …/dist/), whose frames callSite() skips. */
const libraryRoot: string | null = (() => {
  const frame = (new Error().stack ?? '').split('\n')[1] ?? '';
  const file = /\(?([^()\s]+):\d+:\d+\)?$/.exec(frame.trim())?.[1] ?? '';
  const cut = Math.max(file.lastIndexOf('/src/'), file.lastIndexOf('/dist/'), file.lastIndexOf('\\src\\'), file.lastIndexOf('\\dist\\'));
  return cut >= 0 ? file.slice(0, file.indexOf(file[cut], cut + 1) + 1) : null;
})();

/**
 * Where the user called into Lattice: the first stack frame outside Lattice's
 * own sources (and outside Node's internals).
 */
export function callSite(stack?: string): string {
  let text = stack;
  if (text === undefined) {
    // Ops nest (nn module -> op -> record), so the default 10 frames can stop short of the user's code.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 50;
    text = new Error().stack;
    Error.stackTraceLimit = limit;
  }
  const frames = (text ?? '').split('\n').slice(1).map((l) => l.trim()).filter((f) => f.startsWith('at '));
  const isLibrary = (f: string): boolean => (libraryRoot !== null && f.includes(libraryRoot))
    || /[\\/](src|dist)[\\/](ops|autograd|tensor|backend)[\\/]/.test(f) || f.includes('node:internal');
  const user = frames.find((f) => !isLibrary(f));
  return (user ?? frames[frames.length - 1] ?? 'an unknown place').replace(/^at /, '');
}

const NOTHING_SAVED: Tensor[] = [];

/**
 * Records `out` as produced by `name` from `inputs` when grad mode is on and an
 * input requires grad. `backward` maps the output gradient to one gradient per
 * input (null where none); `saved` lists tensors the backward reads, so that an
 * in-place change to them is caught.
 */
export function record(out: Tensor, name: string, inputs: Tensor[], backward: BackwardFn, saved?: Tensor[]): Tensor {
  // The profiler counts the kernels run since the previous record to this op (train/profiler.ts).
  if (profiling.observer !== null) profiling.observer.op(name, inputs, out);
  if (isAnomalyEnabled()) checkForwardAnomaly(out, name, inputs);
  if (!isGradEnabled()) return out;
  // An op must record onto a tensor it just made; recording onto an input (or a tensor
  // that already has a node) would cut the graph or make a cycle, and fail far from here.
  if (out.requiresGrad) throw new AutogradError(`${name}: internal error: the op recorded its node on a tensor that already requires grad (${out.describe()}${out.gradFn ? `, made by ${out.gradFn.name}` : ', a leaf'})`);
  const n = inputs.length;
  let needed = false;
  for (let i = 0; i < n; i++) if (inputs[i].requiresGrad) { needed = true; break; }
  if (!needed) return out;
  const edges: (Tensor | null)[] = [];
  const next: (GradNode | null)[] = [];
  for (let i = 0; i < n; i++) {
    const t = inputs[i];
    const on = t.requiresGrad;
    edges.push(on ? t : null);
    next.push(on ? t.gradFn : null);
  }
  const node = new GradNode(name, edges, next, backward, saved ?? NOTHING_SAVED, nextSeq());
  if (isAnomalyEnabled()) node.stack = callSite();
  out._setRequiresGrad(true);
  out.gradFn = node;
  return out;
}
