/**
 * BatchNorm's running statistics over several training batches against PyTorch 1.13: momentum
 * 0.1, 0.5 and null (cumulative average), the UNBIASED variance in running_var, the batch count,
 * and eval mode on the running statistics afterwards.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';
import { closeness } from '../helpers/backends';

interface Enc { shape: number[]; values: number[] }
interface Step { input: Enc; output: Enc; running_mean: Enc; running_var: Enc; num_batches_tracked: number }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/nn_layers_torch.json', import.meta.url), 'utf8')) as {
  runningStats: Record<string, { state: Record<string, Enc>; steps: Step[]; evalInput: Enc; evalOutput: Enc }>;
};

const dec = (e: Enc, dtype: L.DType = 'float64'): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
const close = (t: L.Tensor, e: Enc, tol = 1e-10): number => closeness(Array.from(t.values), e.values, tol, tol);

describe('BatchNorm2d running statistics match PyTorch', () => {
  for (const [name, run] of Object.entries(fixture.runningStats)) {
    it(name, () => {
      const momentum = name === 'momentumNone' ? null : Number(name.slice('momentum'.length));
      const bn = new nn.BatchNorm2d(3, { momentum, dtype: 'float64' });
      const sd: Record<string, L.Tensor> = {};
      for (const [k, e] of Object.entries(run.state)) sd[k] = dec(e, k === 'num_batches_tracked' ? 'int32' : 'float64');
      bn.loadStateDict(sd);
      for (const [i, step] of run.steps.entries()) {
        const y = bn.call(dec(step.input));
        expect(close(y, step.output), `output of step ${i}`).toBeLessThanOrEqual(1);
        expect(close(bn.runningMean!, step.running_mean), `running_mean after step ${i}`).toBeLessThanOrEqual(1);
        expect(close(bn.runningVar!, step.running_var), `running_var after step ${i}`).toBeLessThanOrEqual(1);
        expect(bn.numBatchesTracked!.item()).toBe(step.num_batches_tracked);
      }
      bn.eval();
      expect(close(bn.call(dec(run.evalInput)), run.evalOutput), 'eval output').toBeLessThanOrEqual(1);
      expect(bn.numBatchesTracked!.item(), 'eval does not count batches').toBe(run.steps.length);
    });
  }

  it('running_var takes the unbiased batch variance (n / (n - 1)), the output the biased one', () => {
    const bn = new nn.BatchNorm1d(1, { momentum: 1, dtype: 'float64', affine: false });
    const x = L.tensor([[1], [2], [3], [6]], { dtype: 'float64' });
    const y = bn.call(x);
    // mean 3, biased variance 3.5, unbiased 14/3
    expect(bn.runningMean!.item()).toBeCloseTo(3, 12);
    expect(bn.runningVar!.item()).toBeCloseTo(14 / 3, 12);
    const expected = [1, 2, 3, 6].map((v) => (v - 3) / Math.sqrt(3.5 + 1e-5));
    expect(closeness(Array.from(y.values), expected, 1e-14, 1e-14)).toBeLessThanOrEqual(1);
  });

  it('eval mode normalises with the running statistics and leaves them alone', () => {
    const bn = new nn.BatchNorm2d(2, { dtype: 'float64' });
    L.noGrad(() => { bn.runningMean!.copy_(L.tensor([1, -1], { dtype: 'float64' })); bn.runningVar!.copy_(L.tensor([4, 0.25], { dtype: 'float64' })); });
    bn.eval();
    const x = L.randn([3, 2, 2, 2], { dtype: 'float64' });
    const y = bn.call(x);
    const xv = x.values, yv = y.values;
    for (let i = 0; i < xv.length; i++) {
      const c = Math.floor(i / 4) % 2;
      const expected = c === 0 ? (xv[i] - 1) / Math.sqrt(4 + 1e-5) : (xv[i] + 1) / Math.sqrt(0.25 + 1e-5);
      expect(yv[i]).toBeCloseTo(expected, 12);
    }
    expect(Array.from(bn.runningMean!.values)).toEqual([1, -1]);
    expect(bn.numBatchesTracked!.item()).toBe(0);
  });

  it('a training batch with one value per channel is refused, as in PyTorch', () => {
    const bn = new nn.BatchNorm1d(3);
    expect(() => bn.call(L.randn([1, 3]))).toThrow(/more than 1 value per channel/);
    expect(() => bn.eval().call(L.randn([1, 3]))).not.toThrow();
  });
});
