/** Every loss against PyTorch 1.13 (values and input gradients), from test/fixtures/losses_torch.json. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { closeness, hasNative, onBackend } from '../helpers/backends';

interface Enc { shape: number[]; dtype: 'float64' | 'float32' | 'int32'; data: (number | string)[] }
interface Case {
  name: string; loss: string; opts: Record<string, unknown>;
  inputs: Record<string, Enc>; value: Enc; outWeights?: Enc; grads: Record<string, Enc>;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/losses_torch.json', import.meta.url), 'utf8')) as { cases: Case[] };

const num = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
const decode = (e: Enc, requiresGrad = false): L.Tensor =>
  L.tensor(e.data.map(num), { dtype: e.dtype }).reshape(e.shape).detach().requiresGrad_(requiresGrad);
const isEnc = (v: unknown): v is Enc => typeof v === 'object' && v !== null && 'shape' in v && 'data' in v;

/** Options with encoded tensors turned into tensors. */
function options(c: Case): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.opts)) out[k] = isEnc(v) ? decode(v) : v;
  return out;
}

function run(c: Case, inputs: Record<string, L.Tensor>): L.Tensor {
  const o = options(c);
  const { input, target, x1, x2, logits, targets } = inputs;
  switch (c.loss) {
    case 'crossEntropy': return L.crossEntropy(input, target, o);
    case 'nllLoss': return L.nllLoss(input, target, o);
    case 'mseLoss': return L.mseLoss(input, target, o);
    case 'l1Loss': return L.l1Loss(input, target, o);
    case 'huberLoss': return L.huberLoss(input, target, o);
    case 'smoothL1Loss': return L.smoothL1Loss(input, target, o);
    case 'bceLoss': return L.bceLoss(input, target, o);
    case 'bceWithLogits': return L.bceWithLogits(input, target, o);
    case 'klDiv': return L.klDiv(input, target, o);
    case 'cosineEmbeddingLoss': return L.cosineEmbeddingLoss(x1, x2, target, o);
    case 'marginRankingLoss': return L.marginRankingLoss(x1, x2, target, o);
    case 'softDiceLoss': return L.softDiceLoss(input, target, o);
    case 'softIoULoss': return L.softIoULoss(input, target, o);
    case 'ctcLoss': {
      const { inputLengths, targetLengths, ...rest } = o as { inputLengths: number[]; targetLengths: number[] };
      return L.ctcLoss(L.logSoftmax(logits, 2), targets, inputLengths, targetLengths, rest);
    }
    default: throw new Error(`unknown loss ${c.loss}`);
  }
}

function check(c: Case): void {
  const inputs: Record<string, L.Tensor> = {};
  for (const [k, e] of Object.entries(c.inputs)) inputs[k] = decode(e, k in c.grads);
  const out = run(c, inputs);
  const tol = c.value.dtype === 'float32' ? 2e-5 : 1e-9;
  expect(out.shape, `${c.name}: shape`).toEqual(c.value.shape);
  expect(closeness(out.values, c.value.data.map(num), tol, tol), `${c.name}: value ${Array.from(out.values)}`).toBeLessThanOrEqual(1);
  const names = Object.keys(c.grads);
  const grads = L.grad(L.sum(L.mul(out, decode(c.outWeights!))), names.map((k) => inputs[k]), { allowUnused: true });
  names.forEach((k, i) => {
    let want = c.grads[k].data.map(num);
    let got = grads[i] ? Array.from(grads[i]!.values) : new Array(want.length).fill(0);
    if (c.loss === 'bceLoss' && k === 'target') {
      // PyTorch differentiates the unclamped logs (infinite at probabilities 0 and 1); Lattice gives the
      // derivative of the loss it computes, with logs clamped at -100: finite there.
      const keep = want.map(Number.isFinite);
      expect(got.filter((_, j) => !keep[j]).every((g) => Number.isFinite(g) && Math.abs(g) <= 100 * 4)).toBe(true);
      got = got.filter((_, j) => keep[j]);
      want = want.filter((_, j) => keep[j]);
    }
    expect(closeness(got, want, tol, tol), `${c.name}: d/d${k} ${got}`).toBeLessThanOrEqual(1);
  });
}

const backends = hasNative() ? (['reference', 'native'] as const) : (['reference'] as const);

describe('losses against PyTorch', () => {
  for (const backend of backends) {
    describe(backend, () => {
      for (const c of fixture.cases.filter((k) => k.loss !== 'ctcRaw')) {
        it(c.name, () => onBackend(backend, () => check(c)));
      }

      it('ctc: the free-input gradient is PyTorch\'s log_probs gradient minus exp(logProbs)', () => onBackend(backend, () => {
        const c = fixture.cases.find((k) => k.loss === 'ctcRaw')!;
        const lp = decode(c.inputs.logProbs, true);
        const { inputLengths, targetLengths } = c.opts as { inputLengths: number[]; targetLengths: number[] };
        const loss = L.ctcLoss(lp, decode(c.inputs.targets), inputLengths, targetLengths, { reduction: 'sum' });
        expect(loss.item()).toBeCloseTo(num(c.value.data[0]), 9);
        loss.backward();
        const [T, N, C] = lp.shape;
        const torchGrad = c.grads.logProbs.data.map(num);
        const expected = torchGrad.map((g, k) => {
          const t = Math.floor(k / (N * C)), n = Math.floor(k / C) % N;
          return t < inputLengths[n] ? g - Math.exp(lp.values[k]) : g;
        });
        expect(closeness(lp.grad!.values, expected, 1e-9, 1e-9)).toBeLessThanOrEqual(1);
        expect(T).toBe(12);
      }));
    });
  }
});
