/** CTC: the loss and its gradient against brute-force enumeration of every alignment; decoding; errors. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { closeness, hasNative, onBackend } from '../helpers/backends';

const f64 = { dtype: 'float64' as const };
const int = (v: number[] | number[][]): L.Tensor => L.tensor(v, { dtype: 'int32' });

/** Collapses a frame-wise path: repeats merged, blanks dropped. */
function collapse(path: number[], blank: number): number[] {
  const out: number[] = [];
  path.forEach((k, t) => { if (k !== blank && (t === 0 || path[t - 1] !== k)) out.push(k); });
  return out;
}

/** -log p(target) and its gradient w.r.t. lp [T, C] by summing over all C^T paths. */
function bruteForce(lp: number[][], target: number[], blank: number): { loss: number; grad: number[][] } {
  const T = lp.length, C = lp[0].length;
  let p = 0;
  const occupancy = lp.map((row) => row.map(() => 0));
  const path = new Array(T).fill(0);
  for (let code = 0; code < C ** T; code++) {
    let rest = code;
    for (let t = 0; t < T; t++) { path[t] = rest % C; rest = Math.floor(rest / C); }
    const c = collapse(path, blank);
    if (c.length !== target.length || c.some((k, i) => k !== target[i])) continue;
    const prob = Math.exp(path.reduce((s, k, t) => s + lp[t][k], 0));
    p += prob;
    path.forEach((k, t) => { occupancy[t][k] += prob; });
  }
  return { loss: -Math.log(p), grad: occupancy.map((row) => row.map((o) => -o / p)) };
}

const backends = hasNative() ? (['reference', 'native'] as const) : (['reference'] as const);

