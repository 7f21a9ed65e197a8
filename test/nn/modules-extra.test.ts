/**
 * ConvTranspose1d, AdaptiveMaxPool1d, RNNCell, EmbeddingBag, LPPool1d/LPPool2d, Softmax2d,
 * ChannelShuffle, ParameterList and ParameterDict against PyTorch 2.13:
 * test/fixtures/modules_extra_torch.json, written by test/fixtures/generators/modules_extra_torch.py,
 * holds per case the module's options, its state_dict keys, its parameters before and after the
 * call, the arguments, the output and the gradients of sum(out · r) with respect to the float
 * arguments and the parameters; and the state dict of a model holding the two parameter
 * containers, and init statistics. Checked in float64 and float32 on the native and the reference
 * backend (parameters loaded with loadStateDict), plus gradcheck, the functional forms, the
 * containers' behaviour and the error messages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn, optim } from '../../src/index';
import { closeness, hasNative, onBackend } from '../helpers/backends';
import { type Dt, type Enc, torchFixtureChecker } from '../helpers/torch-fixture';

const F = nn.functional;

interface Options {
  layer: string; inChannels?: number; outChannels?: number; kernelSize?: number | number[]; stride?: number | number[];
  padding?: number; outputPadding?: number; groups?: number; dilation?: number; bias?: boolean; outputSize?: number;
  returnIndices?: boolean; inputSize?: number; hiddenSize?: number; nonlinearity?: 'tanh' | 'relu'; numEmbeddings?: number;
  embeddingDim?: number; mode?: 'sum' | 'mean' | 'max'; paddingIdx?: number; includeLastOffset?: boolean; maxNorm?: number;
  normType?: number | 'inf'; ceilMode?: boolean;
}
type Arg = { kind: 'float' | 'int'; value: Enc } | { kind: 'none' } | { kind: 'size'; value: number[] };
interface Case {
  options: Options; stateDictKeys: string[]; params: Record<string, Enc>; paramsAfter: Record<string, Enc>; args: Arg[];
  output: Enc; indices?: Enc; r: Enc; gradArgs: Enc[]; gradParams: Record<string, Enc>;
}
interface Stats { shape: number[]; mean: number; std: number; maxAbs: number }
type AnyLayer = nn.Module<unknown[], L.Tensor | [L.Tensor, L.Tensor]>;

const fixture = JSON.parse(readFileSync(new URL('../fixtures/modules_extra_torch.json', import.meta.url), 'utf8')) as {
  torch: string; cases: Record<string, Case>; containerStateDict: Record<string, number[]>;
  init: {
    ConvTranspose1d: { bound: number; params: Record<string, Stats> };
    EmbeddingBag: { paddingRowMaxAbs: number; params: { weight: Stats } };
    RNNCell: { bound: number; params: Record<string, Stats> };
  };
};

const dec = (e: Enc, dtype: Dt = 'float64'): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
const decInt = (e: Enc): L.Tensor => L.tensor(Int32Array.from(e.values), { dtype: 'int32' }).reshape(e.shape);
const ints = (v: number[]): L.Tensor => L.tensor(Int32Array.from(v), { dtype: 'int32' });
const pOf = (o: Options): number => (o.normType === 'inf' ? Infinity : o.normType!);

/** The module a fixture case describes, in `dtype`. */
function build(o: Options, dtype: Dt): AnyLayer {
  const m = ((): unknown => {
    switch (o.layer) {
      case 'ConvTranspose1d': return new nn.ConvTranspose1d(o.inChannels!, o.outChannels!, o.kernelSize as number, {
        stride: o.stride as number | undefined, padding: o.padding, outputPadding: o.outputPadding, groups: o.groups, dilation: o.dilation, bias: o.bias, dtype,
      });
      case 'AdaptiveMaxPool1d': return new nn.AdaptiveMaxPool1d(o.outputSize!, { returnIndices: o.returnIndices });
      case 'RNNCell': return new nn.RNNCell(o.inputSize!, o.hiddenSize!, { bias: o.bias, nonlinearity: o.nonlinearity, dtype });
      case 'EmbeddingBag': return new nn.EmbeddingBag(o.numEmbeddings!, o.embeddingDim!, {
        mode: o.mode, paddingIdx: o.paddingIdx, includeLastOffset: o.includeLastOffset, maxNorm: o.maxNorm, normType: o.normType as number | undefined, dtype,
      });
      case 'LPPool1d': return new nn.LPPool1d(pOf(o), o.kernelSize as number, { stride: o.stride as number | undefined, ceilMode: o.ceilMode });
      case 'LPPool2d': return new nn.LPPool2d(pOf(o), o.kernelSize as number | [number, number], { stride: o.stride as number | [number, number] | undefined, ceilMode: o.ceilMode });
      case 'Softmax2d': return new nn.Softmax2d();
      case 'ChannelShuffle': return new nn.ChannelShuffle(o.groups!);
      default: throw new Error(`unknown layer ${o.layer}`);
    }
  })();
  return m as AnyLayer;
}

/** A case's arguments in `dtype`: float ones as leaves requiring grad. */
function argsOf(c: Case, dtype: Dt): { call: unknown[]; floats: L.Tensor[] } {
  const floats: L.Tensor[] = [];
  const call = c.args.map((a) => {
    if (a.kind === 'none') return null;
    if (a.kind === 'size') return a.value;
    if (a.kind === 'int') return decInt(a.value);
    const t = dec(a.value, dtype).requiresGrad_();
    floats.push(t);
    return t;
  });
  return { call, floats };
}

