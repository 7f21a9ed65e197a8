/**
 * einsum with the equation grammar PyTorch accepts, written with reshape/permute, diagonal,
 * sum and batched matmul (so both backends, autograd and second derivatives come with it):
 *
 * - subscripts are letters (a-z, A-Z); spaces are ignored; terms are separated by ',';
 * - '...' stands for the dims a subscript list does not name; those dims broadcast across
 *   operands (aligned from the right, size 1 against n), and so does any size-1 dim;
 * - without '->' the output is the ellipsis dims, then the subscripts that appear exactly once,
 *   in alphabetical order (upper case before lower case, as PyTorch);
 * - a subscript repeated within one operand takes that operand's diagonal;
 * - subscripts missing from the output are summed.
 *
 * How it runs: each operand first loses its repeated subscripts (diagonal) and the subscripts no
 * other operand or the output has (sum). The operands are then contracted left to right, as
 * PyTorch without opt_einsum: each step is one batched GEMM of [batch, M, K] by [batch, K, N],
 * where batch holds the shared subscripts still needed later, K the shared ones that are not,
 * and M and N the rest of each side. The permute in front of a GEMM is skipped (a reshape is
 * free) when an operand already lies in that order or in its transpose (the GEMM takes
 * transpose flags), so 'bij,bjk->bik' costs exactly one batched matmul.
 */
import { ArgumentError, ShapeError, fmtArg, fmtShape } from '../errors';
import { sizeOf } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { castTo } from './cast';
import { contractMatmul, contractionDtype, diagonal } from './linalg-basic';
import { sum } from './reduce';
import { clone, reshape } from './shape';
import { permuteIfNeeded } from './shape-extra';
import { assertTensor, checkOutputSize } from './util';

/** Subscript codes: 'A'..'Z' are 0..25 and 'a'..'z' 26..51 (PyTorch's alphabetical order); ellipsis dim k is ELLIPSIS + k. */
const ELLIPSIS = 100;

interface Term {
  /** The term as written (spaces dropped), for messages. */
  text: string;
  /** Letter codes in order, without the ellipsis. */
  letters: number[];
  /** Where '...' sits among the letters, or -1. */
  ellipsisAt: number;
}

function letterCode(c: string): number {
  return c >= 'a' ? c.charCodeAt(0) - 97 + 26 : c.charCodeAt(0) - 65;
}

function labelName(code: number): string {
  if (code >= ELLIPSIS) return `... dim ${code - ELLIPSIS}`;
  return `'${String.fromCharCode(code < 26 ? 65 + code : 97 + code - 26)}'`;
}

/** Splits the equation into input terms and the explicit output term (null without '->'). */
function parse(equation: string): { inputs: Term[]; output: Term | null } {
  const inputs: Term[] = [];
  let output: Term | null = null;
  let term: Term = { text: '', letters: [], ellipsisAt: -1 };
  let arrow = false;
  const fail = (i: number, why: string): never => {
    throw new ArgumentError(`einsum: ${why} at index ${i} of equation '${equation}' (subscripts are letters a-z and A-Z, with ',' between operands, '...' and one '->')`);
  };
  for (let i = 0; i < equation.length; i++) {
    const c = equation[i];
    if (c === ' ') continue;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      term.letters.push(letterCode(c));
      term.text += c;
    } else if (c === '.') {
      if (equation.slice(i, i + 3) !== '...') fail(i, `'.' is not part of an ellipsis '...'`);
      if (term.ellipsisAt >= 0) fail(i, `a second '...' in one term`);
      term.ellipsisAt = term.letters.length;
      term.text += '...';
      i += 2;
    } else if (c === ',') {
      if (arrow) fail(i, `',' after '->' (the output is a single term)`);
      inputs.push(term);
      term = { text: '', letters: [], ellipsisAt: -1 };
    } else if (c === '-' && equation[i + 1] === '>') {
      if (arrow) fail(i, `a second '->'`);
      arrow = true;
      inputs.push(term);
      term = { text: '', letters: [], ellipsisAt: -1 };
      i += 1;
    } else {
      fail(i, `invalid character ${JSON.stringify(c)}`);
    }
  }
  if (arrow) output = term;
  else inputs.push(term);
  return { inputs, output };
}

/** The operands given as `einsum(eq, a, b)` or `einsum(eq, [a, b])`. */
function operandList(args: (Tensor | Tensor[])[]): Tensor[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  list.forEach((t, i) => assertTensor('einsum', `operands[${i}]`, t));
  return list as Tensor[];
}

/** One operand's dim labels, with its ellipsis dims numbered from the right against the widest ellipsis. */
function dimLabels(term: Term, ndim: number, widest: number): number[] {
  if (term.ellipsisAt < 0) return term.letters.slice();
  const own = ndim - term.letters.length;
  const ell = Array.from({ length: own }, (_, j) => ELLIPSIS + widest - own + j);
  return [...term.letters.slice(0, term.ellipsisAt), ...ell, ...term.letters.slice(term.ellipsisAt)];
}

