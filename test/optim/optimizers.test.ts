/** Optimizer trajectories against PyTorch 1.13 (test/fixtures/optim/optimizers.json), state dicts, zeroGrad, closures. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { optim } from '../../src/index';
import fixture from '../fixtures/optim/optimizers.json';
import { closeness, hasNative, onBackend } from '../helpers/backends';

type Case = { optimizer: string; options: Record<string, unknown>; groups?: { params: number[]; options: Record<string, unknown> }[]; trajectory: number[][][] };

const CLASSES: Record<string, new (params: never, options: never) => optim.Optimizer<never>> = {
  SGD: optim.SGD as never, Adam: optim.Adam as never, AdamW: optim.AdamW as never, RMSprop: optim.RMSprop as never, Adagrad: optim.Adagrad as never,
};

function makeParams(): L.Tensor[] {
  return fixture.init.map((v, i) => L.tensor(v).reshape(fixture.shapes[i]).requiresGrad_());
}

/** g = a * p + b in float32, as the generator computes it. */
function setGrads(params: L.Tensor[]): void {
  L.noGrad(() => params.forEach((p, i) => {
    p.grad = L.add(L.mul(L.tensor(fixture.a[i]).reshape(fixture.shapes[i]), p), L.tensor(fixture.b[i]).reshape(fixture.shapes[i]));
  }));
}

function build(c: Case, params: L.Tensor[]): optim.Optimizer<never> {
  const Cls = CLASSES[c.optimizer];
  if (c.groups) return new Cls(c.groups.map((g) => ({ params: g.params.map((i) => params[i]), ...g.options })) as never, c.options as never);
  return new Cls(params as never, c.options as never);
}

const label = (c: Case) => `${c.optimizer} ${JSON.stringify(c.options)}${c.groups ? ' groups' : ''}`;
const backends = hasNative() ? (['native', 'reference'] as const) : (['reference'] as const);

describe('optimizer trajectories match PyTorch', () => {
  for (const backend of backends) {
    for (const c of fixture.cases as Case[]) {
      it(`${label(c)} (${backend})`, () => onBackend(backend, () => {
        const params = makeParams();
        const opt = build(c, params);
        c.trajectory.forEach((want, step) => {
          setGrads(params);
          opt.step();
          params.forEach((p, i) => {
            expect(closeness(p.values, want[i], 1e-6, 1e-5), `${label(c)} step ${step + 1} param ${i}`).toBeLessThanOrEqual(1);
          });
        });
      }));
    }
  }
});

