/**
 * Multi-layer, optionally bidirectional RNN (Elman), LSTM and GRU over whole
 * sequences, with PyTorch's parameter names (weight_ih_l{k}, weight_hh_l{k},
 * bias_ih_l{k}, bias_hh_l{k}, LSTM's weight_hr_l{k} with projSize, and the
 * `_reverse` suffix for the backward direction), shapes and defaults, so state
 * dicts map one to one.
 *
 * Per layer and direction the input projection X W_ihᵀ + b_ih for all T steps is
 * one GEMM over [T·B, I]; only h W_hhᵀ and the gate math run step by step (the
 * cell equations are in rnn-cells.ts). All of it is ops, so backward runs
 * through time.
 *
 * A PackedSequence input (nn.utils.rnn) runs unpacked to [T, B, I] with each sequence's state
 * frozen once t reaches its length, and comes back packed; the final states are each sequence's
 * own last step (first step for the reverse direction), as in PyTorch.
 */
import { ArgumentError, ShapeError, fmtShape, fmtArg } from '../../errors';
import { add, where } from '../../ops/binary';
import { tensor, zeros } from '../../ops/creation';
import { cat, reshape, split, squeeze, stack, transpose, unsqueeze } from '../../ops/shape';
import { assertTensor, empty } from '../../ops/util';
import type { Tensor } from '../../tensor/tensor';
import { dropout as dropoutFn } from '../functional';
import { Module, reprArgs } from '../module';
import { Parameter } from '../parameter';
import { checkDtypeOption, checkInput, positiveInt, probability, type FactoryOptions } from './common';
import { gruStep, inputProjection, lstmStep, resetRecurrent, rnnStep } from './rnn-cells';
import { matmulT } from '../../ops/matmul';
import { PackedSequence, unpackForRecurrent } from '../utils/rnn';

/** Options of `nn.RNN`, `nn.LSTM` and `nn.GRU`. @example `new nn.LSTM(8, 32, { numLayers: 2, bidirectional: true })` */
export interface RNNOptions extends FactoryOptions {
  /** Stacked recurrent layers (default 1); layer k > 0 reads layer k-1's output. */
  numLayers?: number;
  /** Learn bias_ih and bias_hh (default true). */
  bias?: boolean;
  /** Input and output are [B, T, F] instead of [T, B, F] (default false; states stay [L·D, B, H]). */
  batchFirst?: boolean;
  /** Dropout on every layer's output except the last's, in training mode only (default 0). */
  dropout?: number;
  /** Run a second, time-reversed pass per layer and concatenate both outputs (default false). */
  bidirectional?: boolean;
  /** nn.RNN only: the activation, 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
  /**
   * nn.LSTM only: project each hidden state to this size with weight_hr [projSize, H]
   * (LSTMP, Sak et al. 2014); outputs and h are projSize wide, c stays H. Default 0 (none).
   */
  projSize?: number;
}

/** The parameters of one layer and direction. */
interface LayerWeights {
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh: Parameter | null;
  biasHh: Parameter | null;
  /** LSTM's projection [projSize, H] (projSize > 0 only). */
  weightHr: Parameter | null;
}

type Mode = 'LSTM' | 'GRU' | 'RNN';

const GATES: Record<Mode, number> = { LSTM: 4, GRU: 3, RNN: 1 };

/** The common part of LSTM and GRU: parameters, checks, and the loop over layers, directions and time. */
abstract class RNNBase<In extends unknown[], Out> extends Module<In, Out> {
  readonly mode: Mode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** nn.RNN's activation. */
  readonly nonlinearity: 'tanh' | 'relu';
  /** LSTM's projection size (0: none). */
  readonly projSize: number;
  /**
   * Each layer's and direction's parameter-name suffix (`_l0`, `_l0_reverse`, ...). The weights are
   * looked up by name at every run, so a tensor put in a parameter's place (func.functionalCall) is
   * the one used, as PyTorch's flat weights are refreshed.
   */
  private readonly _suffixes: string[] = [];

