/**
 * nn.utils.parametrizations.orthogonal against PyTorch 2.13: test/fixtures/linalg_composite_torch.json
 * (written by test/fixtures/generators/linalg_composite_torch.py) holds, per map (matrix_exp,
 * cayley, householder), a Linear(5, 5) and a Linear(6, 4) made orthogonal: the state-dict keys, the
 * weight right after orthogonal(), then (with torch's base and a perturbed original loaded) the
 * weight, output and gradients of sum(out · r), and 3 SGD steps. Checked in float64 and float32 on
 * the native and the reference backend, with WᵀW = I (WWᵀ = I for the wide weight) at each stage;
 * then assignment through the right inverse, useTrivialization false, and the errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, DTypeError, ShapeError, nn, optim } from '../../src/index';
import { hasNative, onBackend } from '../helpers/backends';
import { type Dt, type Enc, torchFixtureChecker } from '../helpers/torch-fixture';

interface OrthCase {
  before: { weight: Enc; bias: Enc }; initialWeight: Enc; keys: string[]; state: Record<string, Enc>; x: Enc; weight: Enc;
  output: Enc; r: Enc; grads: { original: Enc; bias: Enc }; y: Enc; losses: number[]; final: Record<string, Enc>; finalWeight: Enc;
}
type MapName = 'matrix_exp' | 'cayley' | 'householder';
const fixture = JSON.parse(readFileSync(new URL('../fixtures/linalg_composite_torch.json', import.meta.url), 'utf8')) as {
  orthogonal: Record<MapName, { square: OrthCase; rect: OrthCase }>;
};
const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];
const dec = (e: Enc, dtype: Dt = 'float64'): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);

/** max |W Wᵀ − I| or |Wᵀ W − I|, whichever side is the small identity. */
function orthogonalityError(w: L.Tensor): number {
  const [n, k] = w.shape;
  const g = L.noGrad(() => (n < k ? w.matmul(w.transpose(0, 1)) : w.transpose(0, 1).matmul(w)));
  const m = Math.min(n, k);
  return Math.max(...Array.from(g.values, (v, i) => Math.abs(v - (Math.floor(i / m) === i % m ? 1 : 0))));
}

function build(c: OrthCase, map: MapName, dtype: Dt): nn.Linear & nn.utils.parametrize.Parametrized {
  const [outF, inF] = c.before.weight.shape;
  const lin = new nn.Linear(inF, outF, { dtype });
  L.noGrad(() => {
    L.copy_(lin.weight, dec(c.before.weight, dtype));
    L.copy_(lin.bias!, dec(c.before.bias, dtype));
  });
  return nn.utils.parametrizations.orthogonal(lin, { orthogonalMap: map });
}