/** Sums the dims of x whose labels fail `keep`. */
function sumAway(x: Tensor, labels: number[], keep: (label: number) => boolean): [Tensor, number[]] {
  const dims = labels.flatMap((l, i) => (keep(l) ? [] : [i]));
  if (dims.length === 0) return [x, labels];
  return [sum(x, dims), labels.filter((l) => keep(l))];
}

/** Replaces each repeated label by the diagonal over its dims (a new last dim). */
function takeDiagonals(x: Tensor, labels: number[]): [Tensor, number[]] {
  for (;;) {
    const p = labels.findIndex((l, i) => labels.indexOf(l, i + 1) >= 0);
    if (p < 0) return [x, labels];
    const q = labels.indexOf(labels[p], p + 1);
    x = diagonal(x, 0, p, q);
    labels = [...labels.filter((_, i) => i !== p && i !== q), labels[p]];
  }
}

/** reshape, except that x itself is returned when it has the shape already (no view node for intermediates). */
function reshapeIfNeeded(x: Tensor, shape: number[]): Tensor {
  return sameOrder(x.shape, shape) ? x : reshape(x, shape);
}

function sameOrder(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Contracts a (labels la) with b (labels lb), keeping the labels in `keep` and summing the
 * others: one batched GEMM. Returns the result and its labels (batch, then a's, then b's).
 */
function contractPair(a: Tensor, la: number[], b: Tensor, lb: number[], keep: Set<number>): [Tensor, number[]] {
  [a, la] = sumAway(a, la, (l) => keep.has(l) || lb.includes(l));
  [b, lb] = sumAway(b, lb, (l) => keep.has(l) || la.includes(l));
  const shared = la.filter((l) => lb.includes(l));
  const batchA = shared.filter((l) => keep.has(l)), kA = shared.filter((l) => !keep.has(l));
  const m = la.filter((l) => !lb.includes(l)), n = lb.filter((l) => !la.includes(l));
  // A summed label of size 1 on one side and n on the other: sum the n side first.
  for (const l of kA) {
    const ia = la.indexOf(l), ib = lb.indexOf(l);
    if (a.shape[ia] !== b.shape[ib]) {
      if (a.shape[ia] === 1) b = sum(b, ib, { keepdim: true });
      else a = sum(a, ia, { keepdim: true });
    }
  }
  // Batch and contracted labels in a's order or in b's, whichever needs fewer copies.
  const batchB = lb.filter((l) => batchA.includes(l)), kB = lb.filter((l) => kA.includes(l));
  let best: { batch: number[]; k: number[]; cost: number } | null = null;
  for (const batch of [batchA, batchB]) {
    for (const k of [kA, kB]) {
      const costA = sameOrder(la, [...batch, ...m, ...k]) || sameOrder(la, [...batch, ...k, ...m]) ? 0 : a.size;
      const costB = sameOrder(lb, [...batch, ...k, ...n]) || sameOrder(lb, [...batch, ...n, ...k]) ? 0 : b.size;
      if (!best || costA + costB < best.cost) best = { batch, k, cost: costA + costB };
    }
  }
  const { batch, k } = best!;
  const sizeIn = (t: Tensor, labels: number[], of: number[]): number[] => of.map((l) => t.shape[labels.indexOf(l)]);
  const prodK = sizeOf(sizeIn(a, la, k)), prodM = sizeOf(sizeIn(a, la, m)), prodN = sizeOf(sizeIn(b, lb, n));

  // a as [batch, M, K] (or [batch, K, M], read transposed by the GEMM).
  const transA = !sameOrder(la, [...batch, ...m, ...k]) && sameOrder(la, [...batch, ...k, ...m]);
  const orderA = transA ? la : [...batch, ...m, ...k];
  const a3 = reshapeIfNeeded(permuteIfNeeded(a, orderA.map((l) => la.indexOf(l))), [...sizeIn(a, la, batch), ...(transA ? [prodK, prodM] : [prodM, prodK])]);
  const transB = !sameOrder(lb, [...batch, ...k, ...n]) && sameOrder(lb, [...batch, ...n, ...k]);
  const orderB = transB ? lb : [...batch, ...k, ...n];
  const b3 = reshapeIfNeeded(permuteIfNeeded(b, orderB.map((l) => lb.indexOf(l))), [...sizeIn(b, lb, batch), ...(transB ? [prodN, prodK] : [prodK, prodN])]);

  const product = contractMatmul(a3, b3, transA, transB);
  const outShape = [...product.shape.slice(0, batch.length), ...sizeIn(a, la, m), ...sizeIn(b, lb, n)];
  return [reshapeIfNeeded(product, outShape), [...batch, ...m, ...n]];
}

/**
 * Einstein summation (PyTorch's `torch.einsum`): the equation names each operand's dims with
 * letters; products are summed over the letters missing from the output. Supports implicit
 * output ('ij,jk' is 'ij,jk->ik'), '...' for broadcast batch dims, repeated letters in one
 * operand (diagonals: 'ii->i', trace: 'ii'), any number of operands (contracted left to right
 * with batched matmul, never as one broadcast product). Operands are float32, float64 or int32
 * (floats promote to the wider type).
 * @example
 * einsum('bij,bjk->bik', a, b);  // batched matmul
 * einsum('ii', m);               // trace
 * einsum('...d,...d->...', q, k) // batched dot products
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor;
export function einsum(equation: string, operands: Tensor[]): Tensor;
export function einsum(equation: string, ...args: (Tensor | Tensor[])[]): Tensor {
  if (typeof equation !== 'string') throw new ArgumentError(`einsum: equation must be a string, got ${fmtArg(equation)}`);
  const ops = operandList(args);
  const { inputs, output } = parse(equation);
  if (inputs.length !== ops.length) {
    throw new ArgumentError(`einsum: equation '${equation}' has ${inputs.length} operand term${inputs.length === 1 ? '' : 's'} but ${ops.length} operand${ops.length === 1 ? ' was' : 's were'} given`);
  }
  const dtype = contractionDtype('einsum', ops.map((t, i): [string, Tensor] => [`operand ${i}`, t]));

  // Dims per operand, and the widest ellipsis.
  let widest = 0;
  inputs.forEach((term, i) => {
    const x = ops[i];
    if (term.ellipsisAt >= 0 ? x.ndim < term.letters.length : x.ndim !== term.letters.length) {
      throw new ShapeError(`einsum: operand ${i} is ${x.describe()} with ${x.ndim} dims but its term '${term.text}' in '${equation}' names ${term.letters.length}${term.ellipsisAt >= 0 ? ' (more than it has)' : ' and has no \'...\''}`);
    }
    if (term.ellipsisAt >= 0) widest = Math.max(widest, x.ndim - term.letters.length);
  });
  const labels = inputs.map((term, i) => dimLabels(term, ops[i].ndim, widest));

  // Sizes: a repeated letter within an operand must match exactly; across operands sizes broadcast (1 against n).
  const size = new Map<number, { size: number; operand: number }>();
  labels.forEach((ls, i) => {
    const shape = ops[i].shape;
    ls.forEach((l, d) => {
      const first = ls.indexOf(l);
      if (first !== d && shape[first] !== shape[d]) {
        throw new ShapeError(`einsum: subscript ${labelName(l)} repeats in operand ${i} ${fmtShape(shape)} (term '${inputs[i].text}') with sizes ${shape[first]} and ${shape[d]}; a repeated subscript takes a diagonal and needs equal sizes`);
      }
      const seen = size.get(l);
      if (!seen || seen.size === 1) size.set(l, { size: shape[d], operand: i });
      else if (shape[d] !== 1 && shape[d] !== seen.size) {
        throw new ShapeError(`einsum: subscript ${labelName(l)} has size ${shape[d]} in operand ${i} ${fmtShape(shape)} but ${seen.size} in operand ${seen.operand} ${fmtShape(ops[seen.operand].shape)} (equation '${equation}'); sizes must match or be 1`);
      }
    });
  });

  // The output labels.
  const ellipsisLabels = Array.from({ length: widest }, (_, k) => ELLIPSIS + k);
  let out: number[];
  if (output) {
    for (const [j, l] of output.letters.entries()) {
      if (output.letters.indexOf(l) !== j) throw new ArgumentError(`einsum: output subscript ${labelName(l)} appears more than once in '${output.text}' (equation '${equation}')`);
      if (!size.has(l)) throw new ArgumentError(`einsum: output subscript ${labelName(l)} of '${equation}' appears in no input term`);
    }
    out = output.ellipsisAt < 0 ? output.letters.slice()
      : [...output.letters.slice(0, output.ellipsisAt), ...ellipsisLabels, ...output.letters.slice(output.ellipsisAt)];
  } else {
    const count = new Map<number, number>();
    for (const ls of labels) for (const l of ls) if (l < ELLIPSIS) count.set(l, (count.get(l) ?? 0) + 1);
    out = [...ellipsisLabels, ...[...count.keys()].filter((l) => count.get(l) === 1).sort((p, q) => p - q)];
  }
  const inOutput = new Set(out);
  checkOutputSize('einsum', out.map((l) => size.get(l)!.size), dtype, () => `equation '${equation}'`);

  // Each operand: diagonals, then the labels that nothing else needs summed away.
  const prepared = ops.map((x, i): [Tensor, number[]] => {
    const [diag, ls] = takeDiagonals(castTo(x, dtype), labels[i]);
    return sumAway(diag, ls, (l) => inOutput.has(l) || labels.some((other, j) => j !== i && other.includes(l)));
  });

  // Left to right, keeping what the output or a later operand needs.
  let [result, resultLabels] = prepared[0];
  for (let i = 1; i < prepared.length; i++) {
    const keep = new Set(out);
    for (let j = i + 1; j < prepared.length; j++) for (const l of prepared[j][1]) keep.add(l);
    [result, resultLabels] = contractPair(result, resultLabels, prepared[i][0], prepared[i][1], keep);
  }
  [result, resultLabels] = sumAway(result, resultLabels, (l) => inOutput.has(l));
  result = permuteIfNeeded(result, out.map((l) => resultLabels.indexOf(l)));
  // 'ij->ij' and the like touch nothing: the result must still be a tensor of its own.
  return ops.includes(result) ? clone(result) : result;
}
