/**
 * Recurrent cells: RNNCell, LSTMCell and GRUCell (one time step), and the step functions
 * that LSTM and GRU (rnn.ts) run at every time step. Gate layout and parameter
 * names are PyTorch's, so state dicts map one to one:
 *
 *   RNN:  weight_ih [H, I],  weight_hh [H, H],  bias_ih [H],  bias_hh [H].
 *   LSTM: weight_ih [4H, I], weight_hh [4H, H], bias_ih [4H], bias_hh [4H], gates (i, f, g, o).
 *   GRU:  weight_ih [3H, I], weight_hh [3H, H], bias_ih [3H], bias_hh [3H], gates (r, z, n).
 *
 * Everything is written with ops, so autograd runs through time and a second
 * derivative works.
 */
import { ArgumentError, ShapeError, fmtArg, fmtShape } from '../../errors';
import { add, mul, sub } from '../../ops/binary';
import { zeros } from '../../ops/creation';
import { matmulT } from '../../ops/matmul';
import { chunk, squeeze, unsqueeze } from '../../ops/shape';
import { relu, sigmoid, tanh } from '../../ops/unary';
import { assertTensor, empty } from '../../ops/util';
import type { Tensor } from '../../tensor/tensor';
import * as init from '../init';
import { Module, reprArgs } from '../module';
import { Parameter } from '../parameter';
import { checkDtypeOption, checkInput, positiveInt, type FactoryOptions } from './common';

/**
 * PyTorch's default init for every recurrent weight and bias: U(-1/√H, 1/√H).
 */
export function resetRecurrent(params: Parameter[], hiddenSize: number, opts?: FactoryOptions): void {
  const bound = 1 / Math.sqrt(hiddenSize);
  for (const p of params) init.uniform(p, { a: -bound, b: bound, generator: opts?.generator });
}

/**
 * One LSTM step. `xw` is the input projection x W_ihᵀ + b_ih (+ b_hh, folded in by the
 * caller), [B, 4H]; h and c are [B, H].
 *
 *   i = σ(xw_i + h W_hiᵀ)    f = σ(xw_f + h W_hfᵀ)
 *   g = tanh(xw_g + h W_hgᵀ)  o = σ(xw_o + h W_hoᵀ)
 *   c' = f ⊙ c + i ⊙ g        h' = o ⊙ tanh(c')
 */
export function lstmStep(xw: Tensor, h: Tensor, c: Tensor, weightHh: Tensor): [Tensor, Tensor] {
  const gates = add(xw, matmulT(h, weightHh, false, true));
  const [gi, gf, gg, go] = chunk(gates, 4, 1);
  const i = sigmoid(gi), f = sigmoid(gf), g = tanh(gg), o = sigmoid(go);
  const cNext = add(mul(f, c), mul(i, g));
  return [mul(o, tanh(cNext)), cNext];
}

/**
 * One GRU step. `xw` is the input projection x W_ihᵀ + b_ih, [B, 3H]; h is [B, H].
 * b_hn stays inside the reset gate's product, so b_hh cannot be folded into xw:
 *
 *   r = σ(xw_r + h W_hrᵀ + b_hr)    z = σ(xw_z + h W_hzᵀ + b_hz)
 *   n = tanh(xw_n + r ⊙ (h W_hnᵀ + b_hn))
 *   h' = (1 - z) ⊙ n + z ⊙ h  =  n + z ⊙ (h - n)
 */
export function gruStep(xw: Tensor, h: Tensor, weightHh: Tensor, biasHh: Tensor | null): Tensor {
  let hw = matmulT(h, weightHh, false, true);
  if (biasHh) hw = add(hw, biasHh);
  const [xr, xz, xn] = chunk(xw, 3, 1);
  const [hr, hz, hn] = chunk(hw, 3, 1);
  const r = sigmoid(add(xr, hr));
  const z = sigmoid(add(xz, hz));
  const n = tanh(add(xn, mul(r, hn)));
  return add(n, mul(z, sub(h, n)));
}

/**
 * One Elman RNN step. `xw` is the input projection x W_ihᵀ + b_ih + b_hh (both biases folded in
 * by the caller), [B, H]; h is [B, H]:  h' = act(xw + h W_hhᵀ), act tanh or relu.
 */
export function rnnStep(xw: Tensor, h: Tensor, weightHh: Tensor, nonlinearity: 'tanh' | 'relu'): Tensor {
  const pre = add(xw, matmulT(h, weightHh, false, true));
  return nonlinearity === 'relu' ? relu(pre) : tanh(pre);
}