describe('state dicts', () => {
  for (const c of fixture.cases as Case[]) {
    it(`save mid-training, load into a fresh optimizer, continue = uninterrupted: ${label(c)}`, () => {
      const a = makeParams(), b = makeParams();
      const optA = build(c, a), optB = build(c, b);
      for (let k = 0; k < 4; k++) {
        setGrads(a);
        optA.step();
      }
      const saved = optA.stateDict();
      // The dict is a snapshot: further steps of optA do not change it.
      setGrads(a);
      optA.step();
      for (let k = 5; k < 8; k++) {
        setGrads(a);
        optA.step();
      }
      // Rebuild: copy the parameters as they were at step 4 by replaying, then load.
      for (let k = 0; k < 4; k++) {
        setGrads(b);
        optB.step();
      }
      const fresh = makeParams();
      fresh.forEach((p, i) => p.values.set(b[i].values));
      const optC = build(c, fresh);
      optC.loadStateDict(saved);
      for (let k = 4; k < 8; k++) {
        setGrads(fresh);
        optC.step();
      }
      fresh.forEach((p, i) => expect(Array.from(p.values)).toEqual(Array.from(a[i].values)));
      // Step counts and option values survive the round trip exactly.
      expect(JSON.stringify(optC.stateDict().paramGroups)).toEqual(JSON.stringify(optA.stateDict().paramGroups));
    });
  }

  it('stateDict references parameters by index and carries step counts and tensors', () => {
    const params = makeParams();
    const opt = new optim.Adam([{ params: [params[0]] }, { params: [params[1], params[2]], lr: 0.1 }], { amsgrad: true });
    setGrads(params);
    params[1].grad = null;
    opt.step();
    const sd = opt.stateDict();
    expect(sd.paramGroups.map((g) => g.params)).toEqual([[0], [1, 2]]);
    expect(sd.paramGroups[1].lr).toBe(0.1);
    expect(Object.keys(sd.state).sort()).toEqual(['0', '2']);
    expect(sd.state[0].step).toBe(1);
    expect((sd.state[2].expAvg as L.Tensor).shape).toEqual([4]);
    expect((sd.state[2].maxExpAvgSq as L.Tensor).shape).toEqual([4]);
  });

  it('loadStateDict rejects mismatched groups and state', () => {
    const params = makeParams();
    const opt = new optim.SGD(params, { lr: 0.1, momentum: 0.9 });
    setGrads(params);
    opt.step();
    const sd = opt.stateDict();
    const other = new optim.SGD([{ params: [params[0]] }, { params: [params[1], params[2]] }], { lr: 0.1 });
    expect(() => other.loadStateDict(sd)).toThrow(/1 parameter groups but the optimizer has 2/);
    const fewer = new optim.SGD([params[0], params[1]], { lr: 0.1 });
    expect(() => fewer.loadStateDict(sd)).toThrow(/has 3 parameters but the optimizer's has 2/);
    const bad = { ...sd, state: { 0: { momentumBuffer: L.zeros([7]) } } };
    expect(() => new optim.SGD(params, { lr: 0.1 }).loadStateDict(bad as never)).toThrow(/state\[0\]\.momentumBuffer is float32\[7\] but its parameter is float32\[3\]/);
    expect(() => new optim.SGD(params, { lr: 0.1 }).loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0], lr: -1 }] })).toThrow(/SGD: lr must be >= 0, got -1 \(in loaded paramGroups\[0\]\)/);
  });

  it('loaded state tensors are cast to the parameter dtype', () => {
    const p32 = [L.tensor([1, 2, 3]).requiresGrad_()];
    const p64 = [L.tensor([1, 2, 3], { dtype: 'float64' }).requiresGrad_()];
    const a = new optim.Adam(p32, { lr: 0.1 });
    p32[0].grad = L.tensor([0.1, 0.2, 0.3]);
    a.step();
    const b = new optim.Adam(p64, { lr: 0.1 });
    b.loadStateDict(a.stateDict());
    expect((b.state.get(p64[0])!.expAvg as L.Tensor).dtype).toBe('float64');
    p64[0].grad = L.tensor([0.1, 0.2, 0.3], { dtype: 'float64' });
    b.step();
    expect(b.state.get(p64[0])!.step).toBe(2);
  });
});

