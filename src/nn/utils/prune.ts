/**
 * Pruning, as torch.nn.utils.prune: zeroes entries (or whole channels) of a parameter through a
 * mask that stays in force while training.
 *
 * Pruning `module[name]` re-registers the parameter as `${name}_orig` (the same Parameter object,
 * so an optimizer built before still trains it), registers the mask as the buffer `${name}_mask`,
 * and recomputes `module[name] = ${name}_orig * ${name}_mask` before every forward (reparametrize.ts,
 * the mechanism of spectral and weight normalisation, so deepCopy and state dicts keep working).
 * The gradient w.r.t. `${name}_orig` is masked, so the pruned entries stay 0 in module[name]
 * whatever the optimizer does to `${name}_orig`. State-dict keys are PyTorch's (`weight_orig`,
 * `weight_mask`), in PyTorch's order.
 *
 * Pruning a parameter again combines the masks as PyTorch's PruningContainer: the new method
 * sees only what is left (unstructured methods the entries whose mask is 1, structured ones the
 * channels not entirely pruned, customFromMask everything), and a fractional amount is a fraction
 * of what is left. `remove` makes the pruning permanent.
 *
 * `amount`: an integer is a count of entries (channels for the structured methods); any other
 * number is a fraction in [0, 1], turned into a count as Python's `round(amount * n)` (half to
 * even: 0.125 of 20 entries is 2). JavaScript has no separate int and float, so `1` is one entry
 * (PyTorch's int 1), not PyTorch's float 1.0 (everything): pass the number of entries for that.
 *
 * Ties: torch.topk breaks ties in an order left to its selection algorithm (std::nth_element on
 * CPU), which depends on the tensor's size. Here ties are broken by position: among equal
 * magnitudes (norms), the entries (channels) with the lower flat index are pruned first
 * (l1Unstructured) or kept first (lnStructured, which keeps the largest norms, as PyTorch).
 * Masks are computed on the host in float64 (norms included); they are not differentiable.
 *
 * The random methods draw from a PhiloxStream (the global generator by default, so
 * manualSeed makes them reproducible): the same counts as PyTorch, not PyTorch's random numbers.
 *
 * @example
 * import { nn } from 'lattice-ml';
 * const fc = new nn.Linear(784, 256);
 * nn.utils.prune.l1Unstructured(fc, 'weight', 0.8);   // 80% of the weights, the smallest |w|
 * Object.keys(fc.stateDict());                          // ['bias', 'weight_orig', 'weight_mask']
 * nn.utils.prune.remove(fc, 'weight');                  // weight is a plain Parameter again, with its zeros
 */
import { noGrad } from '../../autograd/api';
import { getDefaultGenerator, PhiloxStream } from '../../backend/philox';
import { ArgumentError, fmtArg, fmtShape, ShapeError } from '../../errors';
import { mul } from '../../ops/binary';
import { moveTo } from '../../ops/cast';
import { tensor } from '../../ops/creation';
import { copy_ } from '../../ops/inplace';
import { reshape } from '../../ops/shape';
import { shapesEqual } from '../../tensor/shape';
import { Tensor } from '../../tensor/tensor';
import { type AnyModule, Module } from '../module';
import type { Parameter } from '../parameter';
import { installReparam, type Reparam, reparamOf, uninstallReparam } from './reparametrize';

/** How much to prune: an integer count, or a fraction in [0, 1] (see the module's notes on `1`). */
export type PruningAmount = number;

/** The norm of lnStructured: a number p (Infinity: max |x|, -Infinity: min |x|, 0: count of non-zeros) or 'fro' (p = 2). */
export type LnNorm = number | 'fro';

/** One pruning applied to a parameter, as recorded in its pruning state (PyTorch's PruningContainer). */
export interface PruningStep {
  method: 'l1Unstructured' | 'randomUnstructured' | 'lnStructured' | 'randomStructured' | 'globalUnstructured' | 'customFromMask' | 'identity';
  amount?: PruningAmount;
  n?: LnNorm;
  dim?: number;
}

