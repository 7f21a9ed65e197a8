/**
 * Variable-length sequences: nn.utils.rnn (padSequence, packPaddedSequence, padPackedSequence,
 * packSequence, PackedSequence) and nn.RNN / nn.LSTM / nn.GRU on packed input, against PyTorch
 * (test/fixtures/rnn_packed_torch.json, written by test/fixtures/generators/rnn_packed_torch.py):
 * packed layouts, outputs, final states and gradients in float64 and float32 on both backends;
 * agreement with running each sequence alone; round trips; gradchecks; errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';
import { closeness, hasNative, onBackend } from '../helpers/backends';
import { torchFixtureChecker, type Dt, type Enc } from '../helpers/torch-fixture';

const { padSequence, packPaddedSequence, padPackedSequence, packSequence, PackedSequence } = nn.utils.rnn;

interface PackedEnc { data: Enc; batchSizes: number[]; sortedIndices: number[] | null; unsortedIndices: number[] | null }
interface LayerCase {
  kind: 'RNN' | 'LSTM' | 'GRU';
  opts: { inputSize: number; hiddenSize: number } & nn.RNNOptions;
  lengths: number[]; enforceSorted: boolean;
  state: Record<string, Enc>; input: Enc; states: Enc[];
  packedInput: PackedEnc; output: PackedEnc; paddedOutput: Enc; finals: Enc[]; vs: Enc[];
  gradInput: Enc; gradStates: Enc[]; paramGrads: Record<string, Enc>;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/rnn_packed_torch.json', import.meta.url), 'utf8')) as {
  cases: Record<string, LayerCase>;
  pad: { sequences: Enc[]; default: Enc; batchFirstValue: Enc; left: Enc; leftBatchFirst: Enc };
  pack: { tieLengths: number[]; tieSequences: Enc[]; tiePacked: PackedEnc; tiePaddedBatchFirst: Enc; sortedSequences: Enc[]; sortedPacked: PackedEnc };
};

function dec(e: Enc, dtype: Dt = 'float64'): L.Tensor {
  return L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
}
const ints = (t: L.Tensor | null): number[] | null => (t === null ? null : Array.from(t.values));

type AnyRnn = nn.RNN | nn.LSTM | nn.GRU;

function build(c: LayerCase, dtype: Dt): AnyRnn {
  const { inputSize, hiddenSize, ...rest } = c.opts;
  const m = c.kind === 'RNN' ? new nn.RNN(inputSize, hiddenSize, rest) : c.kind === 'LSTM' ? new nn.LSTM(inputSize, hiddenSize, rest) : new nn.GRU(inputSize, hiddenSize, rest);
  m.to(dtype);
  const sd: Record<string, L.Tensor> = {};
  for (const [k, e] of Object.entries(c.state)) sd[k] = dec(e, dtype);
  m.loadStateDict(sd);
  return m;
}

/** Runs a module on packed input: [packed output, ...final states]. */
type Packed = nn.utils.rnn.PackedSequence;

function runPacked(m: AnyRnn, x: Packed, states: L.Tensor[]): [Packed, ...L.Tensor[]] {
  if (m instanceof nn.LSTM) {
    const [y, [h, c]] = m.call(x, states.length ? [states[0], states[1]] : undefined);
    return [y, h, c];
  }
  const [y, h] = m.call(x, states[0]);
  return [y, h];
}

/** Runs a module on a padded tensor: [output, ...final states]. */
function runPadded(m: AnyRnn, x: L.Tensor, states: L.Tensor[]): L.Tensor[] {
  if (m instanceof nn.LSTM) {
    const [y, [h, c]] = m.call(x, states.length ? [states[0], states[1]] : undefined);
    return [y, h, c];
  }
  const [y, h] = m.call(x, states[0]);
  return [y, h];
}

const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

