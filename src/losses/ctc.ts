/**
 * Connectionist Temporal Classification: the loss (native alpha-beta kernel)
 * and two decoders, greedy (best path) and prefix beam search.
 */
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../errors';
import { ctcLossOp, lengthsArg, type CtcOptions, type Lengths } from '../ops/ctc';
import { assertTensor } from '../ops/util';
import type { FloatArray } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';

export type { CtcOptions, Lengths };

/**
 * CTC loss: -log of the total probability of every alignment of the target to
 * the frames (repeats collapsed, blanks dropped), by the alpha-beta recursion in
 * log space (formulas in src/backend/reference/ctc.ts).
 *
 * logProbs: float [T, N, C] log-probabilities (e.g. logSoftmax(x, 2)), or [T, C] for one sequence.
 * targets: int32 [N, S] padded, or 1-D with the N targets concatenated. Lengths: int32 [N] or number[].
 * 'mean' divides each loss by its target length (at least 1) and averages over the batch (PyTorch).
 * An impossible alignment (say, a target longer than its input) gives Infinity, or 0 and a zero
 * gradient with zeroInfinity. The gradient is d loss / d logProbs with the log-probabilities as free
 * inputs (PyTorch's differs by exp(logProbs), which log_softmax's backward removes). First order only.
 * @example `ctcLoss(logSoftmax(x, 2), targets, [50, 48], [12, 9], { blank: 0 })`
 */
export function ctcLoss(logProbs: Tensor, targets: Tensor, inputLengths: Lengths, targetLengths: Lengths, opts?: CtcOptions): Tensor {
  return ctcLossOp(logProbs, targets, inputLengths, targetLengths, opts ?? {});
}

interface Frames {
  values: FloatArray;
  maxTime: number;
  batch: number;
  classes: number;
  lengths: Int32Array;
  blank: number;
}

function frames(op: string, logProbs: Tensor, inputLengths: Tensor | readonly number[] | Int32Array | undefined, blank: number | undefined): Frames {
  assertTensor(op, 'logProbs', logProbs);
  if (logProbs.dtype !== 'float32' && logProbs.dtype !== 'float64') throw new DTypeError(`${op}: logProbs must be float32 or float64, got ${logProbs.describe()}`);
  if (logProbs.ndim !== 3 && logProbs.ndim !== 2) throw new ShapeError(`${op}: logProbs must be [T, N, C] (or [T, C]), got ${logProbs.describe()}`);
  const [maxTime, batch, classes] = logProbs.ndim === 2 ? [logProbs.shape[0], 1, logProbs.shape[1]] : logProbs.shape;
  const b = blank ?? 0;
  if (!Number.isInteger(b) || b < 0 || b >= classes) throw new ArgumentError(`${op}: blank must be a class index in [0, ${classes}), got ${fmtArg(b)}`);
  const lengths = inputLengths === undefined ? new Int32Array(batch).fill(maxTime) : lengthsArg(op, 'inputLengths', inputLengths, batch);
  lengths.forEach((l, n) => {
    if (l > maxTime) throw new ShapeError(`${op}: inputLengths[${n}] is ${l} but logProbs ${logProbs.describe()} has T = ${maxTime} frames`);
  });
  return { values: logProbs.values as FloatArray, maxTime, batch, classes, lengths, blank: b };
}

/** Blank index of the CTC decoders. @example `ctcGreedyDecode(logProbs, lengths, { blank: 0 })` */
export interface CtcDecodeOptions {
  /** The blank class (default 0). */
  blank?: number;
}

/**
 * Best-path decoding: the most likely class per frame, then repeats collapsed and blanks
 * dropped ("a a - a b b" -> "a a b"). One label sequence per batch item.
 * @example `ctcGreedyDecode(logProbs, [50, 48])  // [[3, 1, 4], [1, 5]]`
 */
export function ctcGreedyDecode(logProbs: Tensor, inputLengths?: Tensor | readonly number[] | Int32Array, opts?: CtcDecodeOptions): number[][] {
  const f = frames('ctcGreedyDecode', logProbs, inputLengths, opts?.blank);
  const out: number[][] = [];
  for (let n = 0; n < f.batch; n++) {
    const seq: number[] = [];
    let prev = -1;
    for (let t = 0; t < f.lengths[n]; t++) {
      const base = (t * f.batch + n) * f.classes;
      let best = 0;
      for (let c = 1; c < f.classes; c++) if (f.values[base + c] > f.values[base + best]) best = c;
      if (best !== prev && best !== f.blank) seq.push(best);
      prev = best;
    }
    out.push(seq);
  }
  return out;
}