/** Options of the random methods. @example `{ generator: new PhiloxStream(7) }` */
export interface RandomPruningOptions {
  /** Where the random numbers come from (default: the global generator, which manualSeed resets). */
  generator?: PhiloxStream;
}

/** Options of the magnitude methods. @example `{ importanceScores: fisher }` */
export interface ImportancePruningOptions {
  /** Ranks the entries by these scores instead of the weight's values (shaped as the weight), as PyTorch's importance_scores. */
  importanceScores?: Tensor;
}

/** globalUnstructured's options. @example `{ pruningMethod: 'l1', amount: 0.2 }` */
export interface GlobalUnstructuredOptions extends RandomPruningOptions {
  /** 'l1' (L1Unstructured: the smallest magnitudes over all the parameters) or 'random' (RandomUnstructured). */
  pruningMethod: 'l1' | 'random';
  /** How many entries to prune, counted over all the parameters together. */
  amount: PruningAmount;
  /** Scores to rank by instead of the weights, one per parameter (null or undefined: that weight's values). */
  importanceScores?: (Tensor | null | undefined)[];
}

/** What pruning keeps on the module (reparametrize.ts): the methods applied so far, oldest first. */
interface PruningState extends Reparam {
  kind: 'pruning';
  steps: PruningStep[];
}

const KIND = 'pruning';

type Fields = Record<string, unknown>;

/** orig · mask, the weight the module computes with (a top-level function, as reparametrize.ts requires). */
function maskedWeight(module: AnyModule, r: Reparam): Tensor {
  const orig = module.getParameter(`${r.name}_orig`), mask = module.getBuffer(`${r.name}_mask`);
  if (!orig || !mask) {
    const missing = !orig ? `parameter '${r.name}_orig'` : `buffer '${r.name}_mask'`;
    const other = !orig ? reparamOf(module, `${r.name}_orig`) : undefined;
    throw new ArgumentError(`pruning: ${module.typeName}.${r.name} is pruned but its ${missing} is gone${other ? ` (${other.kind} replaced it; pruning does not compose with another reparametrisation of the same weight)` : ''}`);
  }
  return mul(mask, orig);
}

// ---------------------------------------------------------------- masks, on the host

/** A mask method on a slice of the weight: PyTorch's compute_mask(t, default_mask), and its PRUNING_TYPE. */
interface MaskMethod {
  type: 'unstructured' | 'structured' | 'global';
  /** The pruned dim (structured methods), in [0, ndim). */
  dim?: number;
  compute(t: Float64Array, shape: number[], defaultMask: Float64Array): Float64Array;
}

/** What errors name: the function and the weight (`Linear.weight float32[4,5]`). */
interface Where {
  op: string;
  what: string;
}

/** Python's round(x): to the nearest integer, halves to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x), d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** The count to prune out of n (PyTorch's _compute_nparams_toprune and _validate_pruning_amount). */
function countToPrune(w: Where, amount: number, n: number, units: string): number {
  const k = Number.isInteger(amount) ? amount : roundHalfEven(amount * n);
  if (k > n) throw new ArgumentError(`${w.op}: amount ${amount} is more than the ${n} unpruned ${units} of ${w.what}`);
  return k;
}

/** Indices 0..n-1 ordered by key (ascending, or descending), ties by index (ascending). */
function rank(keys: ArrayLike<number>, descending: boolean): number[] {
  const order = Array.from({ length: keys.length }, (_, i) => i);
  order.sort((a, b) => {
    const d = descending ? keys[b] - keys[a] : keys[a] - keys[b];
    return d !== 0 && !Number.isNaN(d) ? d : a - b;
  });
  return order;
}

/** outer × size × inner: the layout of `shape` around `dim`. */
function around(shape: number[], dim: number): { outer: number; size: number; inner: number } {
  let outer = 1, inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, size: shape[dim], inner };
}

/** The channel (index along dim) of each flat index. */
function channelOf(shape: number[], dim: number): (i: number) => number {
  const { size, inner } = around(shape, dim);
  return (i) => Math.floor(i / inner) % size;
}