/** The functional form of a case, on the module's parameters. */
function functional(o: Options, m: AnyLayer, args: unknown[]): L.Tensor | [L.Tensor, L.Tensor] {
  const x = args[0] as L.Tensor;
  const p = (name: string): L.Tensor | null => m.getParameter(name);
  switch (o.layer) {
    case 'ConvTranspose1d': {
      const ct = m as unknown as nn.ConvTranspose1d;
      const size = args[1] as number[] | undefined;
      const outputPadding = size ? size[0] - ((x.shape[x.ndim - 1] - 1) * ct.stride - 2 * ct.padding + ct.dilation * (ct.kernelSize - 1) + 1) : ct.outputPadding;
      return F.convTranspose1d(x, p('weight')!, p('bias'), { stride: ct.stride, padding: ct.padding, outputPadding, groups: ct.groups, dilation: ct.dilation });
    }
    case 'AdaptiveMaxPool1d': return o.returnIndices ? F.adaptiveMaxPool1d(x, o.outputSize!, { returnIndices: true }) : F.adaptiveMaxPool1d(x, o.outputSize!);
    case 'EmbeddingBag': return F.embeddingBag(x, p('weight')!, args[1] as L.Tensor | null | undefined, {
      mode: o.mode, perSampleWeights: args[2] as L.Tensor | undefined, paddingIdx: o.paddingIdx, includeLastOffset: o.includeLastOffset, maxNorm: o.maxNorm, normType: o.normType as number | undefined,
    });
    case 'LPPool1d': return F.lpPool1d(x, pOf(o), o.kernelSize as number, { stride: o.stride as number | undefined, ceilMode: o.ceilMode });
    case 'LPPool2d': return F.lpPool2d(x, pOf(o), o.kernelSize as number | [number, number], { stride: o.stride as number | [number, number] | undefined, ceilMode: o.ceilMode });
    case 'Softmax2d': return F.softmax(x, -3);
    case 'ChannelShuffle': return F.channelShuffle(x, o.groups!);
    default: throw new Error(`no functional form for ${o.layer}`);
  }
}

const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

describe(`ConvTranspose1d, AdaptiveMaxPool1d, RNNCell, EmbeddingBag, LPPool, Softmax2d and ChannelShuffle match PyTorch (fixtures from torch ${fixture.torch})`, () => {
  const expectClose = torchFixtureChecker({ float64: 1e-12, float32: 1e-5 });
  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`every case: values and gradients, parameters loaded from PyTorch's state dict (${backend}, ${dtype})`, () => onBackend(backend, () => {
        for (const [name, c] of Object.entries(fixture.cases)) {
          const m = build(c.options, dtype);
          expect(Object.keys(m.stateDict()), `${name} state dict keys`).toEqual(c.stateDictKeys);
          const loaded = m.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, e]) => [k, dec(e, dtype)])));
          expect(loaded, name).toEqual({ missingKeys: [], unexpectedKeys: [] });
          const params = m.namedParameters();
          expect(params.map(([p]) => p), `${name} parameters`).toEqual(Object.keys(c.params));
          const { call, floats } = argsOf(c, dtype);
          const res = m.call(...call);
          const y = Array.isArray(res) ? res[0] : res;
          expectClose(y, c.output, dtype, `${name} output`);
          if (c.indices) {
            const idx = (res as [L.Tensor, L.Tensor])[1];
            expect(idx.dtype, `${name} indices dtype`).toBe('int32');
            expect(idx.shape, `${name} indices shape`).toEqual(c.indices.shape);
            expect(Array.from(idx.values), `${name} indices`).toEqual(c.indices.values);
          } else {
            expect(Array.isArray(res), `${name} returns one tensor`).toBe(false);
          }
          for (const [p, e] of Object.entries(c.paramsAfter)) expectClose(m.getParameter(p)!, e, dtype, `${name} ${p} after the call`);
          const grads = L.grad(y.mul(dec(c.r, dtype)).sum(), [...floats, ...params.map(([, p]) => p)]);
          c.gradArgs.forEach((g, i) => expectClose(grads[i]!, g, dtype, `${name} argument ${i} gradient`));
          params.forEach(([p], j) => expectClose(grads[floats.length + j]!, c.gradParams[p], dtype, `${name} ${p} gradient`));
        }
      }));
    }
  }

  it('the functional forms give the modules\' values (and indices)', () => {
    for (const [name, c] of Object.entries(fixture.cases)) {
      if (c.options.layer === 'RNNCell') continue;
      const m = build(c.options, 'float64');
      m.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, e]) => [k, dec(e)])));
      const { call } = argsOf(c, 'float64');
      const viaModule = m.call(...call);
      // maxNorm renormalises the table in place: the functional form starts from the same table.
      m.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, e]) => [k, dec(e)])));
      const viaFunction = functional(c.options, m, call);
      const values = (r: L.Tensor | [L.Tensor, L.Tensor]): number[][] => (Array.isArray(r) ? r : [r]).map((t) => Array.from(t.values));
      expect(values(viaFunction), name).toEqual(values(viaModule));
    }
  });
});