  constructor(mode: Mode, inputSize: number, hiddenSize: number, opts?: RNNOptions) {
    super();
    this.mode = mode;
    this.inputSize = positiveInt(mode, 'inputSize', inputSize);
    this.hiddenSize = positiveInt(mode, 'hiddenSize', hiddenSize);
    this.numLayers = positiveInt(mode, 'numLayers', opts?.numLayers ?? 1);
    this.bias = flag(mode, 'bias', opts?.bias, true);
    this.batchFirst = flag(mode, 'batchFirst', opts?.batchFirst, false);
    this.bidirectional = flag(mode, 'bidirectional', opts?.bidirectional, false);
    this.dropout = probability(mode, 'dropout', opts?.dropout ?? 0);
    const nonlinearity = opts?.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new ArgumentError(`${mode}: nonlinearity must be 'tanh' or 'relu', got ${fmtArg(nonlinearity)}`);
    if (mode !== 'RNN' && opts?.nonlinearity !== undefined) throw new ArgumentError(`${mode}: nonlinearity applies to nn.RNN only`);
    this.nonlinearity = nonlinearity;
    const projSize = opts?.projSize ?? 0;
    if (!Number.isInteger(projSize) || projSize < 0) throw new ArgumentError(`${mode}: projSize must be an integer >= 0, got ${fmtArg(projSize)}`);
    if (projSize > 0 && mode !== 'LSTM') throw new ArgumentError(`${mode}: projSize applies to nn.LSTM only`);
    if (projSize >= hiddenSize) throw new ArgumentError(`${mode}: projSize (${projSize}) must be smaller than hiddenSize (${hiddenSize})`);
    this.projSize = projSize;
    const dtype = checkDtypeOption(mode, opts?.dtype);
    const gates = GATES[mode] * hiddenSize;
    const directions = this.bidirectional ? 2 : 1;
    const stateSize = this.outputSize;
    // PyTorch's order: per layer, per direction: weight_ih, weight_hh, bias_ih, bias_hh, weight_hr.
    for (let layer = 0; layer < this.numLayers; layer++) {
      const layerInput = layer === 0 ? inputSize : stateSize * directions;
      for (let d = 0; d < directions; d++) {
        const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        const make = (name: string, shape: number[]): Parameter => this.registerParameter(name + suffix, new Parameter(empty(shape, dtype)));
        make('weight_ih', [gates, layerInput]);
        make('weight_hh', [gates, stateSize]);
        if (this.bias) {
          make('bias_ih', [gates]);
          make('bias_hh', [gates]);
        }
        if (projSize > 0) make('weight_hr', [projSize, hiddenSize]);
        this._suffixes.push(suffix);
      }
    }
    this.resetParameters(opts);
  }

  /**
   * The parameters per layer and direction (forward first), each as
   * [weight_ih, weight_hh, bias_ih?, bias_hh?] (PyTorch's all_weights).
   * @example `lstm.allWeights[0][0].shape  // weight_ih_l0`
   */
  get allWeights(): Parameter[][] {
    return this._suffixes.map((_, k) => {
      const w = this.layerWeights(k);
      return [w.weightIh, w.weightHh, ...(w.biasIh ? [w.biasIh] : []), ...(w.biasHh ? [w.biasHh] : []), ...(w.weightHr ? [w.weightHr] : [])];
    });
  }

  /** The parameters of layer·directions + direction k, as registered now. */
  private layerWeights(k: number): LayerWeights {
    const suffix = this._suffixes[k];
    const get = (name: string): Parameter | null => this.getParameter(name + suffix);
    return { weightIh: get('weight_ih')!, weightHh: get('weight_hh')!, biasIh: get('bias_ih'), biasHh: get('bias_hh'), weightHr: get('weight_hr') };
  }

  /** The width of h and of each direction's output: projSize when set, else hiddenSize. */
  get outputSize(): number {
    return this.projSize > 0 ? this.projSize : this.hiddenSize;
  }

  /** Re-draws the default init U(-1/√H, 1/√H) for every weight and bias. @example `lstm.resetParameters()` */
  resetParameters(opts?: FactoryOptions): void {
    resetRecurrent(this.parameters(), this.hiddenSize, opts);
  }

