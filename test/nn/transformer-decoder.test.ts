/**
 * nn.TransformerDecoderLayer, nn.TransformerDecoder and nn.Transformer against PyTorch 2.13
 * (test/fixtures/transformer_decoder_torch.json, written by
 * test/fixtures/generators/transformer_decoder_torch.py): PyTorch's state dicts load unchanged
 * (same keys, same order), outputs match in float64 and float32 on the native and reference
 * backends, gradients of sum(out · r) w.r.t. the inputs and every parameter match in float64;
 * masks (float causal, bool, float memory mask, key padding), post-/pre-norm, relu/gelu,
 * batchFirst; a copy task trains; bad arguments give errors that name the layer and the shapes.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';
import { closeness, hasNative, onBackend } from '../helpers/backends';

interface Enc { shape: number[]; values: number[] }
type FloatDType = 'float32' | 'float64';
/* eslint-disable @typescript-eslint/no-explicit-any */
const fx = JSON.parse(readFileSync(new URL('../fixtures/transformer_decoder_torch.json', import.meta.url), 'utf8')) as any;

const BACKENDS: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];
const TOL: Record<FloatDType, number> = { float64: 1e-10, float32: 1e-5 };
const E = 8, H = 2, T = 4;

const dec = (e: Enc, dtype: L.DType = 'float64'): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
const stateOf = (s: Record<string, Enc>): Record<string, L.Tensor> => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, dec(v)]));

/** The fixture's call options as Lattice tensors: "causal" is Transformer.generateSquareSubsequentMask(T). */
function callOpts(call: Record<string, any>, dtype: FloatDType): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(call)) {
    if (v === 'causal') out[k] = nn.Transformer.generateSquareSubsequentMask(T, { dtype });
    else if (typeof v === 'boolean') out[k] = v;
    else out[k] = v.dtype === 'bool' ? dec(v).ne(0) : dec(v, dtype);
  }
  return out;
}

/** Worst |a − b| / (1 + |b|) seen per dtype, for the report printed at the end. */
const worst: Record<FloatDType, number> = { float64: 0, float32: 0 };

function expectClose(actual: L.Tensor, expected: Enc, what: string, dtype: FloatDType): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  const a = Array.from(actual.values);
  for (let i = 0; i < a.length; i++) worst[dtype] = Math.max(worst[dtype], Math.abs(a[i] - expected.values[i]) / (1 + Math.abs(expected.values[i])));
  expect(closeness(a, expected.values, TOL[dtype], TOL[dtype]), `${what} (${dtype})`).toBeLessThanOrEqual(1);
}

afterAll(() => {
  console.log(`transformer-decoder vs PyTorch: worst |a - b| / (1 + |b|): float64 ${worst.float64.toExponential(2)}, float32 ${worst.float32.toExponential(2)}`);
});

type Build = (c: any, dtype: FloatDType) => L.nn.Module<any, L.Tensor>;
const buildLayer: Build = (c, dtype) => new nn.TransformerDecoderLayer(E, H, { ...c.opts, dtype });
const buildDecoder: Build = (c, dtype) => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(E, H, { ...c.opts, dtype }), 2, { norm: c.norm ? new nn.LayerNorm(E, { dtype }) : null });
const buildTransformer: Build = (c, dtype) => new nn.Transformer({ dModel: E, nhead: H, numEncoderLayers: 2, numDecoderLayers: 2, ...c.opts, dtype });