describe('ctcLoss', () => {
  for (const backend of backends) {
    describe(backend, () => {
      it('matches brute-force enumeration of alignments (T <= 5, C <= 3), values and gradients', () => onBackend(backend, () => {
        const targets: [number[], number][] = [[[1], 0], [[1, 1], 0], [[1, 2], 0], [[2, 1, 2], 0], [[], 0], [[0, 0], 2], [[1, 0], 2], [[2], 1]];
        let seed = 0;
        for (const T of [1, 2, 3, 4, 5]) {
          for (const [target, blank] of targets) {
            const C = 3;
            L.manualSeed(seed++);
            // Free log-probabilities (not normalised): the recursion and the gradient must not rely on it.
            const lp = L.randn([T, 1, C], f64).mul(1.5).requiresGrad_(true);
            const rows = (lp.toArray() as number[][][]).map((r) => r[0]);
            const want = bruteForce(rows, target, blank);
            const loss = L.ctcLoss(lp, int([target.length ? target : [0]]), [T], [target.length], { blank, reduction: 'sum' });
            if (!Number.isFinite(want.loss)) {
              expect(loss.item(), `T=${T} target=${target}`).toBe(Infinity);
              continue;
            }
            expect(loss.item(), `T=${T} target=${target} blank=${blank}`).toBeCloseTo(want.loss, 10);
            loss.backward();
            expect(closeness(lp.grad!.values, want.grad.flat(), 1e-10, 1e-8), `grad T=${T} target=${target}`).toBeLessThanOrEqual(1);
          }
        }
      }));

      it('batches items of different lengths, padded or concatenated, in float32 too', () => onBackend(backend, () => {
        L.manualSeed(42);
        const lp = L.logSoftmax(L.randn([5, 3, 3], f64), 2);
        const padded = int([[1, 2, 0], [2, 2, 0], [1, 0, 0]]);
        const concat = int([1, 2, 2, 2, 1]);
        const a = L.ctcLoss(lp, padded, [5, 4, 2], [2, 2, 1], { reduction: 'none' });
        const b = L.ctcLoss(lp, concat, [5, 4, 2], [2, 2, 1], { reduction: 'none' });
        expect(Array.from(a.values)).toEqual(Array.from(b.values));
        const rows = (lp.toArray() as number[][][]);
        const items: [number, number[]][] = [[5, [1, 2]], [4, [2, 2]], [2, [1]]];
        items.forEach(([T, target], n) => {
          expect(a.values[n]).toBeCloseTo(bruteForce(rows.slice(0, T).map((r) => r[n]), target, 0).loss, 10);
        });
        // 'mean' divides by the target lengths, then averages over the batch.
        const mean = L.ctcLoss(lp, padded, [5, 4, 2], [2, 2, 1]).item();
        expect(mean).toBeCloseTo((a.values[0] / 2 + a.values[1] / 2 + a.values[2] / 1) / 3, 12);
        const f32 = L.ctcLoss(lp.to('float32'), padded, [5, 4, 2], [2, 2, 1], { reduction: 'none' });
        expect(f32.dtype).toBe('float32');
        expect(closeness(f32.values, a.values, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
      }));

      it('impossible alignments give Infinity (NaN gradient, as PyTorch), or 0 and a zero gradient with zeroInfinity', () => onBackend(backend, () => {
        L.manualSeed(3);
        const x = L.randn([3, 2, 4], f64).requiresGrad_(true);
        const lp = L.logSoftmax(x, 2);
        // item 0: [1, 1] needs 3 frames and has 2; item 1: a target longer than its 3 frames.
        const targets = int([[1, 1, 0, 0], [1, 2, 3, 1]]);
        const none = L.ctcLoss(lp, targets, [2, 3], [2, 4], { reduction: 'none' });
        expect(Array.from(none.values)).toEqual([Infinity, Infinity]);
        const zeroed = L.ctcLoss(lp, targets, [2, 3], [2, 4], { reduction: 'sum', zeroInfinity: true });
        expect(zeroed.item()).toBe(0);
        zeroed.backward();
        expect(Array.from(x.grad!.values).every((g) => g === 0)).toBe(true);
        x.grad = null;
        const lp2 = L.logSoftmax(x, 2);
        L.ctcLoss(lp2, targets, [2, 3], [2, 4], { reduction: 'sum' }).backward();
        expect(Number.isNaN(x.grad!.values[0])).toBe(true);
        // A possible item beside an impossible one keeps its finite loss and gradient under zeroInfinity.
        const mixed = L.ctcLoss(lp, int([[1, 0], [1, 2]]), [2, 1], [1, 2], { reduction: 'none', zeroInfinity: true });
        expect(Number.isFinite(mixed.values[0]) && mixed.values[0] > 0).toBe(true);
        expect(mixed.values[1]).toBe(0);
      }));

      it('empty targets and zero-length inputs', () => onBackend(backend, () => {
        const lp = L.logSoftmax(L.randn([4, 2, 3], f64), 2);
        const loss = L.ctcLoss(lp, int([[1], [1]]), [4, 0], [0, 0], { reduction: 'none' });
        const rows = lp.toArray() as number[][][];
        expect(loss.values[0]).toBeCloseTo(-rows.reduce((s, r) => s + r[0][0], 0), 12);  // all blanks
        expect(loss.values[1]).toBe(0);
        expect(L.ctcLoss(lp, int([[1], [1]]), [4, 0], [0, 1], { reduction: 'none' }).values[1]).toBe(Infinity);
      }));

      it('accepts an unbatched [T, C] sequence and int32 length tensors', () => onBackend(backend, () => {
        L.manualSeed(5);
        const lp = L.logSoftmax(L.randn([5, 3], f64), 1);
        const single = L.ctcLoss(lp, int([1, 2]), 5, 2, { reduction: 'none' });
        expect(single.shape).toEqual([]);
        const batched = L.ctcLoss(lp.reshape([5, 1, 3]), int([[1, 2]]), int([5]), int([2]), { reduction: 'none' });
        expect(single.item()).toBeCloseTo(batched.values[0], 12);
      }));

      it('is first order only: a second derivative throws a clear error', () => onBackend(backend, () => {
        const lp = L.randn([4, 1, 3], f64).requiresGrad_(true);
        const [g] = L.grad(L.ctcLoss(lp, int([[1]]), [4], [1]), [lp], { createGraph: true });
        expect(() => L.grad(L.sum(g!), [lp])).toThrow(/second derivatives are not implemented/);
      }));
    });
  }

  it('rejects bad arguments with errors that name the argument', () => {
    const lp = L.logSoftmax(L.randn([5, 2, 4]), 2);
    const t = int([[1, 2], [3, 1]]);
    const call = (targets: L.Tensor, il: number[], tl: number[], opts = {}): L.Tensor => L.ctcLoss(lp, targets, il, tl, opts);
    expect(() => call(int([[0, 2], [3, 1]]), [5, 5], [2, 2])).toThrow(/holds the blank label 0 at position 0/);
    expect(() => call(int([[1, 4], [3, 1]]), [5, 5], [2, 2])).toThrow(/label 4 at position 1, outside the 4 classes/);
    expect(() => call(int([[1, -1], [3, 1]]), [5, 5], [2, 2])).toThrow(/label -1/);
    expect(() => call(t, [5, 5], [2, 3])).toThrow(/targetLengths\[1\] is 3 but the padded targets .* hold at most 2/);
    expect(() => call(int([1, 2, 3]), [5, 5], [2, 2])).toThrow(/targetLengths sum to 4 but the concatenated targets .* hold 3/);
    expect(() => call(t, [5, -1], [2, 2])).toThrow(/inputLengths\[1\] is -1; lengths must be non-negative/);
    expect(() => call(t, [5, 5], [-2, 2])).toThrow(/targetLengths\[0\] is -2/);
    expect(() => call(t, [6, 5], [2, 2])).toThrow(/inputLengths\[0\] is 6 but logProbs .* has T = 5/);
    expect(() => call(t, [5], [2, 2])).toThrow(/inputLengths has 1 entries for a batch of 2/);
    expect(() => call(t, [5, 5], [2, 2], { blank: 4 })).toThrow(/blank must be a class index in \[0, 4\)/);
    expect(() => call(t, [5, 5], [2, 2], { reduction: 'avg' })).toThrow(/reduction/);
    expect(() => call(t.to('float32'), [5, 5], [2, 2])).toThrow(L.DTypeError);
    expect(() => L.ctcLoss(L.randn([5, 4]).reshape([20]), t, [5, 5], [2, 2])).toThrow(/must be \[T, N, C\]/);
    expect(() => L.ctcLoss(lp.to('int32'), t, [5, 5], [2, 2])).toThrow(L.DTypeError);
    expect(() => call(t, [5, 2.5], [2, 2])).toThrow(/must be an integer/);
  });

  it('the raw binding re-checks what the TS side checks', async () => {
    const { nativeAddon } = await import('../../src/backend/index');
    const addon = nativeAddon();
    if (!addon) return;
    const lp = new Float32Array(2 * 1 * 3), nll = new Float32Array(1);
    const ok = (labels: number[], il: number, tl: number): void =>
      addon.ctcLoss(lp, 2, 1, 3, Int32Array.from(labels), Int32Array.from([0]), Int32Array.from([tl]), Int32Array.from([il]), 0, false, nll, null);
    expect(() => ok([1], 2, 1)).not.toThrow();
    expect(() => ok([0], 2, 1)).toThrow(/label 0 .* other than the blank/);
    expect(() => ok([3], 2, 1)).toThrow(/label 3/);
    expect(() => ok([1], 3, 1)).toThrow(/input length 3 is outside \[0, 2\]/);
    expect(() => ok([1], 2, 2)).toThrow(/run past targets/);
    expect(() => ok([1], 2, -1)).toThrow(/negative/);
    expect(() => addon.ctcLoss(lp, 2, 1, 4, Int32Array.from([1]), Int32Array.from([0]), Int32Array.from([1]), Int32Array.from([2]), 0, false, nll, null)).toThrow(/logProbs has 6 elements, expected 8/);
    expect(() => addon.crossEntropy(new Float32Array(6), 2, 3, 1, Int32Array.from([0, 3]), null, null, -100, 0, new Float32Array(2), new Float32Array(2))).toThrow(/target 3 is out of range/);
    expect(() => addon.crossEntropy(new Float32Array(6), 2, 3, 1, null, null, null, -100, 0, new Float32Array(2), new Float32Array(2))).toThrow(/exactly one of target and probs/);
  });
});

describe('ctc decoding', () => {
  /** log of given per-frame probabilities, [T, 1, C]. */
  const frames = (p: number[][]): L.Tensor => L.tensor(p.map((r) => [r.map(Math.log)]), f64);

  it('greedy: best path with repeats collapsed and blanks dropped', () => {
    // argmax path: 1 1 0 1 2 2 0 0 2 -> [1, 1, 2, 2]
    const path = [1, 1, 0, 1, 2, 2, 0, 0, 2];
    const lp = frames(path.map((k) => [0, 1, 2].map((c) => (c === k ? 0.8 : 0.1))));
    expect(L.ctcGreedyDecode(lp)).toEqual([[1, 1, 2, 2]]);
    expect(L.ctcGreedyDecode(lp, [4])).toEqual([[1, 1]]);
    // blank = 2: the path reads 1 1 0 1 - - 0 0 -
    expect(L.ctcGreedyDecode(lp, undefined, { blank: 2 })).toEqual([[1, 0, 1, 0]]);
    // a batch of two, with lengths
    const two = L.cat([lp, L.logSoftmax(L.tensor(path.map((k) => [[k === 0 ? 5 : 0, 0, 0]]), f64), 2)], 1);
    expect(L.ctcGreedyDecode(two, [9, 3])).toEqual([[1, 1, 2, 2], []]);
  });

  it('beam search finds the sequence whose probability is spread over many alignments', () => {
    // Each frame: blank 0.6, label 1 0.4. Greedy picks "--" -> [] with p = 0.36, but
    // p([1]) = 0.4*0.4 + 0.4*0.6 + 0.6*0.4 = 0.64.
    const lp = frames([[0.6, 0.4], [0.6, 0.4]]);
    expect(L.ctcGreedyDecode(lp)).toEqual([[]]);
    const [beams] = L.ctcBeamSearch(lp, { beamWidth: 4 });
    expect(beams[0].tokens).toEqual([1]);
    expect(beams[0].logProb).toBeCloseTo(Math.log(0.64), 12);
    expect(beams[1].tokens).toEqual([]);
    expect(beams[1].logProb).toBeCloseTo(Math.log(0.36), 12);
    // The scores are exact sequence probabilities: they agree with ctcLoss.
    const loss = L.ctcLoss(lp, L.tensor([[1]], { dtype: 'int32' }), [2], [1], { reduction: 'sum' }).item();
    expect(-loss).toBeCloseTo(beams[0].logProb, 12);
  });

  it('beam search handles repeated labels through a blank, widths and topK', () => {
    L.manualSeed(11);
    const lp = L.logSoftmax(L.randn([5, 2, 3], f64).mul(2), 2);
    const results = L.ctcBeamSearch(lp, { beamWidth: 50, topK: 3, inputLengths: [5, 4] });
    expect(results.length).toBe(2);
    for (const [n, hyps] of results.entries()) {
      expect(hyps.length).toBe(3);
      for (let i = 1; i < hyps.length; i++) expect(hyps[i].logProb).toBeLessThanOrEqual(hyps[i - 1].logProb);
      // With a beam wide enough to hold every prefix, each score is the exact CTC probability.
      for (const h of hyps) {
        const T = [5, 4][n];
        const one = L.narrow(lp, 1, n, 1);
        const want = h.tokens.length
          ? -L.ctcLoss(one, L.tensor([h.tokens], { dtype: 'int32' }), [T], [h.tokens.length], { reduction: 'sum' }).item()
          : -L.ctcLoss(one, L.tensor([[1]], { dtype: 'int32' }), [T], [0], { reduction: 'sum' }).item();
        expect(h.logProb).toBeCloseTo(want, 10);
      }
    }
    // width 1 is greedy over prefixes
    expect(L.ctcBeamSearch(lp, { beamWidth: 1 })[0].length).toBe(1);
  });

  it('decoders reject bad arguments', () => {
    const lp = L.randn([3, 1, 4]);
    expect(() => L.ctcBeamSearch(lp, { beamWidth: 0 })).toThrow(/beamWidth must be a positive integer/);
    expect(() => L.ctcGreedyDecode(lp, [4])).toThrow(/inputLengths\[0\] is 4 but logProbs/);
    expect(() => L.ctcGreedyDecode(lp, undefined, { blank: 7 })).toThrow(/blank must be a class index/);
    expect(() => L.ctcGreedyDecode(L.randn([3]))).toThrow(L.ShapeError);
  });
});