/** The p-norm of every channel along dim (over all the other dims), as torch.norm(t, p, dims). */
function channelNorms(t: Float64Array, shape: number[], dim: number, p: number): Float64Array {
  const { size } = around(shape, dim);
  const ch = channelOf(shape, dim);
  const acc = new Float64Array(size).fill(p === -Infinity ? Infinity : 0);
  for (let i = 0; i < t.length; i++) {
    const a = Math.abs(t[i]), c = ch(i);
    if (p === Infinity) acc[c] = Math.max(acc[c], a);
    else if (p === -Infinity) acc[c] = Math.min(acc[c], a);
    else if (p === 0) acc[c] += a !== 0 ? 1 : 0;
    else if (p === 1) acc[c] += a;
    else if (p === 2) acc[c] += a * a;
    else acc[c] += a ** p;
  }
  if (p !== Infinity && p !== -Infinity && p !== 0 && p !== 1) for (let c = 0; c < size; c++) acc[c] = p === 2 ? Math.sqrt(acc[c]) : acc[c] ** (1 / p);
  return acc;
}

function l1Method(w: Where, amount: number): MaskMethod {
  return {
    type: 'unstructured',
    compute(t, _shape, defaultMask) {
      const k = countToPrune(w, amount, t.length, 'entries');
      const mask = defaultMask.slice();
      const order = rank(t.map(Math.abs), false);
      for (let j = 0; j < k; j++) mask[order[j]] = 0;
      return mask;
    },
  };
}

function randomMethod(w: Where, amount: number, generator: PhiloxStream): MaskMethod {
  return {
    type: 'unstructured',
    compute(t, _shape, defaultMask) {
      const k = countToPrune(w, amount, t.length, 'entries');
      const mask = defaultMask.slice();
      if (k === 0) return mask;
      // As PyTorch: a uniform number per entry, and the k largest are pruned.
      const order = rank(generator.uniform(t.length, 'float64'), true);
      for (let j = 0; j < k; j++) mask[order[j]] = 0;
      return mask;
    },
  };
}

/** A structured method: which channels to keep, given the channel count and how many to prune. */
function structuredMethod(w: Where, amount: number, dim: number, keep: (t: Float64Array, shape: number[], k: number) => Set<number>): MaskMethod {
  return {
    type: 'structured',
    dim,
    compute(t, shape, defaultMask) {
      const k = countToPrune(w, amount, shape[dim], `channels along dim ${dim}`);
      if (k === 0) return defaultMask.slice();
      const kept = keep(t, shape, k);
      const ch = channelOf(shape, dim);
      const mask = new Float64Array(t.length);
      for (let i = 0; i < t.length; i++) if (kept.has(ch(i))) mask[i] = defaultMask[i];
      return mask;
    },
  };
}

function lnMethod(w: Where, amount: number, p: number, dim: number): MaskMethod {
  // As PyTorch: keep the channels with the largest norms.
  return structuredMethod(w, amount, dim, (t, shape, k) => new Set(rank(channelNorms(t, shape, dim, p), true).slice(0, shape[dim] - k)));
}

function randomStructuredMethod(w: Where, amount: number, dim: number, generator: PhiloxStream): MaskMethod {
  // As PyTorch: a uniform number per channel; the k smallest are pruned.
  return structuredMethod(w, amount, dim, (_t, shape, k) => new Set(rank(generator.uniform(shape[dim], 'float64'), false).slice(k)));
}

function customMethod(mask: Float64Array): MaskMethod {
  return { type: 'global', compute: (_t, _shape, defaultMask) => defaultMask.map((m, i) => m * mask[i]) };
}

const identityMethod: MaskMethod = { type: 'unstructured', compute: (_t, _shape, defaultMask) => defaultMask.slice() };

/**
 * The new mask: `method` computed on the part of t that `mask` leaves (PyTorch's
 * PruningContainer._combine_masks; on a first pruning the mask is all ones, and this is the
 * method on the whole tensor).
 */