  private get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** run or runPacked, by the input's kind. */
  protected runAny(input: Tensor | PackedSequence, hx: Tensor[] | null): { output: Tensor | PackedSequence; finals: Tensor[] } {
    return input instanceof PackedSequence ? this.runPacked(input, hx) : this.run(input, hx);
  }

  /**
   * Runs the stack. `hx` holds the initial states (h0, and c0 for LSTM), each
   * [L·D, B, H] ([L·D, H] for unbatched input), or is null for zeros. Returns the
   * last layer's output and the final states in the same layout as hx.
   */
  protected run(input: Tensor, hx: Tensor[] | null): { output: Tensor; finals: Tensor[] } {
    const op = this.mode;
    const dtype = this.getParameter('weight_ih_l0')!.dtype;
    checkInput(op, input, dtype);
    const layout = this.batchFirst ? '[batch, time, features]' : '[time, batch, features]';
    if (input.ndim !== 3 && input.ndim !== 2) {
      throw new ShapeError(`${op}: input must be ${layout} (or unbatched [time, features]), got ${input.describe()}`);
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`${op}: input is ${input.describe()} but inputSize is ${this.inputSize}: the last dim must be ${this.inputSize}`);
    }
    const batched = input.ndim === 3;
    const x = batched ? (this.batchFirst ? transpose(input, 0, 1) : input) : unsqueeze(input, 1);
    const [T, B] = x.shape;
    if (T === 0) throw new ShapeError(`${op}: input ${input.describe()} has no time steps`);
    const initial = this.initialStates(hx, this.mode === 'LSTM' ? 2 : 1, batched, B, dtype);
    const { output: y, finals } = this.runLayers(x, initial, null);