describe('parametrizations.orthogonal vs PyTorch', () => {
  const expectClose = torchFixtureChecker({ float64: 1e-10, float32: 2e-5 });
  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`matrix_exp, cayley, householder on Linear(5, 5) and Linear(6, 4): keys, weights, output, gradients, 3 SGD steps (${backend}, ${dtype})`, () => onBackend(backend, () => {
        const tolOrth = dtype === 'float64' ? 1e-12 : 2e-6;
        for (const map of ['matrix_exp', 'cayley', 'householder'] as const) {
          for (const shape of ['square', 'rect'] as const) {
            const c = fixture.orthogonal[map][shape], what = `${map} ${shape}`;
            const lin = build(c, map, dtype);
            expect(Object.keys(lin.stateDict()), `${what} keys`).toEqual(c.keys);
            expect(lin.namedParameters().map(([k]) => k), `${what} parameters`).toEqual(['bias', 'parametrizations.weight.original']);
            expectClose(lin.weight, c.initialWeight, dtype, `${what} weight after orthogonal()`);
            expect(orthogonalityError(lin.weight), `${what} orthogonal after construction`).toBeLessThan(tolOrth);

            lin.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, dec(e, dtype)])));
            const x = dec(c.x, dtype);
            const out = lin.call(x);
            expectClose(out, c.output, dtype, `${what} output`);
            expectClose(lin.weight, c.weight, dtype, `${what} weight`);
            expect(orthogonalityError(lin.weight), `${what} orthogonal with a perturbed original`).toBeLessThan(tolOrth);
            const original = lin.parametrizations.get('weight').original;
            const [gOrig, gBias] = L.grad(out.mul(dec(c.r, dtype)).sum(), [original, lin.bias!]);
            expectClose(gOrig!, c.grads.original, dtype, `${what} gradient of the original`);
            expectClose(gBias!, c.grads.bias, dtype, `${what} gradient of the bias`);

            const opt = new optim.SGD(lin.parameters(), { lr: 0.1 });
            const y = dec(c.y, dtype);
            c.losses.forEach((want, s) => {
              opt.zeroGrad();
              const loss = L.mseLoss(lin.call(x), y);
              expect(Math.abs(loss.item() - want), `${what} step ${s} loss`).toBeLessThan(dtype === 'float64' ? 1e-12 : 1e-5);
              L.backward(loss);
              opt.step();
            });
            const sd = lin.stateDict();
            for (const [k, e] of Object.entries(c.final)) expectClose(sd[k], e, dtype, `${what} final ${k}`);
            expectClose(lin.weight, c.finalWeight, dtype, `${what} final weight`);
            expect(orthogonalityError(lin.weight), `${what} orthogonal after 3 SGD steps`).toBeLessThan(tolOrth);
          }
        }
      }));
    }
  }
});