/** Keys, outputs on both backends in both dtypes, and float64 gradients for each case of a fixture group. */
function matchesTorch(group: string, cases: any[], build: Build): void {
  for (const c of cases) {
    describe(`${group} ${c.name}`, () => {
      it("has PyTorch's state-dict keys, in its order", () => {
        const m = build(c, 'float64');
        expect(Object.keys(m.stateDict())).toEqual(Object.keys(c.state));
        for (const [k, t] of Object.entries(m.stateDict())) expect(t.shape, k).toEqual(c.state[k].shape);
      });
      for (const backend of BACKENDS) {
        for (const dtype of ['float64', 'float32'] as const) {
          it(`output matches PyTorch (${backend}, ${dtype})`, () => {
            onBackend(backend, () => {
              const m = build(c, dtype).eval();
              m.loadStateDict(stateOf(c.state));
              const inputs = c.inputs.map((e: Enc) => dec(e, dtype));
              expectClose(m.call(...inputs, callOpts(c.call, dtype)), c.output, 'output', dtype);
            });
          });
        }
        it(`gradients w.r.t. inputs and parameters match PyTorch (${backend}, float64)`, () => {
          onBackend(backend, () => {
            const m = build(c, 'float64').eval();
            m.loadStateDict(stateOf(c.state));
            const inputs = c.inputs.map((e: Enc) => dec(e).requiresGrad_());
            const y = m.call(...inputs, callOpts(c.call, 'float64'));
            y.mul(dec(c.r)).sum().backward();
            inputs.forEach((x: L.Tensor, i: number) => expectClose(x.grad!, c.gradInputs[i], `grad input ${i}`, 'float64'));
            const params = m.namedParameters();
            expect(params.map(([k]) => k).sort()).toEqual(Object.keys(c.paramGrads).sort());
            for (const [name, p] of params) expectClose(p.grad!, c.paramGrads[name], `grad ${name}`, 'float64');
          });
        });
      }
    });
  }
}

matchesTorch('nn.TransformerDecoderLayer', fx.decoderLayer, buildLayer);
matchesTorch('nn.TransformerDecoder', fx.decoder, buildDecoder);
matchesTorch('nn.Transformer', fx.transformer, buildTransformer);

describe('nn.TransformerDecoderLayer behaviour', () => {
  it('unbatched [T, E] / [S, E] inputs give the batched result of that column', () => {
    const c = fx.decoderLayer.find((x: any) => x.name === 'postNormReluSeqFirst');
    const layer = new nn.TransformerDecoderLayer(E, H, { ...c.opts, dtype: 'float64' }).eval();
    layer.loadStateDict(stateOf(c.state));
    const [tgt, memory] = c.inputs.map((e: Enc) => dec(e));
    const opts = callOpts(c.call, 'float64') as any;
    const col = (t: L.Tensor, b: number): L.Tensor => t.narrow(1, b, 1).reshape([t.shape[0], E]);
    const row = (m: L.Tensor, b: number): L.Tensor => m.narrow(0, b, 1).reshape([m.shape[1]]);
    const full = dec(c.output);
    for (let b = 0; b < 3; b++) {
      const y = layer.call(col(tgt, b), col(memory, b), { tgtMask: opts.tgtMask, tgtKeyPaddingMask: row(opts.tgtKeyPaddingMask, b), memoryKeyPaddingMask: row(opts.memoryKeyPaddingMask, b) });
      expect(y.shape).toEqual([T, E]);
      expect(closeness(Array.from(y.values), Array.from(col(full, b).values), 1e-10, 1e-10)).toBeLessThanOrEqual(1);
    }
  });

  it('tgtIsCausal without a mask equals generateSquareSubsequentMask; memoryIsCausal equals a bool mask; dropout is on in training', () => {
    L.manualSeed(11);
    const layer = new nn.TransformerDecoderLayer(E, H, { dimFeedforward: 16, batchFirst: true }).eval();
    const tgt = L.randn([2, T, E]), memory = L.randn([2, 5, E]);
    const a = layer.call(tgt, memory, { tgtIsCausal: true, memoryIsCausal: true });
    const upper = L.tensor([[0, 1, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1]]).ne(0);
    const b = layer.call(tgt, memory, { tgtMask: nn.Transformer.generateSquareSubsequentMask(T), memoryMask: upper });
    expect(closeness(Array.from(a.values), Array.from(b.values), 1e-6, 1e-6)).toBeLessThanOrEqual(1);
    const plain = layer.call(tgt, memory);
    expect(closeness(Array.from(a.values), Array.from(plain.values), 1e-6, 1e-6)).toBeGreaterThan(1);
    layer.train();
    const dropped = layer.call(tgt, memory, { tgtIsCausal: true, memoryIsCausal: true });
    expect(closeness(Array.from(a.values), Array.from(dropped.values), 1e-6, 1e-6)).toBeGreaterThan(1);
  });

  it('has PyTorch defaults (dimFeedforward 2048, relu, eps 1e-5, seq-first, post-norm, biases)', () => {
    const layer = new nn.TransformerDecoderLayer(16, 4);
    expect(layer.linear1.weight.shape).toEqual([2048, 16]);
    expect(layer.activation).toBe('relu');
    expect(layer.normFirst).toBe(false);
    expect(layer.batchFirst).toBe(false);
    expect(layer.norm3.eps).toBe(1e-5);
    expect(layer.dropout.p).toBe(0.1);
    expect(layer.self_attn.in_proj_bias).not.toBeNull();
    expect(String(layer)).toContain('TransformerDecoderLayer');
  });
});