describe('gradcheck (float64)', () => {
  const leaf = (shape: number[]): L.Tensor => L.randn(shape, { dtype: 'float64', requiresGrad: true });

  it('convTranspose1d in x, weight and bias, and twice', () => {
    L.manualSeed(41);
    const [x, w, b] = [leaf([2, 4, 5]), leaf([4, 3, 3]), leaf([6])];
    const opts = { stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: 1 };
    expect(L.gradcheck((xx, ww, bb) => F.convTranspose1d(xx, ww, bb, opts), [x, w, b])).toBe(true);
    expect(L.gradgradcheck((xx, ww) => F.convTranspose1d(xx, ww, null, { stride: 3, dilation: 2 }), [x, leaf([4, 2, 2])])).toBe(true);
  });

  it('lpPool1d and lpPool2d (p = 2, 3 on positive inputs, Infinity) and adaptiveMaxPool1d', () => {
    L.manualSeed(42);
    const pos = (shape: number[]): L.Tensor => L.rand(shape, { dtype: 'float64' }).add(0.5).requiresGrad_();
    expect(L.gradcheck((xx) => F.lpPool1d(xx, 2, 3, { stride: 2, ceilMode: true }), [leaf([2, 2, 8])])).toBe(true);
    expect(L.gradcheck((xx) => F.lpPool2d(xx, 3, [2, 3], { stride: 1 }), [pos([1, 2, 4, 5])])).toBe(true);
    expect(L.gradgradcheck((xx) => F.lpPool2d(xx, 2, 2), [pos([1, 1, 4, 4])])).toBe(true);
    expect(L.gradcheck((xx) => F.lpPool1d(xx, Infinity, 2), [leaf([1, 3, 6])])).toBe(true);
    expect(L.gradcheck((xx) => F.adaptiveMaxPool1d(xx, 4), [leaf([2, 3, 9])])).toBe(true);
  });

  it('embeddingBag in weight and perSampleWeights (sum), mean with padding, and max', () => {
    L.manualSeed(43);
    const idx = ints([1, 4, 4, 0, 2, 3, 4, 1]), off = ints([0, 3, 3, 5]);
    const [w, psw] = [leaf([5, 3]), leaf([8])];
    expect(L.gradcheck((ww, ss) => F.embeddingBag(idx, ww, off, { mode: 'sum', perSampleWeights: ss }), [w, psw])).toBe(true);
    expect(L.gradcheck((ww) => F.embeddingBag(idx, ww, off, { paddingIdx: 4 }), [w])).toBe(true);
    expect(L.gradcheck((ww) => F.embeddingBag(idx.reshape([2, 4]), ww, null, { mode: 'max' }), [w])).toBe(true);
    expect(L.gradgradcheck((ww, ss) => F.embeddingBag(idx, ww, off, { mode: 'sum', perSampleWeights: ss }), [w, psw])).toBe(true);
  });

  it('channelShuffle, Softmax2d and RNNCell', () => {
    L.manualSeed(44);
    expect(L.gradcheck((xx) => F.channelShuffle(xx, 3), [leaf([2, 6, 2])])).toBe(true);
    expect(L.gradcheck((xx) => new nn.Softmax2d().call(xx), [leaf([2, 3, 2, 2])])).toBe(true);
    const cell = new nn.RNNCell(3, 4, { dtype: 'float64' });
    const x = leaf([2, 3]), h = leaf([2, 4]);
    // The cell is its formula, h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh).
    const formula = L.tanh(x.matmul(cell.weightIh.t()).add(cell.biasIh!).add(h.matmul(cell.weightHh.t())).add(cell.biasHh!));
    expect(closeness(cell.call(x, h).values, formula.values, 1e-15, 1e-14)).toBeLessThanOrEqual(1);
    expect(L.gradcheck((xx, hh) => cell.call(xx, hh), [x, h])).toBe(true);
    expect(L.gradcheck((xx, hh) => new nn.RNNCell(3, 4, { nonlinearity: 'relu', dtype: 'float64', generator: new L.PhiloxStream(1) }).call(xx, hh), [x, h])).toBe(true);
  });
});