/** x W_ihᵀ + bias for x [rows, I]: one GEMM reading W_ih transposed in place. */
export function inputProjection(x: Tensor, weightIh: Tensor, bias: Tensor | null): Tensor {
  const xw = matmulT(x, weightIh, false, true);
  return bias ? add(xw, bias) : xw;
}

/** Checks a cell's input ([B, I] or unbatched [I]) and returns it as [B, I]. */
function cellInput(cell: string, x: Tensor, inputSize: number, dtype: string): Tensor {
  checkInput(cell, x, dtype);
  if (x.ndim !== 1 && x.ndim !== 2) throw new ShapeError(`${cell}: input must be [batch, ${inputSize}] or unbatched [${inputSize}], got ${x.describe()}`);
  if (x.shape[x.ndim - 1] !== inputSize) throw new ShapeError(`${cell}: input is ${x.describe()} but inputSize is ${inputSize}: the last dim must be ${inputSize}`);
  return x.ndim === 1 ? unsqueeze(x, 0) : x;
}

/** Checks a cell's state (h or c) against the input's batch and returns it as [B, H]. */
function cellState(cell: string, name: string, s: Tensor | undefined, batch: number, hiddenSize: number, batched: boolean, dtype: string): Tensor {
  if (s === undefined) return zeros([batch, hiddenSize], { dtype: dtype as 'float32' | 'float64' });
  assertTensor(cell, name, s);
  checkInput(`${cell} (${name})`, s, dtype);
  const want = batched ? [batch, hiddenSize] : [hiddenSize];
  if (s.ndim !== want.length || s.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(`${cell}: ${name} is ${s.describe()} but must be ${fmtShape(want)} for the ${batched ? 'batched' : 'unbatched'} input`);
  }
  return batched ? s : unsqueeze(s, 0);
}

/** Options of the RNN cells. @example `new nn.LSTMCell(8, 16, { bias: true })` */
export interface RNNCellOptions extends FactoryOptions {
  /** Learn bias_ih and bias_hh (default true). */
  bias?: boolean;
}

/** Options of `nn.RNNCell`. @example `new nn.RNNCell(8, 16, { nonlinearity: 'relu' })` */
export interface RNNCellModuleOptions extends RNNCellOptions {
  /** The activation, 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

/** Shared fields of RNNCell, LSTMCell and GRUCell: sizes and the four parameters under PyTorch's names. */
abstract class RecurrentCell<In extends unknown[], Out> extends Module<In, Out> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;

  constructor(cell: string, gates: number, inputSize: number, hiddenSize: number, opts?: RNNCellOptions) {
    super();
    this.inputSize = positiveInt(cell, 'inputSize', inputSize);
    this.hiddenSize = positiveInt(cell, 'hiddenSize', hiddenSize);
    this.bias = opts?.bias ?? true;
    const dtype = checkDtypeOption(cell, opts?.dtype);
    this.registerParameter('weight_ih', new Parameter(empty([gates * this.hiddenSize, this.inputSize], dtype)));
    this.registerParameter('weight_hh', new Parameter(empty([gates * this.hiddenSize, this.hiddenSize], dtype)));
    if (this.bias) {
      this.registerParameter('bias_ih', new Parameter(empty([gates * this.hiddenSize], dtype)));
      this.registerParameter('bias_hh', new Parameter(empty([gates * this.hiddenSize], dtype)));
    }
    this.resetParameters(opts);
  }

  /** weight_ih: [gates·H, I]. @example `cell.weightIh.shape` */
  get weightIh(): Parameter {
    return this.getParameter('weight_ih')!;
  }

  /** weight_hh: [gates·H, H]. @example `cell.weightHh.shape` */
  get weightHh(): Parameter {
    return this.getParameter('weight_hh')!;
  }

  /** bias_ih: [gates·H], or null without bias. @example `cell.biasIh?.shape` */
  get biasIh(): Parameter | null {
    return this.getParameter('bias_ih');
  }

  /** bias_hh: [gates·H], or null without bias. @example `cell.biasHh?.shape` */
  get biasHh(): Parameter | null {
    return this.getParameter('bias_hh');
  }

  /** Re-draws the default init U(-1/√H, 1/√H). @example `cell.resetParameters()` */
  resetParameters(opts?: FactoryOptions): void {
    resetRecurrent(this.parameters(), this.hiddenSize, opts);
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.inputSize], ['', this.hiddenSize], ['bias', this.bias ? undefined : false]]);
  }
}