describe('nn.utils.rnn matches torch.nn.utils.rnn', () => {
  const check = torchFixtureChecker({ float64: 1e-12, float32: 1e-6 });
  const seqs = fixture.pad.sequences.map((e) => dec(e));

  it('padSequence: right and left padding, batchFirst, paddingValue', () => {
    check(padSequence(seqs), fixture.pad.default, 'float64', 'padSequence default');
    check(padSequence(seqs, { batchFirst: true, paddingValue: -1.5 }), fixture.pad.batchFirstValue, 'float64', 'padSequence batchFirst');
    check(padSequence(seqs, { paddingSide: 'left' }), fixture.pad.left, 'float64', 'padSequence left');
    check(padSequence(seqs, { batchFirst: true, paddingSide: 'left', paddingValue: 7 }), fixture.pad.leftBatchFirst, 'float64', 'padSequence left batchFirst');
  });

  it('packSequence with tied lengths: data, batchSizes and the stable sortedIndices of PyTorch', () => {
    const p = packSequence(fixture.pack.tieSequences.map((e) => dec(e)), { enforceSorted: false });
    const want = fixture.pack.tiePacked;
    check(p.data, want.data, 'float64', 'packed data');
    expect(Array.from(p.batchSizes.values)).toEqual(want.batchSizes);
    expect(p.batchSizes.dtype).toBe('int32');
    expect(ints(p.sortedIndices)).toEqual(want.sortedIndices);
    expect(ints(p.unsortedIndices)).toEqual(want.unsortedIndices);
    const [y, lengths] = padPackedSequence(p, { batchFirst: true, paddingValue: -2, totalLength: 6 });
    check(y, fixture.pack.tiePaddedBatchFirst, 'float64', 'padPackedSequence');
    expect(Array.from(lengths.values)).toEqual(fixture.pack.tieLengths);
    expect(p.batchSize).toBe(7);
    expect(String(p)).toBe('PackedSequence(data=[19,3] float64, batchSizes=[7,6,3,3])');
  });

  it('packSequence of sorted sequences keeps sortedIndices null', () => {
    const p = packSequence(fixture.pack.sortedSequences.map((e) => dec(e)));
    check(p.data, fixture.pack.sortedPacked.data, 'float64', 'sorted packed data');
    expect(Array.from(p.batchSizes.values)).toEqual(fixture.pack.sortedPacked.batchSizes);
    expect(p.sortedIndices).toBeNull();
    expect(p.unsortedIndices).toBeNull();
  });

  it('packPaddedSequence gives PyTorch\'s layout for every layer case', () => {
    for (const [name, c] of Object.entries(fixture.cases)) {
      const p = packPaddedSequence(dec(c.input), c.lengths, { batchFirst: c.opts.batchFirst ?? false, enforceSorted: c.enforceSorted });
      check(p.data, c.packedInput.data, 'float64', `${name} packed input`);
      expect(Array.from(p.batchSizes.values), name).toEqual(c.packedInput.batchSizes);
      expect(ints(p.sortedIndices), name).toEqual(c.packedInput.sortedIndices);
      expect(ints(p.unsortedIndices), name).toEqual(c.packedInput.unsortedIndices);
    }
  });

  it('pad → pack → unpack round trips, in both layouts, sorted or not, lengths as array or tensor', () => {
    L.manualSeed(4);
    const lengths = [3, 6, 1, 4];
    for (const batchFirst of [false, true]) {
      const list = lengths.map((n) => L.randn([n, 2], { dtype: 'float64' }));
      const x = padSequence(list, { batchFirst });
      const p = packPaddedSequence(x, L.tensor(lengths, { dtype: 'int32' }), { batchFirst, enforceSorted: false });
      const [y, got] = padPackedSequence(p, { batchFirst });
      expect(Array.from(got.values)).toEqual(lengths);
      expect(closeness(y.values, x.values, 0, 0)).toBe(0);
      const q = packSequence(list, { enforceSorted: false });
      expect(closeness(q.data.values, p.data.values, 0, 0)).toBe(0);
      // Sorted input needs no permutation and packs the same rows.
      const order = [1, 3, 0, 2];
      const s = packSequence(order.map((i) => list[i]));
      expect(closeness(s.data.values, p.data.values, 0, 0)).toBe(0);
      // Repacking an unpacked batch reproduces the data.
      const again = packPaddedSequence(y, got, { batchFirst, enforceSorted: false });
      expect(closeness(again.data.values, p.data.values, 0, 0)).toBe(0);
    }
  });

  it('gradients flow through padSequence, packPaddedSequence and padPackedSequence (gradcheck)', () => {
    L.manualSeed(5);
    const a = L.randn([3, 2], { dtype: 'float64', requiresGrad: true });
    const b = L.randn([1, 2], { dtype: 'float64', requiresGrad: true });
    const c = L.randn([2, 2], { dtype: 'float64', requiresGrad: true });
    expect(L.gradcheck((u, v, w) => {
      const p = packPaddedSequence(padSequence([u, v, w], { batchFirst: true }), [3, 1, 2], { batchFirst: true, enforceSorted: false });
      return padPackedSequence(p, { paddingValue: 3, totalLength: 4 })[0].tanh();
    }, [a, b, c])).toBe(true);
    expect(L.gradcheck((u, v, w) => packSequence([u, v, w], { enforceSorted: false }).data, [a, b, c])).toBe(true);
  });

  it('works for int32 data and extra trailing dims', () => {
    const seqsInt = [L.tensor([[1, 2], [3, 4]], { dtype: 'int32' }), L.tensor([[5, 6], [7, 8], [9, 10]], { dtype: 'int32' })];
    const padded = padSequence(seqsInt, { paddingValue: -1 });
    expect(padded.shape).toEqual([3, 2, 2]);
    expect(Array.from(padded.values)).toEqual([1, 2, 5, 6, 3, 4, 7, 8, -1, -1, 9, 10]);
    const p = packSequence(seqsInt, { enforceSorted: false });
    expect(Array.from(p.data.values)).toEqual([5, 6, 1, 2, 7, 8, 3, 4, 9, 10]);
    const x = L.randn([4, 2, 3, 2]);
    const [y] = padPackedSequence(packPaddedSequence(x, [4, 2]));
    expect(y.shape).toEqual([4, 2, 3, 2]);
    expect(closeness(y.narrow(1, 0, 1).values, x.narrow(1, 0, 1).values, 0, 0)).toBe(0);
    expect(Math.max(...Array.from(y.narrow(0, 2, 2).narrow(1, 1, 1).values).map(Math.abs))).toBe(0);
  });
});