function combine(method: MaskMethod, t: Float64Array, shape: number[], mask: Float64Array): Float64Array {
  if (method.type === 'global') return method.compute(t, shape, mask);
  const out = mask.slice();
  if (method.type === 'unstructured') {
    const idx: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i] === 1) idx.push(i);
    const part = method.compute(Float64Array.from(idx, (i) => t[i]), [idx.length], new Float64Array(idx.length).fill(1));
    idx.forEach((i, j) => { out[i] = part[j]; });
    return out;
  }
  // Structured: the channels along dim not entirely pruned.
  const dim = method.dim!;
  const { outer, size, inner } = around(shape, dim);
  const ch = channelOf(shape, dim);
  const sums = new Float64Array(size);
  for (let i = 0; i < mask.length; i++) sums[ch(i)] += mask[i];
  const channels: number[] = [];
  for (let c = 0; c < size; c++) if (sums[c] !== 0) channels.push(c);
  const flat = (o: number, j: number, i: number): number => (o * size + channels[j]) * inner + i;
  const n = outer * channels.length * inner;
  const subT = new Float64Array(n), subMask = new Float64Array(n);
  let s = 0;
  for (let o = 0; o < outer; o++) for (let j = 0; j < channels.length; j++) for (let i = 0; i < inner; i++, s++) {
    subT[s] = t[flat(o, j, i)];
    subMask[s] = mask[flat(o, j, i)];
  }
  const subShape = shape.slice();
  subShape[dim] = channels.length;
  const part = method.compute(subT, subShape, subMask);
  s = 0;
  for (let o = 0; o < outer; o++) for (let j = 0; j < channels.length; j++) for (let i = 0; i < inner; i++, s++) out[flat(o, j, i)] = part[s];
  return out;
}

// ---------------------------------------------------------------- arguments

function checkModule(op: string, module: unknown): asserts module is AnyModule {
  if (!(module instanceof Module)) throw new ArgumentError(`${op}: module must be a Module, got ${fmtArg(module)}`);
}

function checkAmount(op: string, amount: unknown): asserts amount is number {
  const ok = typeof amount === 'number' && Number.isFinite(amount) && amount >= 0 && (Number.isInteger(amount) || amount <= 1);
  if (!ok) throw new ArgumentError(`${op}: amount must be a non-negative integer (a count) or a fraction in [0, 1], got ${fmtArg(amount)}`);
}

function checkGenerator(op: string, generator: unknown): PhiloxStream {
  if (generator === undefined) return getDefaultGenerator();
  if (!(generator instanceof PhiloxStream)) throw new ArgumentError(`${op}: generator must be a PhiloxStream, got ${fmtArg(generator)}`);
  return generator;
}

/** dim in [-ndim, ndim), made non-negative; the weight needs 2 dims or more (structured pruning). */
function checkStructured(op: string, w: Where, shape: number[], dim: unknown): number {
  if (shape.length < 2) throw new ArgumentError(`${op}: ${w.what} has ${shape.length} dim${shape.length === 1 ? '' : 's'}; structured pruning needs at least 2`);
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < -shape.length || dim >= shape.length) {
    throw new ArgumentError(`${op}: dim must be an integer in [${-shape.length}, ${shape.length}), got ${fmtArg(dim)} for ${w.what}`);
  }
  return dim < 0 ? dim + shape.length : dim;
}

function checkNorm(op: string, n: unknown): number {
  if (n === 'fro') return 2;
  if (typeof n !== 'number' || Number.isNaN(n)) throw new ArgumentError(`${op}: n must be a number (Infinity, -Infinity and 0 included) or 'fro', got ${fmtArg(n)}`);
  return n;
}

/** A parameter of a module, pruned or not, as the pruning functions see it. */
interface Target {
  module: AnyModule;
  name: string;
  /** The trained parameter: module[name], or `${name}_orig` once pruned. */
  orig: Parameter;
  /** The current mask, or null before the first pruning. */
  mask: Tensor | null;
  state: PruningState | null;
  where: Where;
}