describe('nn.TransformerDecoder', () => {
  it('layers are independent deep copies of the given layer', () => {
    const proto = new nn.TransformerDecoderLayer(E, H, { dimFeedforward: 16 });
    const stack = new nn.TransformerDecoder(proto, 3);
    expect(stack.layers.length).toBe(3);
    for (const layer of stack.layers) {
      expect(layer).not.toBe(proto);
      expect(Array.from(layer.multihead_attn.in_proj_weight!.values)).toEqual(Array.from(proto.multihead_attn.in_proj_weight!.values));
    }
    L.noGrad(() => stack.layers.at(0).linear1.weight.mul_(0));
    expect(Array.from(stack.layers.at(1).linear1.weight.values)).toEqual(Array.from(proto.linear1.weight.values));
    expect(Array.from(proto.linear1.weight.values).some((x) => x !== 0)).toBe(true);
    expect(Object.keys(stack.stateDict())[0]).toBe('layers.0.self_attn.in_proj_weight');
    expect(stack.norm).toBeNull();
  });
});

describe('nn.Transformer', () => {
  it("the default model has PyTorch's keys and shapes (dModel 512, 8 heads, 6 + 6 layers, 2048 feed-forward)", () => {
    const model = new nn.Transformer();
    const sd = model.stateDict();
    expect(Object.keys(sd)).toEqual(fx.defaultTransformer.keys);
    for (const [k, t] of Object.entries(sd)) expect(t.shape, k).toEqual(fx.defaultTransformer.shapes[k]);
    expect(model.batchFirst).toBe(false);
  });

  it("re-initialises every >1-dim parameter with xavier_uniform_ (PyTorch's _reset_parameters), keeping biases and norms", () => {
    L.manualSeed(3);
    const model = new nn.Transformer({ dModel: E, nhead: H, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 });
    for (const [name, p] of model.namedParameters()) {
      const v = Array.from(p.values);
      if (p.ndim > 1) {
        const bound = Math.sqrt(6 / (p.shape[0] + p.shape[1]));
        expect(Math.max(...v.map(Math.abs)), name).toBeLessThanOrEqual(bound);
        // Linear's own init would stay within 1/√fanIn = 0.354 for linear1 [16, 8]; xavier's bound is 0.5.
        if (name.endsWith('linear1.weight')) expect(Math.max(...v.map(Math.abs)), name).toBeGreaterThan(1 / Math.sqrt(E));
      }
    }
    expect(Array.from(model.decoder.layers.at(0).multihead_attn.in_proj_bias!.values).every((x) => x === 0)).toBe(true);
    expect(Array.from((model.encoder.norm as nn.LayerNorm).weight!.values).every((x) => x === 1)).toBe(true);
    expect(Array.from(model.decoder.layers.at(0).linear1.bias!.values).some((x) => x !== 0)).toBe(true);
  });

  it('generateSquareSubsequentMask: 0 on and below the diagonal, -inf above, float32 by default', () => {
    const m = nn.Transformer.generateSquareSubsequentMask(3);
    expect(m.dtype).toBe('float32');
    expect(m.shape).toEqual([3, 3]);
    expect(Array.from(m.values)).toEqual([0, -Infinity, -Infinity, 0, 0, -Infinity, 0, 0, 0]);
    expect(nn.Transformer.generateSquareSubsequentMask(2, { dtype: 'float64' }).dtype).toBe('float64');
    expect(() => nn.Transformer.generateSquareSubsequentMask(0)).toThrow(/generateSquareSubsequentMask: sz must be a positive integer, got 0/);
  });

  it('trains: a copy task with teacher forcing (shifted target, causal mask) that generalises to unseen sequences', () => {
    L.manualSeed(7);
    const V = 8, len = 6, B = 32, D = 16;
    const emb = new nn.Embedding(V, D);
    const pos = new nn.PositionalEncoding(D, { dropout: 0, maxLen: 16, batchFirst: true });
    const decoder = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(D, 2, { dimFeedforward: 32, dropout: 0, batchFirst: true }), 1);
    const head = new nn.Linear(D, V);
    const opt = new L.optim.Adam([...emb.parameters(), ...decoder.parameters(), ...head.parameters()], { lr: 0.01 });
    const mask = nn.Transformer.generateSquareSubsequentMask(len);
    // Symbols 1..V-1; 0 is BOS. The decoder sees [BOS, y0 .. y(len-2)] and must output y0 .. y(len-1):
    // y0 is only in the memory (the source sequence), so the task needs the cross-attention.
    const logitsOf = (seq: L.Tensor): L.Tensor => {
      const shifted = L.cat([L.zeros([seq.shape[0], 1], { dtype: 'int32' }), seq.narrow(1, 0, len - 1)], 1);
      return head.call(decoder.call(pos.call(emb.call(shifted)), pos.call(emb.call(seq)), { tgtMask: mask }));
    };
    const lossOf = (seq: L.Tensor): L.Tensor => L.crossEntropy(logitsOf(seq).reshape([-1, V]), seq.reshape([-1]));
    const heldOut = L.randint(1, V, [64, len], { dtype: 'int32' });
    const first = L.noGrad(() => lossOf(heldOut).item());
    for (let i = 0; i < 300; i++) {
      L.tidy(() => {
        opt.zeroGrad();
        lossOf(L.randint(1, V, [B, len], { dtype: 'int32' })).backward();
        opt.step();
      });
    }
    const last = L.noGrad(() => lossOf(heldOut).item());
    const predicted = L.noGrad(() => L.argmax(logitsOf(heldOut), -1));
    const hit = Array.from(predicted.values).filter((p, i) => p === heldOut.values[i]).length / (64 * len);
    expect(last).toBeLessThan(first * 0.1);
    expect(hit).toBeGreaterThan(0.95);
  });
});