describe('packed RNN, LSTM and GRU match PyTorch', () => {
  const check = torchFixtureChecker({ float64: 1e-10, float32: 1e-5 });

  for (const dtype of ['float64', 'float32'] as const) {
    for (const backend of backends) {
      for (const [name, c] of Object.entries(fixture.cases)) {
        it(`${name} ${dtype} (${backend}): packed output, padded output, final states and gradients`, () => onBackend(backend, () => {
          const m = build(c, dtype);
          const batchFirst = c.opts.batchFirst ?? false;
          const x = dec(c.input, dtype).requiresGrad_();
          const states = c.states.map((s) => dec(s, dtype).requiresGrad_());
          const packed = packPaddedSequence(x, c.lengths, { batchFirst, enforceSorted: c.enforceSorted });
          const [out, ...finals] = runPacked(m, packed, states);
          expect(out).toBeInstanceOf(PackedSequence);
          check(out.data, c.output.data, dtype, `${name} packed output`);
          expect(Array.from(out.batchSizes.values)).toEqual(c.output.batchSizes);
          expect(ints(out.sortedIndices)).toEqual(c.output.sortedIndices);
          expect(ints(out.unsortedIndices)).toEqual(c.output.unsortedIndices);
          const T = c.input.shape[batchFirst ? 1 : 0];
          const [padded, lengths] = padPackedSequence(out, { batchFirst, totalLength: T });
          check(padded, c.paddedOutput, dtype, `${name} padded output`);
          expect(Array.from(lengths.values)).toEqual(c.lengths);
          expect(finals.length).toBe(c.finals.length);
          finals.forEach((f, i) => check(f, c.finals[i], dtype, `${name} final state ${i}`));

          const outs = [out.data, ...finals];
          let total = outs[0].mul(dec(c.vs[0], dtype)).sum();
          for (let i = 1; i < outs.length; i++) total = total.add(outs[i].mul(dec(c.vs[i], dtype)).sum());
          const params = m.namedParameters();
          expect(params.map(([k]) => k).sort()).toEqual(Object.keys(c.paramGrads).sort());
          const grads = L.grad(total, [x, ...states, ...params.map(([, p]) => p)]);
          check(grads[0]!, c.gradInput, dtype, `${name} input gradient`);
          states.forEach((_, i) => check(grads[1 + i]!, c.gradStates[i], dtype, `${name} initial state ${i} gradient`));
          params.forEach(([k], i) => check(grads[1 + states.length + i]!, c.paramGrads[k], dtype, `${name} gradient of ${k}`));
        }));
      }
    }
  }
});