describe('parametrizations.orthogonal', () => {
  it('defaults: matrix_exp for square weights, householder for rectangular ones; assigning re-bases', () => {
    L.manualSeed(1);
    const sq = nn.utils.parametrizations.orthogonal(new nn.Linear(4, 4, { dtype: 'float64' }));
    const p = sq.parametrizations.get('weight').parametrizations()[0] as unknown as { orthogonalMap: string };
    expect(p.orthogonalMap).toBe('matrix_exp');
    const rect = nn.utils.parametrizations.orthogonal(new nn.Linear(3, 7, { dtype: 'float64' }));
    expect((rect.parametrizations.get('weight').parametrizations()[0] as unknown as { orthogonalMap: string }).orthogonalMap).toBe('householder');
    expect(orthogonalityError(rect.weight)).toBeLessThan(1e-12);
    // Assigning an orthogonal matrix: it becomes the base, the original −I, the weight the matrix.
    const { Q } = L.linalg.qr(L.randn([4, 4], { dtype: 'float64' }));
    (sq as unknown as { weight: L.Tensor }).weight = Q;
    Array.from(sq.weight.values).forEach((v, i) => expect(v).toBeCloseTo(Q.values[i], 13));
    const orig = sq.parametrizations.get('weight').original;
    Array.from(orig.values).forEach((v, i) => expect(v).toBe(i % 5 === 0 ? -1 : 0));
    // A non-orthogonal one is orthogonalised first (QR, R's diagonal made positive).
    (sq as unknown as { weight: L.Tensor }).weight = L.eye(4, 4, { dtype: 'float64' }).mul(3);
    Array.from(sq.weight.values).forEach((v, i) => expect(v).toBeCloseTo(i % 5 === 0 ? 1 : 0, 13));
    expect(() => { (sq as unknown as { weight: L.Tensor }).weight = L.eye(3, 3, { dtype: 'float64' }); }).toThrow(/orthogonal: expected .*shape \[4, 4\], got/);
  });

  it('useTrivialization false: no base, the original keeps the weight, the weight is orthogonal', () => {
    L.manualSeed(2);
    for (const map of ['matrix_exp', 'cayley'] as const) {
      const lin = new nn.Linear(5, 3, { dtype: 'float64' });
      const w0 = Array.from(lin.weight.values);
      const orth = nn.utils.parametrizations.orthogonal(lin, { orthogonalMap: map, useTrivialization: false });
      expect(Object.keys(lin.stateDict())).toEqual(['bias', 'parametrizations.weight.original']);
      expect(Array.from(orth.parametrizations.get('weight').original.values)).toEqual(w0);
      // As torch, assigning is not possible without the trivialization.
      expect(() => { (orth as unknown as { weight: L.Tensor }).weight = L.zeros([3, 5], { dtype: 'float64' }); }).toThrow(/rightInverse|right inverse/);
      expect(lin.weight.shape).toEqual([3, 5]);
      expect(orthogonalityError(lin.weight)).toBeLessThan(1e-12);
    }
  });

  it('a batch of matrices: every map keeps each matrix orthogonal, before and after a step', () => {
    class Batched extends nn.Module {
      weight = new nn.Parameter(L.randn([2, 3, 5], { dtype: 'float64' }));
      forward(x: L.Tensor): L.Tensor {
        return x.matmul(this.weight);
      }
    }
    L.manualSeed(4);
    for (const map of ['matrix_exp', 'cayley', 'householder'] as const) {
      const m = nn.utils.parametrizations.orthogonal(new Batched(), { orthogonalMap: map });
      expect(m.parametrizations.get('weight').parametrizations()[0].getBuffer('base')!.shape).toEqual([2, 5, 5]);
      const check = (): void => {
        for (let b = 0; b < 2; b++) expect(orthogonalityError(m.weight.narrow(0, b, 1).reshape([3, 5])), `${map} matrix ${b}`).toBeLessThan(1e-12);
      };
      check();
      // A random original off the diagonal (householder reads the diagonal only as signs, truncated as torch does).
      const opt = new optim.SGD(m.parameters(), { lr: 0.5 });
      L.noGrad(() => L.copy_(m.parametrizations.get('weight').original, L.randn([2, 3, 5], { dtype: 'float64' }).mul(L.sub(1, L.eye(3, 5, { dtype: 'float64' }))).sub(L.eye(3, 5, { dtype: 'float64' }))));
      L.backward(m.call(L.randn([4, 1, 2, 3], { dtype: 'float64' })).square().sum());
      opt.step();
      check();
    }
  });

  it('refuses bad input, naming the module, the weight and the option', () => {
    const orth = nn.utils.parametrizations.orthogonal;
    expect(() => orth(new nn.Linear(3, 3), { name: 'bias' })).toThrow(ShapeError);
    expect(() => orth(new nn.Linear(3, 3), { name: 'bias' })).toThrow(/orthogonal: Linear\.bias must be a matrix or a batch of matrices, got .*\[3\]/);
    expect(() => orth(new nn.Linear(3, 3), { name: 'nope' })).toThrow(/Linear has no parameter or buffer 'nope'/);
    expect(() => orth(new nn.Linear(3, 3), { orthogonalMap: 'qr' as 'cayley' })).toThrow(/orthogonalMap must be one of 'matrix_exp', 'cayley', 'householder', got "qr"/);
    expect(() => orth(new nn.Linear(3, 3), { orthogonalMap: 'householder', useTrivialization: false })).toThrow(/'householder' with useTrivialization false is not implemented/);
    expect(() => orth(new nn.Linear(3, 3), { useTrivialization: 1 as unknown as boolean })).toThrow(ArgumentError);
    expect(() => orth({} as nn.Linear)).toThrow(/module must be an nn.Module/);
    const intWeight = new nn.Linear(3, 3);
    intWeight.registerBuffer('table', L.zeros([3, 3], { dtype: 'int32' }));
    expect(() => orth(intWeight, { name: 'table' })).toThrow(DTypeError);
    expect(() => orth(intWeight, { name: 'table' })).toThrow(/orthogonal: Linear\.table must be float32 or float64, got .*int32/);
  });
});