/** Resolves module[name] for pruning, refusing what cannot be pruned; changes nothing. */
function target(op: string, module: unknown, name: unknown): Target {
  checkModule(op, module);
  if (typeof name !== 'string' || name === '') throw new ArgumentError(`${op}: name must be a parameter's name, got ${fmtArg(name)}`);
  const mod = module.typeName;
  const other = reparamOf(module, name);
  if (other && other.kind !== KIND) {
    throw new ArgumentError(`${op}: ${mod}.${name} already has ${other.kind}; pruning does not compose with another reparametrisation of the same weight (remove the ${other.kind} first)`);
  }
  if (other) {
    const orig = module.getParameter(`${name}_orig`), mask = module.getBuffer(`${name}_mask`);
    if (!orig || !mask) throw new ArgumentError(`${op}: ${mod}.${name} is pruned but its ${!orig ? `parameter '${name}_orig'` : `buffer '${name}_mask'`} is gone`);
    return { module, name, orig, mask, state: other as PruningState, where: { op, what: `${mod}.${name} ${orig.describe()}` } };
  }
  const orig = module.getParameter(name);
  if (!orig) {
    const names = module.namedParameters({ recurse: false }).map(([n]) => `'${n}'`).join(', ') || 'none';
    throw new ArgumentError(`${op}: ${mod} has no parameter '${name}' (its parameters: ${names})`);
  }
  // A parameter another reparametrisation computes from (weight_v of weightNorm, weight_orig of spectralNorm or of pruning).
  for (let cut = name.indexOf('_'); cut > 0; cut = name.indexOf('_', cut + 1)) {
    const r = reparamOf(module, name.slice(0, cut));
    if (r) throw new ArgumentError(`${op}: ${mod}.${name} is an input of the ${r.kind} of ${mod}.${r.name}; pruning does not compose with another reparametrisation of the same weight`);
  }
  for (const taken of [`${name}_orig`, `${name}_mask`]) {
    if (module.getParameter(taken) || module.getBuffer(taken) || module.namedChildren().some(([n]) => n === taken)) {
      throw new ArgumentError(`${op}: ${mod} already has a member '${taken}', the name pruning ${mod}.${name} needs`);
    }
  }
  if (Object.prototype.hasOwnProperty.call(module, 'forward') && !(module as unknown as Fields)._reparams) {
    throw new ArgumentError(`${op}: ${mod} has a forward of its own; pruning recomputes ${mod}.${name} in the class's forward`);
  }
  return { module, name, orig, mask: null, state: null, where: { op, what: `${mod}.${name} ${orig.describe()}` } };
}

/** The values the methods rank: the importance scores, or the weight as it is now (orig · mask). */
function scoresOf(tg: Target, scores: Tensor | null | undefined, label = 'importanceScores'): Float64Array {
  if (scores !== undefined && scores !== null) {
    if (!(scores instanceof Tensor)) throw new ArgumentError(`${tg.where.op}: ${label} must be a Tensor, got ${fmtArg(scores)}`);
    if (!shapesEqual(scores.shape, tg.orig.shape)) throw new ShapeError(`${tg.where.op}: ${label} is ${scores.describe()} but ${tg.where.what} is ${fmtShape(tg.orig.shape)}`);
    return Float64Array.from(scores.data());
  }
  const w = Float64Array.from(tg.orig.data());
  if (tg.mask) tg.mask.data().forEach((m, i) => { w[i] *= m; });
  return w;
}

function maskOf(tg: Target): Float64Array {
  return tg.mask ? Float64Array.from(tg.mask.data()) : new Float64Array(tg.orig.size).fill(1);
}