    let output = y;
    if (!batched) output = squeeze(output, 1);
    else if (this.batchFirst) output = transpose(output, 0, 1);
    const stacked = finals.map((list) => {
      const s = stack(list, 0);
      return batched ? s : squeeze(s, 1);
    });
    return { output, finals: stacked };
  }

  /**
   * Runs a PackedSequence: unpacks it to [T, B, I] in batch order, runs the stack with each
   * sequence's state frozen past its own length, and packs the output as the input was packed.
   * hx and the final states are in batch order (as PyTorch's, whatever the sort).
   */
  protected runPacked(input: PackedSequence, hx: Tensor[] | null): { output: PackedSequence; finals: Tensor[] } {
    const op = this.mode;
    const dtype = this.getParameter('weight_ih_l0')!.dtype;
    checkInput(op, input.data, dtype);
    if (input.data.ndim !== 2 || input.data.shape[1] !== this.inputSize) {
      throw new ShapeError(`${op}: a PackedSequence's data must be [sum(lengths), ${this.inputSize}] (inputSize ${this.inputSize}), got ${input.data.describe()}`);
    }
    const { padded, lengths, repack } = unpackForRecurrent(input);
    const initial = this.initialStates(hx, this.mode === 'LSTM' ? 2 : 1, true, padded.shape[1], dtype);
    const { output, finals } = this.runLayers(padded, initial, lengths);
    return { output: repack(output), finals: finals.map((list) => stack(list, 0)) };
  }

  /**
   * The loop over layers, directions and time on x [T, B, I] from the per-layer-direction initial
   * states. With `lengths`, sequence b's state stops changing at t >= lengths[b] (a where blend):
   * the forward direction ends on its last step, and the reverse one, running from T - 1 down,
   * keeps its initial state until it reaches lengths[b] - 1, so it starts at the sequence's own end.
   * The outputs past a sequence's end are left over and must be dropped by the caller.
   */
  private runLayers(x: Tensor, initial: Tensor[][], lengths: number[] | null): { output: Tensor; finals: Tensor[][] } {
    const [T, B] = x.shape;
    const D = this.directions, stateCount = initial.length;
    // masks[t]: [B, 1] true where step t is within the sequence; null where every sequence is.
    const masks: (Tensor | null)[] = new Array(T).fill(null);
    if (lengths) {
      const shortest = Math.min(...lengths);
      for (let t = shortest; t < T; t++) {
        masks[t] = reshape(tensor(Uint8Array.from(lengths, (n) => (t < n ? 1 : 0)), { dtype: 'bool', device: x.device }), [B, 1]);
      }
    }

    const finals: Tensor[][] = Array.from({ length: stateCount }, () => []);
    for (let layer = 0; layer < this.numLayers; layer++) {
      const inSize = x.shape[2];
      const rows = reshape(x, [T * B, inSize]);
      const outputs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const w = this.layerWeights(layer * D + d);
        // LSTM and RNN add b_hh outside any product, so it joins b_ih in the one projection GEMM.
        const bias = this.mode !== 'GRU' && w.biasIh && w.biasHh ? add(w.biasIh, w.biasHh) : w.biasIh;
        const steps = splitSteps(inputProjection(rows, w.weightIh, bias), T, B);
        let state = initial.map((s) => s[layer * D + d]);
        const hs = new Array<Tensor>(T);
        for (let k = 0; k < T; k++) {
          const t = d === 0 ? k : T - 1 - k;
          const previous = state;
          if (this.mode === 'LSTM') {
            state = lstmStep(steps[t], state[0], state[1], w.weightHh);
            // LSTMP: the recurrent and output state is W_hr (o ⊙ tanh c); c keeps size H.
            if (w.weightHr) state = [matmulT(state[0], w.weightHr, false, true), state[1]];
          } else if (this.mode === 'GRU') {
            state = [gruStep(steps[t], state[0], w.weightHh, w.biasHh)];
          } else {
            // Elman: h' = act(x W_ihᵀ + b_ih + b_hh + h W_hhᵀ).
            state = [rnnStep(steps[t], state[0], w.weightHh, this.nonlinearity)];
          }
          const mask = masks[t];
          if (mask) state = state.map((s, i) => where(mask, s, previous[i]));
          hs[t] = state[0];
        }
        outputs.push(stack(hs, 0));
        state.forEach((s, i) => finals[i].push(s));
      }
      x = D === 1 ? outputs[0] : cat(outputs, 2);
      if (this.dropout > 0 && this.training && layer < this.numLayers - 1) x = dropoutFn(x, this.dropout);
    }
    return { output: x, finals };
  }

  /** Splits each initial state [L·D, B, H] into per-layer-direction [B, H] pieces (zeros when hx is null). */
  private initialStates(hx: Tensor[] | null, count: number, batched: boolean, B: number, dtype: string): Tensor[][] {
    const op = this.mode, LD = this.numLayers * this.directions;
    // With projSize, h is projSize wide and c hiddenSize wide.
    const sizes = count === 2 ? [this.outputSize, this.hiddenSize] : [this.hiddenSize];
    if (hx === null) {
      return sizes.map((H) => new Array<Tensor>(LD).fill(zeros([B, H], { dtype: dtype as 'float32' | 'float64' })));
    }
    const names = count === 2 ? ['h0', 'c0'] : ['h0'];
    return hx.map((s, i) => {
      const H = sizes[i];
      const want = batched ? [LD, B, H] : [LD, H];
      assertTensor(op, names[i], s);
      checkInput(`${op} (${names[i]})`, s, dtype);
      if (s.ndim !== want.length || s.shape.some((v, k) => v !== want[k])) {
        throw new ShapeError(`${op}: ${names[i]} is ${s.describe()} but must be ${fmtShape(want)} ([numLayers·directions, ${batched ? 'batch, ' : ''}${i === 0 && this.projSize > 0 ? 'projSize' : 'hiddenSize'}]) for input of ${batched ? `batch ${B}` : 'an unbatched sequence'}`);
      }
      return split(batched ? s : unsqueeze(s, 1), 1, 0).map((p) => reshape(p, [B, H]));
    });
  }

  protected override extraRepr(): string {
    return reprArgs([
      ['', this.inputSize], ['', this.hiddenSize],
      ['numLayers', this.numLayers > 1 ? this.numLayers : undefined],
      ['nonlinearity', this.mode === 'RNN' && this.nonlinearity === 'relu' ? 'relu' : undefined],
      ['projSize', this.projSize > 0 ? this.projSize : undefined],
      ['bias', this.bias ? undefined : false],
      ['batchFirst', this.batchFirst || undefined],
      ['dropout', this.dropout > 0 ? this.dropout : undefined],
      ['bidirectional', this.bidirectional || undefined],
    ]);
  }
}