describe('packed recurrent layers: behaviour', () => {
  it('equal each sequence run alone through the layer (outputs and final states)', () => {
    for (const [name, c] of Object.entries(fixture.cases)) {
      const m = build(c, 'float64');
      const batchFirst = c.opts.batchFirst ?? false;
      const x = dec(c.input);
      const states = c.states.map((s) => dec(s));
      const [out, ...finals] = runPacked(m, packPaddedSequence(x, c.lengths, { batchFirst, enforceSorted: c.enforceSorted }), states);
      const [padded] = padPackedSequence(out, { batchFirst });
      c.lengths.forEach((n, b) => {
        const xb = x.narrow(batchFirst ? 0 : 1, b, 1).narrow(batchFirst ? 1 : 0, 0, n);
        const [yb, ...fb] = runPadded(m, xb, states.map((s) => s.narrow(1, b, 1)));
        const want = padded.narrow(batchFirst ? 0 : 1, b, 1).narrow(batchFirst ? 1 : 0, 0, n);
        expect(closeness(yb.values, want.values, 1e-13, 1e-13), `${name} output of sequence ${b}`).toBeLessThanOrEqual(1);
        fb.forEach((f, i) => expect(closeness(f.values, finals[i].narrow(1, b, 1).values, 1e-13, 1e-13), `${name} final ${i} of sequence ${b}`).toBeLessThanOrEqual(1));
      });
    }
  });

  it('with every sequence full length, equal the padded-tensor path exactly', () => {
    L.manualSeed(9);
    const lstm = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true });
    const x = L.randn([3, 5, 3]);
    const [y, [h, c]] = lstm.call(x);
    const [py, [ph, pc]] = lstm.call(packPaddedSequence(x, [5, 5, 5], { batchFirst: true }));
    const [unpacked] = padPackedSequence(py, { batchFirst: true });
    expect(closeness(unpacked.values, y.values, 0, 0)).toBe(0);
    expect(closeness(ph.values, h.values, 0, 0)).toBe(0);
    expect(closeness(pc.values, c.values, 0, 0)).toBe(0);
  });

  it('padding values do not reach outputs, states or gradients', () => {
    L.manualSeed(10);
    const gru = new nn.GRU(2, 3, { bidirectional: true, numLayers: 2 }).double();
    const x = L.randn([4, 3, 2], { dtype: 'float64' });
    // Sequence 1 is 2 steps long: put large values in its steps 2 and 3.
    const noise = new Float64Array(4 * 3 * 2);
    for (const t of [2, 3]) for (const f of [0, 1]) noise[(t * 3 + 1) * 2 + f] = 100;
    const noisy = x.add(L.tensor(noise, { dtype: 'float64' }).reshape([4, 3, 2]));
    const run = (input: L.Tensor): L.Tensor[] => {
      const leaf = input.clone().requiresGrad_();
      const [y, h] = gru.call(packPaddedSequence(leaf, [4, 2, 4], { enforceSorted: false }));
      const g = L.grad(y.data.sum().add(h.sum()), [leaf])[0]!;
      return [y.data, h, g];
    };
    const a = run(x), b = run(noisy);
    a.forEach((t, i) => expect(closeness(b[i].values, t.values, 0, 0), `result ${i}`).toBe(0));
    expect(Math.max(...Array.from(a[2].narrow(0, 2, 2).narrow(1, 1, 1).values).map(Math.abs))).toBe(0);
  });

  it('gradcheck through a packed bidirectional LSTM and GRU with initial states (float64)', () => {
    L.manualSeed(12);
    const lstm = new nn.LSTM(2, 2, { bidirectional: true }).double();
    const gru = new nn.GRU(2, 2, { numLayers: 2, batchFirst: true }).double();
    const x = L.randn([3, 3, 2], { dtype: 'float64', requiresGrad: true });
    const h0 = L.randn([2, 3, 2], { dtype: 'float64', requiresGrad: true });
    const c0 = L.randn([2, 3, 2], { dtype: 'float64', requiresGrad: true });
    expect(L.gradcheck((xi, h, c) => {
      const [y, [hN, cN]] = lstm.call(packPaddedSequence(xi, [2, 3, 1], { enforceSorted: false }), [h, c]);
      return [y.data, hN, cN];
    }, [x, h0, c0, ...lstm.parameters()])).toBe(true);
    expect(L.gradcheck((xi, h) => {
      const [y, hN] = gru.call(packPaddedSequence(xi, [3, 2, 2], { batchFirst: true }), h);
      return [y.data, hN];
    }, [x, h0])).toBe(true);
  });

  it('forward hooks see the PackedSequence; types follow the input', () => {
    const rnn = new nn.RNN(2, 3);
    let seen: unknown = null;
    rnn.registerForwardHook((_m, args) => { seen = args[0]; });
    const p = packSequence([L.randn([3, 2]), L.randn([2, 2])]);
    const [y, h] = rnn.call(p);
    expect(seen).toBe(p);
    expect(y.data.shape).toEqual([5, 3]);
    expect(h.shape).toEqual([1, 2, 3]);
    const [t] = rnn.call(L.randn([3, 2, 2]));
    expect(t.shape).toEqual([3, 2, 3]);
  });
});