/**
 * One Elman RNN step: (x [B, I], h [B, H], zeros when omitted) → h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh),
 * act tanh (default) or relu. Unbatched [I] inputs with an [H] state work too. Parameters
 * weight_ih [H, I], weight_hh [H, H], bias_ih [H], bias_hh [H], U(-1/√H, 1/√H), as PyTorch's.
 * @example `const cell = new nn.RNNCell(10, 20, { nonlinearity: 'tanh' }); const h = cell.call(x, h0)`
 */
export class RNNCell extends RecurrentCell<[Tensor, Tensor?], Tensor> {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, opts?: RNNCellModuleOptions) {
    const nonlinearity = opts?.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new ArgumentError(`RNNCell: nonlinearity must be 'tanh' or 'relu', got ${fmtArg(nonlinearity)}`);
    super('RNNCell', 1, inputSize, hiddenSize, opts);
    this.nonlinearity = nonlinearity;
  }

  forward(input: Tensor, hx?: Tensor): Tensor {
    const op = 'RNNCell';
    const dtype = this.weightIh.dtype;
    const x = cellInput(op, input, this.inputSize, dtype);
    const batched = input.ndim === 2;
    const h = cellState(op, 'h', hx, x.shape[0], this.hiddenSize, batched, dtype);
    // b_hh is added outside any product, so it joins b_ih in the input projection, as nn.RNN does.
    const bias = this.biasIh && this.biasHh ? add(this.biasIh, this.biasHh) : null;
    const h1 = rnnStep(inputProjection(x, this.weightIh, bias), h, this.weightHh, this.nonlinearity);
    return batched ? h1 : squeeze(h1, 0);
  }

  protected override extraRepr(): string {
    return [super.extraRepr(), this.nonlinearity === 'relu' ? "nonlinearity='relu'" : ''].filter((s) => s).join(', ');
  }
}

/**
 * One LSTM step: (x [B, I], (h, c) [B, H] each, zeros when omitted) → (h', c'). Unbatched
 * [I] inputs with [H] states work too. Gates i, f, g, o as in PyTorch (see lstmStep).
 * @example `const cell = new nn.LSTMCell(10, 20); const [h, c] = cell.call(x, [h0, c0])`
 */
export class LSTMCell extends RecurrentCell<[Tensor, [Tensor, Tensor]?], [Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, opts?: RNNCellOptions) {
    super('LSTMCell', 4, inputSize, hiddenSize, opts);
  }

  forward(input: Tensor, hx?: [Tensor, Tensor]): [Tensor, Tensor] {
    const op = 'LSTMCell';
    const dtype = this.weightIh.dtype;
    const x = cellInput(op, input, this.inputSize, dtype);
    const batched = input.ndim === 2;
    if (hx !== undefined && (!Array.isArray(hx) || hx.length !== 2)) throw new ShapeError(`${op}: hx must be a pair [h, c], got ${Array.isArray(hx) ? `${hx.length} tensors` : typeof hx}`);
    const h = cellState(op, 'h', hx?.[0], x.shape[0], this.hiddenSize, batched, dtype);
    const c = cellState(op, 'c', hx?.[1], x.shape[0], this.hiddenSize, batched, dtype);
    const bias = this.biasIh && this.biasHh ? add(this.biasIh, this.biasHh) : null;
    const [h1, c1] = lstmStep(inputProjection(x, this.weightIh, bias), h, c, this.weightHh);
    return batched ? [h1, c1] : [squeeze(h1, 0), squeeze(c1, 0)];
  }
}

/**
 * One GRU step: (x [B, I], h [B, H], zeros when omitted) → h'. Unbatched [I] inputs with an
 * [H] state work too. Gates r, z, n as in PyTorch (see gruStep).
 * @example `const cell = new nn.GRUCell(10, 20); const h = cell.call(x, h0)`
 */
export class GRUCell extends RecurrentCell<[Tensor, Tensor?], Tensor> {
  constructor(inputSize: number, hiddenSize: number, opts?: RNNCellOptions) {
    super('GRUCell', 3, inputSize, hiddenSize, opts);
  }

  forward(input: Tensor, hx?: Tensor): Tensor {
    const op = 'GRUCell';
    const dtype = this.weightIh.dtype;
    const x = cellInput(op, input, this.inputSize, dtype);
    const batched = input.ndim === 2;
    const h = cellState(op, 'h', hx, x.shape[0], this.hiddenSize, batched, dtype);
    const h1 = gruStep(inputProjection(x, this.weightIh, this.biasIh), h, this.weightHh, this.biasHh);
    return batched ? h1 : squeeze(h1, 0);
  }
}