describe('ParameterList and ParameterDict', () => {
  class WithContainers extends nn.Module {
    scales = new nn.ParameterList([L.ones([3]), L.zeros([2, 2])]);
    gains = new nn.ParameterDict({ query: L.ones([4]), key: L.zeros([1]) });
    proj = new nn.Linear(2, 2);
    forward(x: L.Tensor): L.Tensor {
      return this.proj.call(x.mul(this.scales.at(1).sum())).mul(this.gains.get('query').sum());
    }
  }

  it('register under PyTorch\'s state dict keys, and load a PyTorch-shaped state dict', () => {
    const m = new WithContainers();
    const sd = m.stateDict();
    // The same keys in the same order (PyTorch adds a plain dict's entries in sorted key order) and shapes.
    expect(Object.entries(sd).map(([k, t]) => [k, t.shape])).toEqual(Object.entries(fixture.containerStateDict));
    const torchShaped = Object.fromEntries(Object.entries(fixture.containerStateDict).map(([k, shape], i) => [k, L.full(shape, i + 1)]));
    expect(m.loadStateDict(torchShaped)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(Array.from(m.scales.at(0).values)).toEqual([1, 1, 1]);
    expect(Array.from(m.scales.at(-1).values)).toEqual([2, 2, 2, 2]);
    expect(Array.from(m.gains.get('key').values)).toEqual([3]);
    expect(Array.from(m.gains.get('query').values)).toEqual([4, 4, 4, 4]);
    // Every parameter reaches an optimizer and gets a gradient.
    const params = m.parameters();
    expect(params.length).toBe(6);
    m.call(L.ones([1, 2])).sum().backward();
    expect(m.scales.at(1).grad).not.toBeNull();
    expect(m.gains.get('query').grad).not.toBeNull();
    const opt = new optim.SGD(params, { lr: 0.1 });
    opt.step();
    expect(m.scales.at(1).values[0]).not.toBe(2);
  });

  it('ParameterList: wraps tensors as Parameters (sharing storage), append, extend, set, at, iteration, to(), repr', () => {
    const t = L.zeros([2]);
    const list = new nn.ParameterList([t]);
    expect(list.at(0)).toBeInstanceOf(nn.Parameter);
    expect(list.at(0).requiresGrad).toBe(true);
    L.noGrad(() => list.at(0).add_(1));
    expect(Array.from(t.values)).toEqual([1, 1]);
    const p = new nn.Parameter(L.ones([3]));
    list.append(p).extend([L.ones([1]), L.ones([2, 2])]);
    expect(list.length).toBe(4);
    expect(list.at(1)).toBe(p);
    expect([...list].map((q) => q.shape)).toEqual([[2], [3], [1], [2, 2]]);
    list.set(-1, L.zeros([5]));
    expect(list.at(3).shape).toEqual([5]);
    expect(Object.keys(list.stateDict())).toEqual(['0', '1', '2', '3']);
    list.to('float64');
    expect(list.at(1)).toBe(p);
    expect(p.dtype).toBe('float64');
    expect(String(new nn.ParameterList([L.ones([3, 4]), L.ones([2])]))).toContain('ParameterList(\n  (0): Parameter containing: [float32 of size 3x4]\n  (1): Parameter containing: [float32 of size 2]\n)');
    expect(String(new WithContainers())).toContain('(gains): ParameterDict(\n    (key): Parameter containing: [float32 of size 1]\n    (query): Parameter containing: [float32 of size 4]\n  )');
  });

  it('ParameterDict: a plain object\'s keys sorted (as PyTorch), a Map\'s or pairs\' order kept', () => {
    const t = (): L.Tensor => L.ones([1]);
    expect(new nn.ParameterDict({ z: t(), a: t(), m: t() }).keys()).toEqual(['a', 'm', 'z']);
    expect(new nn.ParameterDict(new Map([['z', t()], ['a', t()]])).keys()).toEqual(['z', 'a']);
    const pairs = new nn.ParameterDict([['z', t()], ['a', t()]]);
    expect(pairs.keys()).toEqual(['z', 'a']);
    expect(new nn.ParameterDict(pairs).keys()).toEqual(['z', 'a']);
    expect(new nn.ParameterDict(pairs).get('z')).toBe(pairs.get('z'));
  });

  it('ParameterDict: get, set, has, update, pop', () => {
    const d = new nn.ParameterDict({ a: L.ones([2]) });
    d.set('b', L.zeros([3])).update({ c: L.ones([1]), a: L.zeros([4]) });
    expect(d.keys()).toEqual(['a', 'b', 'c']);
    expect(d.get('a').shape).toEqual([4]);
    expect(d.has('b')).toBe(true);
    expect(d.size).toBe(3);
    const b = d.pop('b');
    expect(b.shape).toEqual([3]);
    expect(d.has('b')).toBe(false);
    expect(Object.keys(d.stateDict())).toEqual(['a', 'c']);
    expect(d.values().map((p) => p.shape)).toEqual([[4], [1]]);
    expect(d.entries().map(([k]) => k)).toEqual(['a', 'c']);
  });
});

describe('init statistics match PyTorch\'s distributions', () => {
  const stats = (t: L.Tensor): { mean: number; std: number; maxAbs: number } => {
    const v = Array.from(t.values);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
    return { mean, std, maxAbs: Math.max(...v.map(Math.abs)) };
  };

  it('ConvTranspose1d: U(±1/√fanIn) with fanIn = outChannels/groups · k, for weight and bias', () => {
    const ref = fixture.init.ConvTranspose1d;
    const ct = new nn.ConvTranspose1d(64, 48, 5, { groups: 2, dtype: 'float64', generator: new L.PhiloxStream(11) });
    expect(ct.weight.shape).toEqual(ref.params.weight.shape);
    expect(ct.bias!.shape).toEqual(ref.params.bias.shape);
    const w = stats(ct.weight), b = stats(ct.bias!);
    expect(Math.abs(w.std / ref.params.weight.std - 1)).toBeLessThan(0.05);
    expect(w.maxAbs).toBeLessThanOrEqual(ref.bound);
    expect(w.maxAbs).toBeGreaterThan(0.98 * ref.bound);
    expect(Math.abs(w.mean)).toBeLessThan(0.05 * ref.bound);
    expect(b.maxAbs).toBeLessThanOrEqual(ref.bound);
    expect(ref.params.bias.maxAbs).toBeLessThanOrEqual(ref.bound);
  });

  it('EmbeddingBag: N(0, 1) with the padding row zero', () => {
    const ref = fixture.init.EmbeddingBag;
    const bag = new nn.EmbeddingBag(600, 40, { paddingIdx: 3, dtype: 'float64', generator: new L.PhiloxStream(12) });
    const rows = Array.from(bag.weight.values);
    expect(rows.slice(3 * 40, 4 * 40).every((v) => v === 0)).toBe(true);
    expect(ref.paddingRowMaxAbs).toBe(0);
    const rest = stats(L.tensor(Float64Array.from([...rows.slice(0, 3 * 40), ...rows.slice(4 * 40)]), { dtype: 'float64' }));
    expect(Math.abs(rest.std / ref.params.weight.std - 1)).toBeLessThan(0.03);
    expect(Math.abs(rest.mean - ref.params.weight.mean)).toBeLessThan(0.03);
  });

  it('RNNCell: U(±1/√hiddenSize) for all four parameters', () => {
    const ref = fixture.init.RNNCell;
    const cell = new nn.RNNCell(30, 100, { dtype: 'float64', generator: new L.PhiloxStream(13) });
    for (const [name, p] of cell.namedParameters()) {
      expect(p.shape, name).toEqual(ref.params[name].shape);
      const s = stats(p);
      expect(s.maxAbs, name).toBeLessThanOrEqual(ref.bound);
      expect(ref.params[name].maxAbs, name).toBeLessThanOrEqual(ref.bound);
      if (p.size >= 1000) expect(Math.abs(s.std / ref.params[name].std - 1), name).toBeLessThan(0.06);
    }
  });
});

describe('module details', () => {
  it('repr as PyTorch\'s, in Lattice\'s names', () => {
    expect(String(new nn.ConvTranspose1d(4, 6, 3, { stride: 2, padding: 1, groups: 2 }))).toContain('ConvTranspose1d(4, 6, kernelSize=3, stride=2, padding=1, groups=2)');
    expect(String(new nn.AdaptiveMaxPool1d(3, { returnIndices: true }))).toContain('AdaptiveMaxPool1d(outputSize=3, returnIndices=true)');
    expect(String(new nn.RNNCell(3, 4, { nonlinearity: 'relu', bias: false }))).toContain("RNNCell(3, 4, bias=false, nonlinearity='relu')");
    expect(String(new nn.RNNCell(3, 4))).toContain('RNNCell(3, 4)\n');
    expect(String(new nn.EmbeddingBag(5, 3, { mode: 'max', paddingIdx: 1 }))).toContain("EmbeddingBag(5, 3, mode='max', paddingIdx=1)");
    expect(String(new nn.LPPool2d(2, 3, { stride: 2 }))).toContain('LPPool2d(normType=2, kernelSize=3, stride=2, ceilMode=false)');
    expect(String(new nn.LPPool1d(1.5, 2))).toContain('LPPool1d(normType=1.5, kernelSize=2, stride=2, ceilMode=false)');
    expect(String(new nn.ChannelShuffle(2))).toContain('ChannelShuffle(groups=2)');
    expect(String(new nn.Softmax2d())).toContain('Softmax2d()');
  });

  it('ConvTranspose1d: outputSize picks the length (as [L], or the full shape); default init is reproducible', () => {
    const ct = new nn.ConvTranspose1d(2, 3, 3, { stride: 2, padding: 1, generator: new L.PhiloxStream(5) });
    const x = L.randn([1, 2, 5]);
    expect(ct.call(x).shape).toEqual([1, 3, 9]);
    expect(ct.call(x, [10]).shape).toEqual([1, 3, 10]);
    expect(ct.call(x, 10).shape).toEqual([1, 3, 10]);
    expect(ct.call(x, [1, 3, 10]).shape).toEqual([1, 3, 10]);
    expect(ct.call(x.reshape([2, 5]), [3, 9]).shape).toEqual([3, 9]);
    // call(x, outputSize) runs the hooks too.
    const seen: number[][] = [];
    const remove = ct.registerForwardHook((_m, _args, out) => { seen.push(out.shape); });
    ct.call(x, [10]);
    remove();
    expect(seen).toEqual([[1, 3, 10]]);
    const again = new nn.ConvTranspose1d(2, 3, 3, { stride: 2, padding: 1, generator: new L.PhiloxStream(5) });
    expect(Array.from(again.weight.values)).toEqual(Array.from(ct.weight.values));
    // It is conv1d's adjoint in x: <convT(y, w), x> = <y, conv1d(x, w)>.
    const w = L.randn([2, 3, 3], { dtype: 'float64' });
    const xx = L.randn([1, 3, 9], { dtype: 'float64' }), yy = L.randn([1, 2, 5], { dtype: 'float64' });
    const lhs = F.convTranspose1d(yy, w, null, { stride: 2, padding: 1 }).mul(xx).sum().item();
    const rhs = yy.mul(F.conv1d(xx, w, null, { stride: 2, padding: 1 })).sum().item();
    expect(lhs).toBeCloseTo(rhs, 12);
  });

  it('AdaptiveMaxPool1d returns indices only when asked; they index the input', () => {
    const x = L.tensor([[[3, 1, 4, 1, 5, 9, 2, 6]]]);
    const plain = new nn.AdaptiveMaxPool1d(3).call(x);
    // Windows [0, 3), [2, 6), [5, 8): floor(i·8/3) to ceil((i+1)·8/3).
    expect(Array.from(plain.values)).toEqual([4, 9, 9]);
    const [y, idx] = new nn.AdaptiveMaxPool1d(3, { returnIndices: true }).call(x);
    expect(Array.from(y.values)).toEqual([4, 9, 9]);
    expect(Array.from(idx.values)).toEqual([2, 5, 5]);
    const [, idx2] = F.adaptiveMaxPool1d(x.reshape([1, 8]), [3], { returnIndices: true });
    expect(idx2.shape).toEqual([1, 3]);
    expect(Array.from(idx2.values)).toEqual([2, 5, 5]);
  });

  it('RNNCell is one step of nn.RNN with the same weights', () => {
    const rnn = new nn.RNN(3, 4, { nonlinearity: 'relu', dtype: 'float64' });
    const cell = new nn.RNNCell(3, 4, { nonlinearity: 'relu', dtype: 'float64' });
    cell.loadStateDict({ weight_ih: rnn.getParameter('weight_ih_l0')!, weight_hh: rnn.getParameter('weight_hh_l0')!, bias_ih: rnn.getParameter('bias_ih_l0')!, bias_hh: rnn.getParameter('bias_hh_l0')! });
    const x = L.randn([2, 5, 3], { dtype: 'float64' });
    const [out] = rnn.call(x);
    let h = L.zeros([5, 4], { dtype: 'float64' });
    for (let t = 0; t < 2; t++) h = cell.call(x.narrow(0, t, 1).squeeze(0), h);
    expect(Array.from(h.values)).toEqual(Array.from(out.narrow(0, 1, 1).values));
    // Unbatched input and omitted state.
    expect(cell.call(L.ones([3], { dtype: 'float64' })).shape).toEqual([4]);
  });

  it('EmbeddingBag: fromPretrained, the padding row gets no gradient, empty and all-padding bags give zeros', () => {
    const table = L.tensor([[1, 2], [3, 4], [5, 6], [7, 8]], { dtype: 'float64' });
    const bag = nn.EmbeddingBag.fromPretrained(table, { mode: 'mean', paddingIdx: 0, freeze: false });
    expect(bag.weight.requiresGrad).toBe(true);
    expect(Array.from(bag.weight.values)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(nn.EmbeddingBag.fromPretrained(table).weight.requiresGrad).toBe(false);
    const y = bag.call(ints([0, 1, 3, 0, 0, 2]), ints([0, 3, 3, 5]));
    // Bags [0, 1, 3] (mean of rows 1 and 3), [] , [0, 0] (all padding), [2].
    expect(Array.from(y.values)).toEqual([5, 6, 0, 0, 0, 0, 5, 6]);
    y.sum().backward();
    expect(Array.from(bag.weight.grad!.values)).toEqual([0, 0, 0.5, 0.5, 1, 1, 0.5, 0.5]);
    // An empty input with offsets gives zero bags' values; zero bags give a [0, D] output.
    expect(Array.from(bag.call(ints([]), ints([0, 0])).values)).toEqual([0, 0, 0, 0]);
    expect(bag.call(ints([]), ints([])).shape).toEqual([0, 2]);
    expect(new nn.EmbeddingBag(4, 2, { mode: 'max' }).call(ints([1, 2]), ints([0, 0, 2])).shape).toEqual([3, 2]);
    // A 2-D input of empty rows is that many empty bags (PyTorch fails on it: 'step must be nonzero').
    expect(Array.from(bag.call(L.zeros([3, 0], { dtype: 'int32' })).values)).toEqual([0, 0, 0, 0, 0, 0]);
    // includeLastOffset: n + 1 offsets, the last being input's length.
    const csr = nn.EmbeddingBag.fromPretrained(table, { mode: 'sum', includeLastOffset: true });
    expect(Array.from(csr.call(ints([1, 2, 3]), ints([0, 1, 3])).values)).toEqual([3, 4, 12, 14]);
    // maxNorm rescales the referenced rows in place.
    const capped = nn.EmbeddingBag.fromPretrained(table, { mode: 'sum', maxNorm: 1 });
    capped.call(ints([3]), ints([0]));
    expect(Math.hypot(...Array.from(capped.weight.values).slice(6))).toBeCloseTo(1, 6);
    expect(Array.from(capped.weight.values).slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('the modules chain in nn.Sequential; EmbeddingBag plans many bags in one pass', () => {
    const model = new nn.Sequential(
      new nn.ConvTranspose1d(4, 8, 4, { stride: 2, padding: 1 }), new nn.ChannelShuffle(2), new nn.LPPool1d(2, 2),
      new nn.AdaptiveMaxPool1d(3), new nn.Flatten(), new nn.Linear(24, 5),
    );
    expect(model.call(L.randn([2, 4, 6])).shape).toEqual([2, 5]);
    expect(Object.keys(model.stateDict())).toEqual(['0.weight', '0.bias', '5.weight', '5.bias']);
    // 60k bags of up to 3 entries: no per-bag arrays or argument spreads.
    const bags = 60_000;
    const offsets = ints(Array.from({ length: bags }, (_, b) => 2 * b));
    const input = ints(Array.from({ length: 2 * bags }, (_, i) => i % 7));
    const w = L.randn([7, 2], { dtype: 'float64' });
    for (const mode of ['sum', 'max'] as const) {
      const y = F.embeddingBag(input, w, offsets, { mode });
      expect(y.shape).toEqual([bags, 2]);
      const direct = F.embeddingBag(input.narrow(0, 2 * 1234, 2), w, ints([0]), { mode });
      expect(Array.from(y.narrow(0, 1234, 1).values)).toEqual(Array.from(direct.values));
    }
  });

  it('LPPool: p = 1 is sum pooling, p = 2 the window\'s L2 norm, p = Infinity the max of |x|, -Infinity the min of |x|', () => {
    const x = L.tensor([[[1, -2, 3, -4, 5, -6]]], { dtype: 'float64' });
    expect(Array.from(F.lpPool1d(x, 1, 2).values)).toEqual([-1, -1, -1]);
    const l2 = Array.from(F.lpPool1d(x, 2, 3).values);
    expect(l2[0]).toBeCloseTo(Math.hypot(1, 2, 3), 14);
    expect(l2[1]).toBeCloseTo(Math.hypot(4, 5, 6), 14);
    expect(Array.from(F.lpPool1d(x, Infinity, 3).values)).toEqual([3, 6]);
    expect(Array.from(F.lpPool1d(x, -Infinity, 3).values)).toEqual([1, 4]);
    const x2 = L.tensor([[[1, 2], [3, 4]]], { dtype: 'float64' });
    expect(F.lpPool2d(x2, 2, 2).values[0]).toBeCloseTo(Math.sqrt(30), 14);
    expect(Array.from(new nn.LPPool2d(Infinity, 2).call(x2.neg()).values)).toEqual([4]);
  });

  it('ChannelShuffle and Softmax2d', () => {
    const x = L.arange(0, 8, 1, { dtype: 'int32' }).reshape([1, 4, 2]);
    expect(Array.from(new nn.ChannelShuffle(2).call(x).values)).toEqual([0, 1, 4, 5, 2, 3, 6, 7]);
    expect(Array.from(F.channelShuffle(x, 1).values)).toEqual(Array.from(x.values));
    const p = new nn.Softmax2d().call(L.randn([2, 3, 4, 5], { dtype: 'float64' }));
    const total = p.sum(1);
    for (const v of total.values) expect(v).toBeCloseTo(1, 14);
  });
});

describe('bad inputs raise clear errors', () => {
  function throws(fn: () => unknown, cls: new (...a: never[]) => Error, message: RegExp): void {
    let caught: unknown = null;
    try { fn(); } catch (e) { caught = e; }
    expect(caught, `expected ${cls.name} matching ${message}`).toBeInstanceOf(cls);
    expect((caught as Error).message).toMatch(message);
  }

  it('ConvTranspose1d and convTranspose1d', () => {
    throws(() => new nn.ConvTranspose1d(3, 4, 3, { groups: 2 }), L.ArgumentError, /ConvTranspose1d: inChannels \(3\) must be divisible by groups \(2\)/);
    throws(() => new nn.ConvTranspose1d(4, 3, 3, { groups: 2 }), L.ArgumentError, /ConvTranspose1d: outChannels \(3\) must be divisible by groups \(2\)/);
    throws(() => new nn.ConvTranspose1d(4, 4, 3, { stride: 2, outputPadding: 2 }), L.ArgumentError, /ConvTranspose1d: outputPadding 2 must be smaller than either stride 2 or dilation 1/);
    throws(() => new nn.ConvTranspose1d(4, 4, 0), L.ArgumentError, /ConvTranspose1d: kernelSize must be a positive integer, got 0/);
    throws(() => new nn.ConvTranspose1d(4, 4, 3, { stride: 0 }), L.ArgumentError, /ConvTranspose1d: stride must be an integer >= 1, got 0/);
    throws(() => new nn.ConvTranspose1d(4, 4, 3, { padding: 1.5 }), L.ArgumentError, /ConvTranspose1d: padding must be an integer >= 0, got 1.5/);
    const ct = new nn.ConvTranspose1d(4, 6, 3, { stride: 2, padding: 1 });
    throws(() => ct.call(L.ones([1, 3, 5])), L.ShapeError, /ConvTranspose1d: x .*\[1,3,5\].* has 3 channels but inChannels is 4/);
    throws(() => ct.call(L.ones([5])), L.ShapeError, /ConvTranspose1d: x must be \[N, C, L\] or \[C, L\], got .*\[5\]/);
    throws(() => ct.call(L.ones([1, 4, 5], { dtype: 'float64' })), L.DTypeError, /ConvTranspose1d: x is .*float64.* but the parameters are float32/);
    throws(() => ct.call(L.ones([1, 4, 5]), [12]), L.ShapeError, /ConvTranspose1d: outputSize \[12\] asks for length 12, but x .*\[1,4,5\].* gives lengths 9 to 10/);
    throws(() => ct.call(L.ones([1, 4, 5]), [3, 10]), L.ArgumentError, /ConvTranspose1d: outputSize must be a length, \[length\] or the full output shape \(3 entries\)/);
    const w = L.ones([4, 3, 3]);
    throws(() => F.convTranspose1d(L.ones([1, 2, 5]), w), L.ShapeError, /convTranspose1d: weight .*\[4,3,3\].* expects 4 input channels, but x .*\[1,2,5\].* has 2/);
    throws(() => F.convTranspose1d(L.ones([1, 4, 5]), L.ones([4, 3])), L.ShapeError, /convTranspose1d: weight must be \[C, O\/groups, k\], got .*\[4,3\]/);
    throws(() => F.convTranspose1d(L.ones([1, 4, 5]), w, L.ones([4])), L.ShapeError, /convTranspose1d: bias must be \[3\] .* got .*\[4\]/);
    throws(() => F.convTranspose1d(L.ones([1, 4, 5]), w, null, { groups: 3 }), L.ShapeError, /convTranspose1d: the 4 input channels of x .*\[1,4,5\].* are not divisible by groups 3/);
    throws(() => F.convTranspose1d(L.ones([1, 4, 1]), w, null, { padding: 3 }), L.ShapeError, /convTranspose1d: the output length would be -3 for x .*\[1,4,1\]/);
    throws(() => F.convTranspose1d(L.ones([1, 4, 5]), w.to('float64')), L.DTypeError, /convTranspose1d: x is .*float32.* but weight is .*float64/);
    throws(() => F.convTranspose1d(L.ones([1, 4, 5], { dtype: 'int32' }), w), L.DTypeError, /convTranspose1d: x must be float32 or float64/);
  });

  it('AdaptiveMaxPool1d, LPPool1d, LPPool2d', () => {
    throws(() => new nn.AdaptiveMaxPool1d(0), L.ArgumentError, /AdaptiveMaxPool1d: outputSize must be a positive integer, got 0/);
    throws(() => new nn.AdaptiveMaxPool1d(2).call(L.ones([1, 1, 2, 5])), L.ShapeError, /AdaptiveMaxPool1d: x must be \[N, C, L\] or unbatched \[C, L\], got .*\[1,1,2,5\]/);
    throws(() => F.adaptiveMaxPool1d(L.ones([1, 2, 0]), 2), L.ShapeError, /adaptiveMaxPool1d: x .*\[1,2,0\].* has an empty length dim/);
    throws(() => F.adaptiveMaxPool1d(L.ones([1, 2, 5]), [2, 3] as unknown as [number]), L.ArgumentError, /adaptiveMaxPool1d: outputSize must be a positive integer \(or a list of one\), got \[2, ?3\]/);
    throws(() => new nn.LPPool1d(0, 2), L.ArgumentError, /LPPool1d: normType must be a non-zero number/);
    throws(() => new nn.LPPool2d(NaN, 2), L.ArgumentError, /LPPool2d: normType must be a non-zero number .* got NaN/);
    throws(() => new nn.LPPool1d(2, 0), L.ArgumentError, /LPPool1d: kernelSize must be a positive integer, got 0/);
    throws(() => new nn.LPPool2d(2, [2, 0]), L.ArgumentError, /LPPool2d: kernelSize must be a positive integer or a pair of them, got \[2, ?0\]/);
    throws(() => new nn.LPPool2d(2, 2, { stride: [1, 2, 3] as unknown as [number, number] }), L.ArgumentError, /LPPool2d: stride must be a positive integer or a pair of them/);
    throws(() => new nn.LPPool1d(2, 3).call(L.ones([1, 2, 2])), L.ShapeError, /LPPool1d: x .*\[1,2,2\].* is shorter \(2\) than the kernel size 3/);
    throws(() => new nn.LPPool1d(2, 3).call(L.ones([6])), L.ShapeError, /LPPool1d: x must be \[N, C, L\] or unbatched \[C, L\], got .*\[6\]/);
    throws(() => new nn.LPPool2d(2, [2, 3]).call(L.ones([1, 4, 2])), L.ShapeError, /LPPool2d: x .*\[1,4,2\].* is smaller \(4x2\) than the kernel 2x3/);
    throws(() => F.lpPool2d(L.ones([4, 4]), 2, 2), L.ShapeError, /lpPool2d: x must be \[N, C, H, W\] or unbatched \[C, H, W\], got .*\[4,4\]/);
    throws(() => F.lpPool1d(L.ones([1, 4], { dtype: 'int32' }), 2, 2), L.DTypeError, /lpPool1d: x must be float32 or float64/);
  });

  it('RNNCell', () => {
    throws(() => new nn.RNNCell(3, 4, { nonlinearity: 'gelu' as 'relu' }), L.ArgumentError, /RNNCell: nonlinearity must be 'tanh' or 'relu', got gelu/);
    throws(() => new nn.RNNCell(0, 4), L.ArgumentError, /RNNCell: inputSize must be a positive integer, got 0/);
    const cell = new nn.RNNCell(3, 4);
    throws(() => cell.call(L.ones([2, 5])), L.ShapeError, /RNNCell: input is .*\[2,5\].* but inputSize is 3/);
    throws(() => cell.call(L.ones([2, 3]), L.ones([3, 4])), L.ShapeError, /RNNCell: h is .*\[3,4\].* but must be \[2,4\] for the batched input/);
    throws(() => cell.call(L.ones([2, 2, 3])), L.ShapeError, /RNNCell: input must be \[batch, 3\] or unbatched \[3\]/);
    throws(() => cell.call(L.ones([2, 3], { dtype: 'float64' })), L.DTypeError, /RNNCell: x is .*float64.* but the parameters are float32/);
  });

  it('EmbeddingBag and embeddingBag', () => {
    const w = L.ones([6, 2]);
    const idx = ints([0, 1, 2, 3, 4, 5]);
    throws(() => new nn.EmbeddingBag(6, 2, { mode: 'min' as 'max' }), L.ArgumentError, /EmbeddingBag: mode must be 'sum', 'mean' or 'max', got min/);
    throws(() => new nn.EmbeddingBag(6, 2, { paddingIdx: 6 }), L.ArgumentError, /EmbeddingBag: paddingIdx 6 must be an integer in \[-6, 5\]/);
    throws(() => new nn.EmbeddingBag(6, 2, { maxNorm: -1 }), L.ArgumentError, /EmbeddingBag: maxNorm must be a positive number, got -1/);
    throws(() => new nn.EmbeddingBag(6, 2, { includeLastOffset: 1 as unknown as boolean }), L.ArgumentError, /EmbeddingBag: includeLastOffset must be a boolean, got 1/);
    throws(() => new nn.EmbeddingBag(6, 2).call(idx), L.ArgumentError, /EmbeddingBag: input .*\[6\].* is 1-D, so offsets \(the start of each bag\) is required/);
    throws(() => new nn.EmbeddingBag(6, 2).call(idx.reshape([2, 3]), ints([0])), L.ArgumentError, /EmbeddingBag: input .*\[2,3\].* is 2-D \(one bag per row\), so offsets must be null/);
    throws(() => F.embeddingBag(ints([0, 7]), w, ints([0])), L.ArgumentError, /embeddingBag: index 7 \(at flat position 1 of input .*\[2\].*\) is out of range for 6 embeddings/);
    throws(() => F.embeddingBag(ints([0, -1]), w, ints([0])), L.ArgumentError, /embeddingBag: index -1 .* is out of range for 6 embeddings/);
    throws(() => F.embeddingBag(idx, w, ints([1, 2])), L.ArgumentError, /embeddingBag: offsets\[0\] must be 0 .* got 1/);
    throws(() => F.embeddingBag(idx, w, ints([0, 4, 2])), L.ArgumentError, /embeddingBag: offsets must be non-decreasing, but offsets\[2\] = 2 < offsets\[1\] = 4/);
    throws(() => F.embeddingBag(idx, w, ints([0, 7])), L.ArgumentError, /embeddingBag: offsets\[1\] = 7 is past the end of input/);
    throws(() => F.embeddingBag(idx, w, ints([0, 2, 5]), { includeLastOffset: true }), L.ArgumentError, /embeddingBag: with includeLastOffset the last offset must be input's length 6 \(CSR layout\), got offsets\[2\] = 5/);
    throws(() => F.embeddingBag(idx, w, ints([0]).reshape([1, 1])), L.ShapeError, /embeddingBag: offsets must be 1-D, got .*\[1,1\]/);
    throws(() => F.embeddingBag(idx, w, L.tensor([0])), L.DTypeError, /embeddingBag: offsets must be int32/);
    throws(() => F.embeddingBag(L.tensor([0, 1]), w, ints([0])), L.DTypeError, /embeddingBag: input must be int32 indices/);
    throws(() => F.embeddingBag(idx.reshape([1, 2, 3]), w), L.ShapeError, /embeddingBag: input must be 1-D \(with offsets\) or 2-D \[bags, bagSize\], got .*\[1,2,3\]/);
    throws(() => F.embeddingBag(idx, L.ones([12]), ints([0])), L.ShapeError, /embeddingBag: weight must be 2-D \[numEmbeddings, embeddingDim\], got .*\[12\]/);
    throws(() => F.embeddingBag(idx, w, ints([0]), { mode: 'mean', perSampleWeights: L.ones([6]) }), L.ArgumentError, /embeddingBag: perSampleWeights is supported with mode 'sum' only .* got mode 'mean'/);
    throws(() => F.embeddingBag(idx, w, ints([0]), { mode: 'sum', perSampleWeights: L.ones([5]) }), L.ShapeError, /embeddingBag: perSampleWeights .*\[5\].* must have input's shape .*\[6\]/);
    throws(() => F.embeddingBag(idx, w, ints([0]), { mode: 'sum', perSampleWeights: L.ones([6], { dtype: 'float64' }) }), L.DTypeError, /embeddingBag: perSampleWeights .* and weight .* must have the same dtype/);
    throws(() => F.embeddingBag(idx, w, ints([0]), { paddingIdx: -7 }), L.ArgumentError, /embeddingBag: paddingIdx -7 must be an integer in \[-6, 5\]/);
    throws(() => nn.EmbeddingBag.fromPretrained(L.ones([3])), L.ArgumentError, /EmbeddingBag.fromPretrained: weights must be 2-D \[num, dim\]/);
  });

  it('ParameterList, ParameterDict, Softmax2d, ChannelShuffle', () => {
    throws(() => new nn.ParameterList([L.ones([2], { dtype: 'int32' })]), L.DTypeError, /ParameterList: values\[0\] .*int32.* must be a float tensor to become a Parameter/);
    throws(() => new nn.ParameterList([3 as unknown as L.Tensor]), L.ArgumentError, /ParameterList: values\[0\] must be a Tensor or a Parameter, got number/);
    throws(() => new nn.ParameterList().at(0), L.ArgumentError, /ParameterList.at: index 0 is out of range for 0 parameters/);
    throws(() => new nn.ParameterList([L.ones([1])]).set(2, L.ones([1])), L.ArgumentError, /ParameterList.set: index 2 is out of range for 1 parameters/);
    throws(() => new nn.ParameterList().forward(), L.ArgumentError, /ParameterList has no forward/);
    throws(() => new nn.ParameterDict({ 'a.b': L.ones([1]) }), L.ArgumentError, /ParameterDict.set: key must be a non-empty string without '.', got a.b/);
    throws(() => new nn.ParameterDict().get('x'), L.ArgumentError, /ParameterDict.get: no parameter under 'x'/);
    throws(() => new nn.ParameterDict({ a: L.ones([1]) }).pop('b'), L.ArgumentError, /ParameterDict.get: no parameter under 'b' \(keys: a\)/);
    throws(() => new nn.ParameterDict([['a', L.ones([1])], ['b'] as unknown as [string, L.Tensor]]), L.ArgumentError, /ParameterDict.update: entry 1 must be a \[key, tensor\] pair/);
    throws(() => new nn.ParameterDict(5 as unknown as Record<string, L.Tensor>), L.ArgumentError, /ParameterDict.update: values must be an object, a Map or a list of \[key, tensor\] pairs, got 5/);
    throws(() => new nn.Softmax2d().call(L.ones([3, 4])), L.ShapeError, /Softmax2d: x must be \[N, C, H, W\] or \[C, H, W\] \(3-D or 4-D\), got .*\[3,4\]/);
    throws(() => new nn.Softmax2d().call(L.ones([1, 3, 4, 1, 1])), L.ShapeError, /Softmax2d: x must be .* got .*\[1,3,4,1,1\]/);
    throws(() => new nn.ChannelShuffle(0), L.ArgumentError, /ChannelShuffle: groups must be a positive integer, got 0/);
    throws(() => new nn.ChannelShuffle(3).call(L.ones([1, 4, 4])), L.ShapeError, /ChannelShuffle: the channel dim of .*\[1,4,4\].* is 4, which is not divisible by groups 3/);
    throws(() => F.channelShuffle(L.ones([4, 4]), 2), L.ShapeError, /channelShuffle: x must be \[N, C, \*\] \(more than 2 dims\), got .*\[4,4\]/);
  });
});