describe('optimizer behaviour', () => {
  it('zeroGrad sets gradients to null by default, or zeroes them in place', () => {
    const params = makeParams();
    const opt = new optim.SGD(params, { lr: 0.1 });
    setGrads(params);
    const g = params[0].grad!;
    opt.zeroGrad({ setToNone: false });
    expect(params[0].grad).toBe(g);
    expect(Array.from(g.values)).toEqual([0, 0, 0]);
    opt.zeroGrad();
    expect(params.every((p) => p.grad === null)).toBe(true);
  });

  it('skips parameters without a gradient and leaves their state alone', () => {
    const params = makeParams();
    const before = Array.from(params[1].values);
    const opt = new optim.Adam(params, { lr: 0.1 });
    setGrads(params);
    params[1].grad = null;
    opt.step();
    expect(Array.from(params[1].values)).toEqual(before);
    expect(opt.state.has(params[1])).toBe(false);
  });

  it('step(closure) evaluates the closure with recording on and returns its loss', () => {
    const w = L.tensor([1, -2]).requiresGrad_();
    const opt = new optim.SGD([w], { lr: 0.5 });
    const loss = L.noGrad(() => opt.step(() => {
      opt.zeroGrad();
      const l = L.sum(L.square(w));
      l.backward();
      return l;
    }));
    expect((loss as L.Tensor).item()).toBe(5);
    expect(Array.from(w.values)).toEqual([0, 0]);
  });

  it('updates bump the storage version, so stale saved tensors are caught', () => {
    const w = L.tensor([1, 2]).requiresGrad_();
    const opt = new optim.AdamW([w]);
    const v0 = w.storage.version;
    w.grad = L.tensor([1, 1]);
    opt.step();
    expect(w.storage.version).toBe(v0 + 1);
  });

  it('state created inside tidy() survives it', () => {
    const w = L.tensor([1, 2]).requiresGrad_();
    const opt = new optim.Adam([w], { lr: 0.1 });
    L.tidy(() => {
      w.grad = L.tensor([1, 1]);
      opt.step();
    });
    const s = opt.state.get(w)!;
    expect((s.expAvg as L.Tensor).isDisposed).toBe(false);
    w.grad = L.tensor([1, 1]);
    expect(() => opt.step()).not.toThrow();
  });

  it('a learning rate changed on a group applies from the next step; addParamGroup takes the defaults', () => {
    const a = L.tensor([1]).requiresGrad_(), b = L.tensor([1]).requiresGrad_();
    const opt = new optim.SGD([a], { lr: 0.1, momentum: 0.5 });
    opt.addParamGroup({ params: [b], lr: 1 });
    expect(opt.paramGroups[1].momentum).toBe(0.5);
    opt.paramGroups[0].lr = 0.2;
    a.grad = L.tensor([1]);
    b.grad = L.tensor([1]);
    opt.step();
    expect(a.values[0]).toBeCloseTo(0.8, 6);
    expect(b.values[0]).toBeCloseTo(0, 6);
  });

  it('Keras-style clipNorm and clipValue clip each gradient before the update, leaving p.grad alone', () => {
    const w = L.tensor([0, 0]).requiresGrad_(), v = L.tensor([0, 0, 0]).requiresGrad_();
    const opt = new optim.SGD([w, v], { lr: 1, clipNorm: 1 });
    w.grad = L.tensor([3, 4]);
    v.grad = L.tensor([0.1, 0.2, 0.2]);
    opt.step();
    expect(Array.from(w.values).map((x) => +x.toFixed(6))).toEqual([-0.6, -0.8]);
    expect(Array.from(v.values).map((x) => +x.toFixed(6))).toEqual([-0.1, -0.2, -0.2]);
    expect(Array.from(w.grad.values)).toEqual([3, 4]);
    const u = L.tensor([0, 0]).requiresGrad_();
    const opt2 = new optim.Adagrad([u], { lr: 1, clipValue: 0.5, clipNorm: 10 });
    u.grad = L.tensor([3, -0.25]);
    opt2.step();
    // Adagrad's first step moves by lr * g / |g| for each element: the sign, whatever the clipped size.
    expect(Array.from(u.values).map((x) => +x.toFixed(5))).toEqual([-1, 1]);
  });

  it('float64 parameters are updated in float64', () => {
    const w = L.tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    const opt = new optim.RMSprop([w], { lr: 0.01, centered: true, momentum: 0.9 });
    w.grad = L.tensor([0.1, -0.3], { dtype: 'float64' });
    opt.step();
    // First step: sq = 0.01 g^2, ga = 0.01 g, avg = sqrt(sq - ga^2) + eps, buf = g/avg, p -= lr buf.
    const expected = [0.1, -0.3].map((g, i) => [1, 2][i] - 0.01 * (g / (Math.sqrt(0.01 * g * g - (0.01 * g) ** 2) + 1e-8)));
    expect(closeness(w.values, expected, 1e-15, 1e-14)).toBeLessThanOrEqual(1);
  });
});