describe('nn.utils.rnn and packed layers: errors', () => {
  const x = L.randn([6, 3, 2]);

  it('packPaddedSequence names the lengths and shapes', () => {
    expect(() => packPaddedSequence(x, [2, 5, 1])).toThrow(/packPaddedSequence: lengths \[2,5,1\] must be in decreasing order when enforceSorted is true \(lengths\[0\] = 2 < lengths\[1\] = 5\).*enforceSorted: false/);
    expect(() => packPaddedSequence(x, [5, 0, 1], { enforceSorted: false })).toThrow(/packPaddedSequence: lengths\[1\] is 0 but every length must be an integer from 1 to the 6 time steps of input .*\[6,3,2\]/);
    expect(() => packPaddedSequence(x, [7, 2, 1])).toThrow(/lengths\[0\] is 7 .* 6 time steps/);
    expect(() => packPaddedSequence(x, [3, 2, 1], { batchFirst: true })).toThrow(/lengths has 3 entries but input .*\[6,3,2\] holds 6 sequences \(\[batch, time, \*\]\)/);
    expect(() => packPaddedSequence(x, [3, 2])).toThrow(L.ShapeError);
    expect(() => packPaddedSequence(x, [2.5, 2, 1])).toThrow(L.ArgumentError);
    expect(() => packPaddedSequence(L.randn([4]), [4])).toThrow(/packPaddedSequence: input must be \[time, batch, \*\]/);
    expect(() => packPaddedSequence(x, 3 as unknown as number[])).toThrow(/lengths must be an array of integers or a 1-D tensor/);
    expect(() => packPaddedSequence(x, [3, 2, 1], { enforceSorted: 'no' as unknown as boolean })).toThrow(/enforceSorted must be a boolean/);
  });

  it('padPackedSequence, padSequence and packSequence reject bad arguments', () => {
    const p = packPaddedSequence(x, [5, 3, 1]);
    expect(() => padPackedSequence(p, { totalLength: 4 })).toThrow(/padPackedSequence: totalLength must be an integer at least the longest sequence's length 5, got 4/);
    expect(() => padPackedSequence(x as unknown as Packed)).toThrow(/padPackedSequence: sequence must be a PackedSequence, got .*\[6,3,2\]/);
    expect(() => padSequence([])).toThrow(/padSequence: sequences must be a non-empty array/);
    expect(() => padSequence([L.randn([2, 3]), L.randn([2, 4])])).toThrow(/padSequence: sequences\[1\] is .*\[2,4\] but sequences\[0\] is .*\[2,3\]/);
    expect(() => padSequence([L.randn([2, 3]), L.randn([2, 3], { dtype: 'float64' })])).toThrow(L.DTypeError);
    expect(() => padSequence([L.randn([2])], { paddingSide: 'middle' as 'left' })).toThrow(/paddingSide must be 'right' or 'left'/);
    expect(() => packSequence([L.randn([2, 3]), L.randn([0, 3])])).toThrow(/packSequence: sequences\[1\] is .*\[0,3\]: every sequence needs at least one step/);
    expect(() => packSequence([L.randn([2, 3]), L.randn([4, 3])])).toThrow(/packSequence: lengths \[2,4\] must be in decreasing order/);
    expect(padSequence([L.randn([0, 3]), L.randn([2, 3])]).shape).toEqual([2, 2, 3]);
  });

  it('PackedSequence checks batchSizes, data and the permutations', () => {
    const bs = L.tensor([2, 1], { dtype: 'int32' });
    expect(() => new PackedSequence(L.randn([4, 2]), bs)).toThrow(/PackedSequence: data .*\[4,2\] has 4 rows but batchSizes \[2,1\] sum to 3/);
    expect(() => new PackedSequence(L.randn([3, 2]), L.tensor([1, 2], { dtype: 'int32' }))).toThrow(/batchSizes \[1,2\] must be positive and non-increasing/);
    expect(() => new PackedSequence(L.randn([3, 2]), bs, L.tensor([0, 0], { dtype: 'int32' }))).toThrow(/sortedIndices \[0,0\] must be a permutation of 0..1/);
    expect(() => new PackedSequence(L.randn([3, 2]), bs, L.tensor([1, 0], { dtype: 'int32' }), L.tensor([0, 1], { dtype: 'int32' }))).toThrow(/unsortedIndices \[0,1\] must be the inverse/);
    const p = new PackedSequence(L.randn([3, 2]), bs, L.tensor([1, 0], { dtype: 'int32' }));
    expect(ints(p.unsortedIndices)).toEqual([1, 0]);
  });

  it('layers check the packed data and the initial states against the batch', () => {
    const lstm = new nn.LSTM(2, 3, { numLayers: 2 });
    const p = packPaddedSequence(x, [5, 3, 1]);
    expect(() => new nn.GRU(4, 3).call(p)).toThrow(/GRU: a PackedSequence's data must be \[sum\(lengths\), 4\] \(inputSize 4\), got .*\[9,2\]/);
    expect(() => lstm.call(packPaddedSequence(x.double(), [5, 3, 1]))).toThrow(L.DTypeError);
    expect(() => lstm.call(p, [L.zeros([2, 2, 3]), L.zeros([2, 2, 3])])).toThrow(/LSTM: h0 is .*\[2,2,3\].* must be \[2,3,3\]/);
    expect(() => new nn.RNN(2, 3).call(p, L.zeros([1, 3, 4]))).toThrow(L.ShapeError);
  });
});