describe('errors name the layer, the argument and the shapes', () => {
  const layer = new nn.TransformerDecoderLayer(E, H, { dimFeedforward: 16 }).eval();
  const tgt = L.zeros([T, 3, E]), memory = L.zeros([5, 3, E]);

  it('bad constructor arguments', () => {
    expect(() => new nn.TransformerDecoderLayer(6, 4)).toThrow(/TransformerDecoderLayer: dModel \(6\) must be divisible by nhead \(4\)/);
    expect(() => new nn.Transformer({ dModel: 6, nhead: 4 })).toThrow(/Transformer: dModel \(6\) must be divisible by nhead \(4\)/);
    expect(() => new nn.TransformerDecoderLayer(8, 2, { activation: 'tanh' as never })).toThrow(/TransformerDecoderLayer: activation must be 'relu' or 'gelu'/);
    expect(() => new nn.TransformerDecoderLayer(8, 2, { batchFirst: 1 as never })).toThrow(/TransformerDecoderLayer: batchFirst must be a boolean/);
    expect(() => new nn.TransformerDecoderLayer(8, 2, { dropout: 1.5 })).toThrow(/TransformerDecoderLayer: dropout must be a probability/);
    expect(() => new nn.TransformerDecoder(new nn.Linear(2, 2) as never, 2)).toThrow(/TransformerDecoder: decoderLayer must be a TransformerDecoderLayer, got Linear/);
    expect(() => new nn.TransformerDecoder(layer, 0)).toThrow(/TransformerDecoder: numLayers must be a positive integer, got 0/);
    expect(() => new nn.Transformer({ dModel: 8, nhead: 2, numDecoderLayers: 1.5 })).toThrow(/Transformer: numDecoderLayers must be a positive integer/);
  });

  it('wrong memory width, batch, rank or dtype', () => {
    expect(() => layer.call(tgt, L.zeros([5, 3, 6]))).toThrow(/TransformerDecoderLayer: memory float32\[5,3,6\] must have dModel = 8 features/);
    expect(() => layer.call(L.zeros([T, 3, 4]), memory)).toThrow(/TransformerDecoderLayer: tgt float32\[4,3,4\] must have dModel = 8 features/);
    expect(() => layer.call(tgt, L.zeros([5, 2, E]))).toThrow(/TransformerDecoderLayer: tgt float32\[4,3,8\] and memory float32\[5,2,8\] must have the same batch size \(dim 1\)/);
    expect(() => layer.call(tgt, L.zeros([5, E]))).toThrow(/must both be batched \(3-D\) or both unbatched/);
    expect(() => layer.call(L.zeros([1, T, 3, E]), memory)).toThrow(/TransformerDecoderLayer: tgt must be \[L, N, E\] \(or unbatched \[L, E\]\), got float32\[1,4,3,8\]/);
    expect(() => layer.call(tgt.to('float64'), memory)).toThrow(/TransformerDecoderLayer \(tgt\).*float64.*parameters are float32/);
  });

  it('wrong mask shapes and dtypes', () => {
    expect(() => layer.call(tgt, memory, { tgtMask: L.zeros([3, 3]) })).toThrow(/TransformerDecoderLayer: tgtMask must be \[4,4\] or \[6,4,4\], got float32\[3,3\]/);
    expect(() => layer.call(tgt, memory, { memoryMask: L.zeros([T, T]) })).toThrow(/TransformerDecoderLayer: memoryMask must be \[4,5\] or \[6,4,5\], got float32\[4,4\]/);
    expect(() => layer.call(tgt, memory, { tgtKeyPaddingMask: L.zeros([3, 5]).ne(0) })).toThrow(/tgtKeyPaddingMask must be \[3,4\], got bool\[3,5\]/);
    expect(() => layer.call(tgt, memory, { memoryKeyPaddingMask: L.zeros([3, 4]).ne(0) })).toThrow(/memoryKeyPaddingMask must be \[3,5\], got bool\[3,4\]/);
    expect(() => layer.call(tgt, memory, { memoryMask: L.zeros([T, 5], { dtype: 'int32' }) })).toThrow(/memoryMask must be bool or float32/);
    expect(() => layer.call(tgt, memory, { tgtIsCausal: 'yes' as never })).toThrow(/tgtIsCausal must be a boolean/);
    const stack = new nn.TransformerDecoder(layer, 2);
    expect(() => stack.call(tgt, memory, { tgtMask: L.zeros([5, 5]) })).toThrow(/TransformerDecoder: tgtMask must be \[4,4\]/);
  });

  it('nn.Transformer checks src against tgt and the source masks', () => {
    const model = new nn.Transformer({ dModel: E, nhead: H, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16, batchFirst: true });
    const src = L.zeros([3, 5, E]);
    expect(() => model.call(src, L.zeros([2, T, E]))).toThrow(/Transformer: src float32\[3,5,8\] and tgt float32\[2,4,8\] must have the same batch size \(dim 0\)/);
    expect(() => model.call(L.zeros([3, 5, 4]), L.zeros([3, T, E]))).toThrow(/Transformer: src float32\[3,5,4\] must have dModel = 8 features/);
    expect(() => model.call(src, L.zeros([3, T, E]), { srcKeyPaddingMask: L.zeros([3, 4]).ne(0) })).toThrow(/Transformer: srcKeyPaddingMask must be \[3,5\]/);
    expect(() => model.call(src, L.zeros([3, T, E]), { srcMask: L.zeros([4, 4]) })).toThrow(/Transformer: srcMask must be \[5,5\] or \[6,5,5\]/);
    expect(model.call(src, L.zeros([3, T, E])).shape).toEqual([3, T, E]);
  });
});