/**
 * Cuts [T·B, G] into T pieces of B rows by halving recursively. Each cut's backward writes
 * its gradient into a zero tensor of the whole being cut, so T cuts straight off the whole
 * would cost O(T²·B·G) in backward; halving costs O(T·log T·B·G).
 */
function splitSteps(x: Tensor, steps: number, rows: number): Tensor[] {
  if (steps === 1) return [x];
  const left = steps >> 1;
  const [a, b] = split(x, [left * rows, (steps - left) * rows], 0);
  return [...splitSteps(a, left, rows), ...splitSteps(b, steps - left, rows)];
}

function flag(layer: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ArgumentError(`${layer}: ${name} must be a boolean, got ${fmtArg(v)}`);
  return v;
}

/** RNN and GRU: one hidden state, so the same call and forward signatures. */
abstract class SingleStateRNN extends RNNBase<[Tensor | PackedSequence, Tensor?], [Tensor | PackedSequence, Tensor]> {
  /** Runs forward and the hooks on a padded [T, B, I] ([B, T, I] with batchFirst) or unbatched [T, I] input. @example `const [y, h] = m.call(x)` */
  override call(input: Tensor, hx?: Tensor): [Tensor, Tensor];
  /** A PackedSequence input: a PackedSequence output, final states at each sequence's own end. @example `const [packedOut, h] = m.call(packed)` */
  override call(input: PackedSequence, hx?: Tensor): [PackedSequence, Tensor];
  /** Either input kind (the output has the same kind). @example `const [y, h] = m.call(input)` */
  override call(input: Tensor | PackedSequence, hx?: Tensor): [Tensor | PackedSequence, Tensor];
  override call(...args: [Tensor | PackedSequence, Tensor?]): [Tensor | PackedSequence, Tensor] {
    return super.call(...args);
  }

  /** A padded [T, B, I] ([B, T, I] with batchFirst) or unbatched [T, I] input. @example `const [y, h] = m.forward(x)` */
  forward(input: Tensor, hx?: Tensor): [Tensor, Tensor];
  /** A PackedSequence input: a PackedSequence output, final states at each sequence's own end. @example `const [packedOut, h] = m.forward(packed)` */
  forward(input: PackedSequence, hx?: Tensor): [PackedSequence, Tensor];
  /** Either input kind (the output has the same kind). @example `const [y, h] = m.forward(input)` */
  forward(input: Tensor | PackedSequence, hx?: Tensor): [Tensor | PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, hx?: Tensor): [Tensor | PackedSequence, Tensor] {
    const { output, finals } = this.runAny(input, hx === undefined ? null : [hx]);
    return [output, finals[0]];
  }
}

/**
 * Multi-layer Elman RNN: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu with
 * `nonlinearity: 'relu'`). forward(input, h0?) with input [T, B, I] ([B, T, I] with batchFirst,
 * or unbatched [T, I]) and h0 [L·D, B, H] (zeros when omitted) returns [output [T, B, D·H], hN].
 * A PackedSequence input (nn.utils.rnn.packPaddedSequence) gives a PackedSequence output and each
 * sequence's state at its own last step in hN.
 * @example `const rnn = new nn.RNN(8, 16, { nonlinearity: 'relu', numLayers: 2 }); const [y, h] = rnn.call(x)`
 */
export class RNN extends SingleStateRNN {
  constructor(inputSize: number, hiddenSize: number, opts?: RNNOptions) {
    super('RNN', inputSize, hiddenSize, opts);
  }
}

