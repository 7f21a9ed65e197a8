/**
 * checkpointSequential (torch.utils.checkpoint.checkpoint_sequential): a chain of modules cut
 * into segments, each but the last run under `checkpoint()`, so that only the tensors between
 * segments are kept for backward and each segment's activations are rebuilt when its backward
 * runs. Within a segment, nn.Sequential's fused steps (BatchNorm then ReLU, ...) run as in
 * `Sequential.forward`. Each segment passes its modules' buffers to checkpoint's `buffers`: the
 * recompute starts from the values the forward saw and leaves the ones the forward left, so
 * BatchNorm's running statistics are updated once per step, as without checkpointing (PyTorch's
 * checkpoint_sequential updates them twice), and spectral norm's power iteration recomputes the
 * same weight.
 */
import { checkpoint } from '../../autograd/checkpoint';
import { ArgumentError, fmtArg } from '../../errors';
import { assertTensor } from '../../ops/util';
import type { Tensor } from '../../tensor/tensor';
import { Sequential, type TensorModule } from '../containers';
import { fusedPair, fusedTriple } from '../fusion';
import { Module, type AnyModule } from '../module';

/** One step of the chain: a module from tensor to tensor, or a plain function. @example `const steps: nn.utils.SequentialStep[] = [new nn.Linear(8, 8), (x) => x.relu()]` */
export type SequentialStep = TensorModule | ((x: Tensor) => Tensor);

/** Options of `checkpointSequential`. @example `checkpointSequential(model, 4, x, { preserveRngState: false })` */
export interface CheckpointSequentialOptions {
  /** Replay the default generator in each recompute (default true): dropout draws the forward's masks again. */
  preserveRngState?: boolean;
  /** Only false is accepted: Lattice implements the non-reentrant checkpoint (PyTorch's `use_reentrant=False`). */
  useReentrant?: false;
}

function describe(v: unknown): string {
  return v === null ? 'null' : typeof v === 'object' ? ((v as object).constructor?.name ?? 'object') : typeof v;
}

function stepsOf(functions: unknown): SequentialStep[] {
  let list: unknown[];
  if (functions instanceof Sequential) list = [...functions];
  else if (Array.isArray(functions)) list = functions;
  else throw new ArgumentError(`checkpointSequential: functions must be an nn.Sequential or an array of modules and functions, got ${describe(functions)}`);
  list.forEach((f, i) => {
    if (!(f instanceof Module) && typeof f !== 'function') {
      throw new ArgumentError(`checkpointSequential: functions[${i}] must be a Module or a function, got ${describe(f)}`);
    }
  });
  if (list.length === 0) throw new ArgumentError('checkpointSequential: functions is empty; give at least one module or function');
  return list as SequentialStep[];
}

/** Runs steps in order on x, with Sequential's fused steps where adjacent modules allow them. */
function runSteps(steps: SequentialStep[], x: Tensor): Tensor {
  let h = x;
  for (let i = 0; i < steps.length;) {
    const a = steps[i], b = steps[i + 1], c = steps[i + 2];
    if (a instanceof Module && b instanceof Module && c instanceof Module) {
      const triple = fusedTriple(a as AnyModule, b as AnyModule, c as AnyModule);
      if (triple) { h = triple(h); i += 3; continue; }
    }
    if (a instanceof Module && b instanceof Module) {
      const pair = fusedPair(a as AnyModule, b as AnyModule);
      if (pair) { h = pair(h); i += 2; continue; }
    }
    h = a instanceof Module ? a.call(h) : a(h);
    i += 1;
  }
  return h;
}

/** The buffers (running statistics) of the modules among steps, once each. */
function buffersOf(steps: SequentialStep[]): Tensor[] {
  const set = new Set<Tensor>();
  for (const s of steps) if (s instanceof Module) for (const b of s.buffers()) set.add(b);
  return [...set];
}

/**
 * Runs a chain of modules (an nn.Sequential, or an array of modules and functions) on `input`
 * in `segments` parts, every part but the last under `checkpoint()`: backward keeps only the
 * tensors between parts and runs each part's forward again to rebuild its activations. Outputs
 * and gradients are bit-identical to `model.call(input)`; BatchNorm's running statistics are
 * updated once (PyTorch's checkpoint_sequential updates those of the checkpointed parts twice).
 * Parts have `floor(n / segments)` steps each, the last one the rest, as in PyTorch (so
 * `segments` 1 checkpoints nothing). The modules' own hooks run, in the forward and again in
 * each recompute; an nn.Sequential's hooks on itself do not (its children are called directly,
 * as in PyTorch).
 * @example
 * const model = new nn.Sequential(...blocks);           // 16 blocks
 * const y = nn.utils.checkpointSequential(model, 4, x);  // keeps 4 activations, not 16 blocks' worth
 */
export function checkpointSequential(functions: Sequential | readonly SequentialStep[], segments: number, input: Tensor, opts?: CheckpointSequentialOptions): Tensor {
  const steps = stepsOf(functions);
  if (typeof segments !== 'number' || !Number.isInteger(segments) || segments < 1 || segments > steps.length) {
    throw new ArgumentError(`checkpointSequential: segments must be an integer from 1 to the number of steps (${steps.length}), got ${fmtArg(segments)}`);
  }
  assertTensor('checkpointSequential', 'input', input);
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
    throw new ArgumentError(`checkpointSequential: opts must be an object, got ${fmtArg(opts)}`);
  }
  for (const key of Object.keys(opts ?? {})) {
    if (key !== 'preserveRngState' && key !== 'useReentrant') {
      throw new ArgumentError(`checkpointSequential: unknown option '${key}' (options are preserveRngState, useReentrant)`);
    }
  }
  const size = Math.floor(steps.length / segments);
  let h = input;
  let end = 0;
  for (let s = 0; s < segments - 1; s++) {
    const part = steps.slice(s * size, (s + 1) * size);
    end = (s + 1) * size;
    h = checkpoint((x: Tensor) => runSteps(part, x), h, {
      preserveRngState: opts?.preserveRngState, useReentrant: opts?.useReentrant, buffers: buffersOf(part),
    });
  }
  return runSteps(steps.slice(end), h);
}