/** Beam width and the decoder options of `ctcBeamSearch`. @example `ctcBeamSearch(logProbs, { beamWidth: 8 })` */
export interface CtcBeamSearchOptions extends CtcDecodeOptions {
  /** Prefixes kept per frame (default 10). */
  beamWidth?: number;
  /** Frames per batch item (default: all T). */
  inputLengths?: Tensor | readonly number[] | Int32Array;
  /** Hypotheses returned per item, best first (default beamWidth). */
  topK?: number;
}

/** A decoded label sequence and log P(sequence | frames), summed over its alignments. */
export interface CtcHypothesis {
  tokens: number[];
  logProb: number;
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
}

interface Prefix {
  tokens: number[];
  blank: number;     // log P(prefix, alignment so far ends in a blank)
  nonBlank: number;  // log P(prefix, alignment so far ends in its last label)
}

/**
 * Prefix beam search in log space: keeps the beamWidth most probable label prefixes,
 * each scored by the total probability of its alignments so far (split by whether the
 * alignment ends in a blank, so "a - a" and "a a" extend correctly). Finds sequences
 * that best-path decoding misses when their probability is spread over many alignments.
 * Returns, per batch item, up to topK hypotheses, best first.
 * @example `ctcBeamSearch(logProbs, { beamWidth: 8 })[0][0].tokens`
 */
export function ctcBeamSearch(logProbs: Tensor, opts?: CtcBeamSearchOptions): CtcHypothesis[][] {
  const op = 'ctcBeamSearch';
  const f = frames(op, logProbs, opts?.inputLengths, opts?.blank);
  const width = opts?.beamWidth ?? 10;
  if (!Number.isInteger(width) || width < 1) throw new ArgumentError(`${op}: beamWidth must be a positive integer, got ${fmtArg(width)}`);
  const topK = opts?.topK ?? width;
  if (!Number.isInteger(topK) || topK < 1) throw new ArgumentError(`${op}: topK must be a positive integer, got ${fmtArg(topK)}`);
  const score = (p: Prefix): number => logAdd(p.blank, p.nonBlank);
  const key = (tokens: number[]): string => tokens.join(',');
  // Best first; equal scores ordered by their labels, so results never depend on map order.
  const byScore = (a: Prefix, b: Prefix): number => score(b) - score(a) || (key(a.tokens) < key(b.tokens) ? -1 : 1);
  const results: CtcHypothesis[][] = [];
  for (let n = 0; n < f.batch; n++) {
    let beam: Prefix[] = [{ tokens: [], blank: 0, nonBlank: -Infinity }];
    for (let t = 0; t < f.lengths[n]; t++) {
      const base = (t * f.batch + n) * f.classes;
      const next = new Map<string, Prefix>();
      const entry = (tokens: number[]): Prefix => {
        const k = key(tokens);
        let p = next.get(k);
        if (!p) { p = { tokens, blank: -Infinity, nonBlank: -Infinity }; next.set(k, p); }
        return p;
      };
      for (const p of beam) {
        const last = p.tokens.length ? p.tokens[p.tokens.length - 1] : -1;
        const total = score(p);
        for (let c = 0; c < f.classes; c++) {
          const lp = f.values[base + c];
          if (lp === -Infinity) continue;
          if (c === f.blank) {
            const same = entry(p.tokens);
            same.blank = logAdd(same.blank, total + lp);
          } else if (c === last) {
            // Repeating the last label without a blank in between stays on the same prefix;
            // after a blank it starts a new occurrence.
            const same = entry(p.tokens);
            same.nonBlank = logAdd(same.nonBlank, p.nonBlank + lp);
            const longer = entry([...p.tokens, c]);
            longer.nonBlank = logAdd(longer.nonBlank, p.blank + lp);
          } else {
            const longer = entry([...p.tokens, c]);
            longer.nonBlank = logAdd(longer.nonBlank, total + lp);
          }
        }
      }
      beam = [...next.values()].sort(byScore).slice(0, width);
    }
    results.push(beam.slice(0, topK).map((p) => ({ tokens: p.tokens, logProb: score(p) })));
  }
  return results;
}