/** Installs (or updates) the pruning of tg with the new mask: the only function that changes a module. */
function commit(tg: Target, mask: Float64Array, step: PruningStep): void {
  const { module, name, orig } = tg;
  let maskTensor = reshape(tensor(mask, { dtype: orig.dtype }), orig.shape.slice());
  if (orig.device !== 'cpu') maskTensor = moveTo(maskTensor, orig.device);
  let state = tg.state;
  if (!state) {
    state = { kind: KIND, name, compute: maskedWeight, steps: [] };
    installReparam(module, state);   // sets module[name] to null: the parameter entry becomes empty
    module.registerParameter(`${name}_orig`, orig);
  }
  module.registerBuffer(`${name}_mask`, maskTensor);
  state.steps = [...state.steps, step];
  const s = state;
  // As PyTorch: module[name] holds the pruned weight right away (forward recomputes it, with grad).
  (module as unknown as Fields)[name] = noGrad(() => maskedWeight(module, s));
}

function pruneWith(tg: Target, method: MaskMethod, scores: Float64Array, step: PruningStep): void {
  const mask = combine(method, scores, tg.orig.shape.slice(), maskOf(tg));
  commit(tg, mask, step);
}

// ---------------------------------------------------------------- the public functions

/**
 * Prunes the `amount` entries of `module[name]` with the smallest magnitude (torch's
 * l1_unstructured); on a pruned parameter, among the entries left. Returns the module.
 * @example
 * nn.utils.prune.l1Unstructured(fc, 'weight', 0.3);   // 30% of the entries
 * nn.utils.prune.l1Unstructured(fc, 'bias', 2);       // 2 entries
 */
export function l1Unstructured<M extends AnyModule>(module: M, name: string, amount: PruningAmount, opts: ImportancePruningOptions = {}): M {
  const op = 'l1Unstructured';
  const tg = target(op, module, name);
  checkAmount(op, amount);
  pruneWith(tg, l1Method(tg.where, amount), scoresOf(tg, opts.importanceScores), { method: op, amount });
  return module;
}

/**
 * Prunes `amount` entries of `module[name]` chosen at random (torch's random_unstructured); on a
 * pruned parameter, among the entries left. Exactly round(amount · n) entries (or `amount` of them).
 * Returns the module.
 * @example
 * nn.utils.prune.randomUnstructured(fc, 'weight', 0.5, { generator: new PhiloxStream(7) });
 */
export function randomUnstructured<M extends AnyModule>(module: M, name: string, amount: PruningAmount, opts: RandomPruningOptions = {}): M {
  const op = 'randomUnstructured';
  const tg = target(op, module, name);
  checkAmount(op, amount);
  const generator = checkGenerator(op, opts.generator);
  pruneWith(tg, randomMethod(tg.where, amount, generator), scoresOf(tg, null), { method: op, amount });
  return module;
}

/**
 * Prunes the `amount` channels along `dim` of `module[name]` with the smallest n-norm (torch's
 * ln_structured: for a conv weight [out, in, kh, kw], dim 0 prunes filters, dim 1 input channels);
 * on a pruned parameter, among the channels not entirely pruned. Returns the module.
 * @example
 * nn.utils.prune.lnStructured(conv, 'weight', 0.5, 2, 0);          // half the filters, by L2 norm
 * nn.utils.prune.lnStructured(conv, 'weight', 1, Infinity, 1);     // the input channel with the smallest max |w|
 */
export function lnStructured<M extends AnyModule>(module: M, name: string, amount: PruningAmount, n: LnNorm, dim: number, opts: ImportancePruningOptions = {}): M {
  const op = 'lnStructured';
  const tg = target(op, module, name);
  checkAmount(op, amount);
  const p = checkNorm(op, n);
  const d = checkStructured(op, tg.where, tg.orig.shape, dim);
  pruneWith(tg, lnMethod(tg.where, amount, p, d), scoresOf(tg, opts.importanceScores), { method: op, amount, n, dim: d });
  return module;
}

/**
 * Prunes `amount` channels along `dim` of `module[name]` chosen at random (torch's
 * random_structured); on a pruned parameter, among the channels not entirely pruned. Returns the module.
 * @example
 * nn.utils.prune.randomStructured(conv, 'weight', 0.25, 0);   // a quarter of the filters
 */