/**
 * Multi-layer LSTM (gates i, f, g, o; see LSTMCell); with `projSize` an LSTM with projection
 * (h = W_hr h̃, output and h projSize wide). forward(input, [h0, c0]?) with input
 * [T, B, I] ([B, T, I] with batchFirst, or unbatched [T, I]) and states [L·D, B, H]
 * (zeros when omitted) returns [output [T, B, D·H], [hN, cN]], D = 2 when bidirectional.
 * A PackedSequence input (nn.utils.rnn.packPaddedSequence) gives a PackedSequence output and each
 * sequence's states at its own last step in hN and cN.
 * @example `const lstm = new nn.LSTM(16, 32, { numLayers: 2, bidirectional: true }); const [y, [h, c]] = lstm.call(x)`
 */
export class LSTM extends RNNBase<[Tensor | PackedSequence, [Tensor, Tensor]?], [Tensor | PackedSequence, [Tensor, Tensor]]> {
  constructor(inputSize: number, hiddenSize: number, opts?: RNNOptions) {
    super('LSTM', inputSize, hiddenSize, opts);
  }

  /** Runs forward and the hooks on a padded [T, B, I] ([B, T, I] with batchFirst) or unbatched [T, I] input. @example `const [y, [h, c]] = lstm.call(x)` */
  override call(input: Tensor, hx?: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]];
  /** A PackedSequence input: a PackedSequence output, final states at each sequence's own end. @example `const [packedOut, [h, c]] = m.call(packed)` */
  override call(input: PackedSequence, hx?: [Tensor, Tensor]): [PackedSequence, [Tensor, Tensor]];
  /** Either input kind (the output has the same kind). @example `const [y, [h, c]] = m.call(input)` */
  override call(input: Tensor | PackedSequence, hx?: [Tensor, Tensor]): [Tensor | PackedSequence, [Tensor, Tensor]];
  override call(...args: [Tensor | PackedSequence, [Tensor, Tensor]?]): [Tensor | PackedSequence, [Tensor, Tensor]] {
    return super.call(...args);
  }

  /** A padded [T, B, I] ([B, T, I] with batchFirst) or unbatched [T, I] input. @example `const [y, [h, c]] = m.forward(x)` */
  forward(input: Tensor, hx?: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]];
  /** A PackedSequence input: a PackedSequence output, final states at each sequence's own end. @example `const [packedOut, [h, c]] = m.forward(packed)` */
  forward(input: PackedSequence, hx?: [Tensor, Tensor]): [PackedSequence, [Tensor, Tensor]];
  /** Either input kind (the output has the same kind). @example `const [y, [h, c]] = m.forward(input)` */
  forward(input: Tensor | PackedSequence, hx?: [Tensor, Tensor]): [Tensor | PackedSequence, [Tensor, Tensor]];
  forward(input: Tensor | PackedSequence, hx?: [Tensor, Tensor]): [Tensor | PackedSequence, [Tensor, Tensor]] {
    if (hx !== undefined && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new ArgumentError(`LSTM: hx must be a pair [h0, c0], got ${Array.isArray(hx) ? `${hx.length} tensors` : typeof hx}`);
    }
    const { output, finals } = this.runAny(input, hx ?? null);
    return [output, [finals[0], finals[1]]];
  }
}

/**
 * Multi-layer GRU (gates r, z, n; see GRUCell). forward(input, h0?) with input [T, B, I]
 * ([B, T, I] with batchFirst, or unbatched [T, I]) and h0 [L·D, B, H] (zeros when omitted)
 * returns [output [T, B, D·H], hN], D = 2 when bidirectional.
 * A PackedSequence input (nn.utils.rnn.packPaddedSequence) gives a PackedSequence output and each
 * sequence's state at its own last step in hN.
 * @example `const gru = new nn.GRU(16, 32, { batchFirst: true }); const [y, h] = gru.call(x)`
 */
export class GRU extends SingleStateRNN {
  constructor(inputSize: number, hiddenSize: number, opts?: RNNOptions) {
    super('GRU', inputSize, hiddenSize, opts);
  }
}