export function randomStructured<M extends AnyModule>(module: M, name: string, amount: PruningAmount, dim: number, opts: RandomPruningOptions = {}): M {
  const op = 'randomStructured';
  const tg = target(op, module, name);
  checkAmount(op, amount);
  const d = checkStructured(op, tg.where, tg.orig.shape, dim);
  const generator = checkGenerator(op, opts.generator);
  pruneWith(tg, randomStructuredMethod(tg.where, amount, d, generator), scoresOf(tg, null), { method: op, amount, dim: d });
  return module;
}

/**
 * Prunes the parameters together (torch's global_unstructured): `amount` counts the entries of
 * all of them, and the method ranks them all at once ('l1': the smallest magnitudes wherever they
 * are), among the entries not already pruned. Each parameter is then pruned with its part of the
 * mask, as customFromMask.
 * @example
 * const convs = model.modules().filter((m) => m instanceof nn.Conv2d);
 * nn.utils.prune.globalUnstructured(convs.map((m) => [m, 'weight']), { pruningMethod: 'l1', amount: 0.2 });
 */
export function globalUnstructured(parameters: [AnyModule, string][], opts: GlobalUnstructuredOptions): void {
  const op = 'globalUnstructured';
  if (!Array.isArray(parameters) || parameters.length === 0) throw new ArgumentError(`${op}: parameters must be a non-empty array of [module, name] pairs, got ${fmtArg(parameters)}`);
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${op}: opts must be { pruningMethod, amount }, got ${fmtArg(opts)}`);
  const targets = parameters.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw new ArgumentError(`${op}: parameters[${i}] must be a [module, name] pair, got ${fmtArg(pair)}`);
    return target(op, pair[0], pair[1]);
  });
  targets.forEach((tg, i) => {
    const j = targets.findIndex((o) => o.module === tg.module && o.name === tg.name);
    if (j !== i) throw new ArgumentError(`${op}: parameters[${i}] repeats parameters[${j}] (${tg.where.what})`);
  });
  if (opts.pruningMethod !== 'l1' && opts.pruningMethod !== 'random') throw new ArgumentError(`${op}: pruningMethod must be 'l1' or 'random', got ${fmtArg(opts.pruningMethod)}`);
  checkAmount(op, opts.amount);
  const scoreList = opts.importanceScores;
  if (scoreList !== undefined && (!Array.isArray(scoreList) || scoreList.length !== targets.length)) {
    throw new ArgumentError(`${op}: importanceScores must be an array with one entry (a Tensor or null) per parameter (${targets.length}), got ${fmtArg(scoreList)}`);
  }
  const generator = opts.pruningMethod === 'random' ? checkGenerator(op, opts.generator) : null;
  const scores = targets.map((tg, i) => scoresOf(tg, scoreList?.[i], `importanceScores[${i}]`));
  const masks = targets.map(maskOf);
  const total = scores.reduce((n, s) => n + s.length, 0);
  const all = new Float64Array(total), allMask = new Float64Array(total);
  let at = 0;
  scores.forEach((s, i) => { all.set(s, at); allMask.set(masks[i], at); at += s.length; });
  const where = { op, what: `the ${targets.length} parameters (${targets.map((tg) => tg.where.what).join(', ')})` };
  const method = generator ? randomMethod(where, opts.amount, generator) : l1Method(where, opts.amount);
  const mask = combine(method, all, [total], allMask);
  at = 0;
  for (const tg of targets) {
    const part = mask.slice(at, at + tg.orig.size);
    at += tg.orig.size;
    commit(tg, combine(customMethod(part), new Float64Array(part.length), tg.orig.shape.slice(), maskOf(tg)), { method: op, amount: opts.amount });
  }
}

/**
 * Prunes `module[name]` with a mask of your own (torch's custom_from_mask): the new mask is the
 * old one (ones before the first pruning) times `mask`, which must have the parameter's shape.
 * Returns the module.
 * @example
 * nn.utils.prune.customFromMask(fc, 'weight', L.tensor([[1, 0, 1], [0, 1, 1]]));
 */
export function customFromMask<M extends AnyModule>(module: M, name: string, mask: Tensor): M {
  const op = 'customFromMask';
  const tg = target(op, module, name);
  if (!(mask instanceof Tensor)) throw new ArgumentError(`${op}: mask must be a Tensor, got ${fmtArg(mask)}`);
  if (!shapesEqual(mask.shape, tg.orig.shape)) throw new ShapeError(`${op}: mask is ${mask.describe()} but ${tg.where.what} is ${fmtShape(tg.orig.shape)}`);
  pruneWith(tg, customMethod(Float64Array.from(mask.data())), new Float64Array(tg.orig.size), { method: op });
  return module;
}

/**
 * Sets up the pruning of `module[name]` with a mask of ones, pruning nothing (torch's identity):
 * the parameter becomes `${name}_orig` with a `${name}_mask`. Returns the module.
 * @example
 * nn.utils.prune.identity(fc, 'weight');   // state dict: bias, weight_orig, weight_mask
 */
export function identity<M extends AnyModule>(module: M, name: string): M {
  const tg = target('identity', module, name);
  pruneWith(tg, identityMethod, new Float64Array(tg.orig.size), { method: 'identity' });
  return module;
}

/**
 * Makes the pruning of `module[name]` permanent (torch's prune.remove): `module[name]` becomes a
 * plain Parameter again, holding `${name}_orig · ${name}_mask` (the zeros stay, and training may
 * move them again); `${name}_orig` and `${name}_mask` leave the state dict. The Parameter is the
 * object `${name}_orig` was, so an optimizer holding it keeps training it. Returns the module.
 * @example
 * nn.utils.prune.remove(fc, 'weight');
 */
export function remove<M extends AnyModule>(module: M, name: string): M {
  const op = 'remove';
  checkModule(op, module);
  const state = reparamOf(module, name);
  if (state?.kind !== KIND) {
    const pruned = module.namedBuffers({ recurse: false }).map(([b]) => b.slice(0, -'_mask'.length)).filter((b) => reparamOf(module, b)?.kind === KIND);
    throw new ArgumentError(`${op}: ${module.typeName}.${fmtArg(name)} is not pruned (pruned: ${pruned.map((b) => `'${b}'`).join(', ') || 'none'}); there is no pruning to remove`);
  }
  const orig = module.getParameter(`${name}_orig`);
  if (!orig || !module.getBuffer(`${name}_mask`)) throw new ArgumentError(`${op}: ${module.typeName}.${name} is pruned but its ${!orig ? `parameter '${name}_orig'` : `buffer '${name}_mask'`} is gone`);
  noGrad(() => {
    const weight = maskedWeight(module, state);
    copy_(orig, weight);
    weight.dispose();
  });
  uninstallReparam(module, name);
  module.registerParameter(`${name}_orig`, null);
  module.registerBuffer(`${name}_mask`, null);
  (module as unknown as Fields)[name] = module.registerParameter(name, orig);
  return module;
}

/**
 * Whether the module or any module inside it has a pruned parameter (torch's is_pruned).
 * @example
 * nn.utils.prune.isPruned(model)   // false until something is pruned, and again after remove
 */
export function isPruned(module: AnyModule): boolean {
  checkModule('isPruned', module);
  return module.modules().some((m) => m.namedBuffers({ recurse: false }).some(([b]) => b.endsWith('_mask') && reparamOf(m, b.slice(0, -'_mask'.length))?.kind === KIND));
}

/**
 * The prunings applied to `module[name]` so far, oldest first (PyTorch's PruningContainer), or
 * an empty array when it is not pruned.
 * @example
 * nn.utils.prune.pruningSteps(fc, 'weight')   // [{ method: 'l1Unstructured', amount: 0.3 }]
 */
export function pruningSteps(module: AnyModule, name: string): PruningStep[] {
  checkModule('pruningSteps', module);
  const state = reparamOf(module, name);
  return state?.kind === KIND ? (state as PruningState).steps.map((s) => ({ ...s })) : [];
}
