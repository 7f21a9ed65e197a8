/**
 * CtcBlankMonitor: watches a CTC model for the *blank stall*, the plateau in
 * which every frame's most likely class is the blank, so greedy decoding
 * emits nothing while the loss creeps down slowly. Each update records the
 * blank-emission rate (share of valid frames whose argmax is the blank) and
 * the mean greedy output length (labels per sequence after collapsing), and
 * warns once the model has emitted only blanks (rate >= `threshold`, default
 * 1) for `patience` consecutive updates. Its fixes: a blank-bias
 * initialisation at the blank's prior (`nn.CtcHead`'s `blankBias`), or a
 * different learning rate.
 */
import { ArgumentError, ShapeError, fmtArg } from '../../errors';
import { ctcGreedyDecode } from '../../losses/ctc';
import { assertTensor } from '../../ops/util';
import type { Tensor } from '../../tensor/tensor';

/** CtcBlankMonitor's options: the blank class (default 0), the blank rate that counts as a stalled update (default 1, only blanks), the consecutive stalled updates before it warns (default 50), and a warning callback. @example `new train.CtcBlankMonitor({ blank: 0, threshold: 0.99, patience: 100, onWarning: console.warn })` */
export interface CtcBlankMonitorOptions {
  /** The blank class (default 0). */
  blank?: number;
  /** A blank rate at or above this counts as a stalled update (default 1: only blanks). */
  threshold?: number;
  /** Consecutive stalled updates before the warning (default 50). */
  patience?: number;
  /** Called with the warning (default: collected in `warnings` only). */
  onWarning?: (message: string) => void;
}

/** One CtcBlankMonitor update: the step, the share of valid frames whose argmax is the blank, the mean greedy-decode length, and the loss when given. @example `const last = monitor.records.at(-1); console.log(last?.blankRate, last?.meanOutputLength)` */
export interface CtcBlankRecord {
  step: number;
  /** Share of valid frames whose most likely class is the blank. */
  blankRate: number;
  /** Mean length of the greedy decodes. */
  meanOutputLength: number;
  /** The loss, when passed to update(). */
  loss?: number;
}

/**
 * Watches a CTC model's log-probabilities for the blank stall and warns when it persists.
 * @example
 * const monitor = new train.CtcBlankMonitor({ patience: 100 });
 * // in the training loop, after the forward pass:
 * monitor.update(logProbs, inputLengths, { step, loss: loss.item() });
 * if (monitor.stalled) console.log(monitor.warnings[0]);
 */
export class CtcBlankMonitor {
  readonly records: CtcBlankRecord[] = [];
  readonly warnings: string[] = [];
  private readonly blank: number;
  private readonly threshold: number;
  private readonly patience: number;
  private readonly onWarning?: (message: string) => void;
  private streak = 0;
  private warned = false;

  constructor(opts: CtcBlankMonitorOptions = {}) {
    this.blank = opts.blank ?? 0;
    this.threshold = opts.threshold ?? 1;
    this.patience = opts.patience ?? 50;
    if (!Number.isInteger(this.blank) || this.blank < 0) throw new ArgumentError(`CtcBlankMonitor: blank must be an integer >= 0, got ${fmtArg(opts.blank)}`);
    if (typeof this.threshold !== 'number' || !(this.threshold > 0 && this.threshold <= 1)) throw new ArgumentError(`CtcBlankMonitor: threshold must be in (0, 1], got ${fmtArg(opts.threshold)}`);
    if (!Number.isInteger(this.patience) || this.patience < 1) throw new ArgumentError(`CtcBlankMonitor: patience must be a positive integer, got ${fmtArg(opts.patience)}`);
    this.onWarning = opts.onWarning;
  }

  /** True while the current run of stalled updates has reached `patience`. */
  get stalled(): boolean {
    return this.streak >= this.patience;
  }

  /** Consecutive stalled updates so far. */
  get stalledFor(): number {
    return this.streak;
  }

  /**
   * Records one batch of log-probabilities [T, N, C] (or [T, C]) with its input lengths; returns the record.
   * @example `const { blankRate, meanOutputLength } = monitor.update(logProbs, inputLengths, { step })`
   */
  update(logProbs: Tensor, inputLengths?: Tensor | readonly number[] | Int32Array, opts: { step?: number; loss?: number } = {}): CtcBlankRecord {
    const op = 'CtcBlankMonitor.update';
    assertTensor(op, 'logProbs', logProbs);
    if (logProbs.ndim !== 3 && logProbs.ndim !== 2) throw new ShapeError(`${op}: logProbs must be [T, N, C] (or [T, C]), got ${logProbs.describe()}`);
    const decoded = ctcGreedyDecode(logProbs, inputLengths, { blank: this.blank });
    const [T, N, C] = logProbs.ndim === 2 ? [logProbs.shape[0], 1, logProbs.shape[1]] : logProbs.shape;
    const lengths = inputLengths === undefined ? new Array<number>(N).fill(T) : Array.from(Array.isArray(inputLengths) || inputLengths instanceof Int32Array ? inputLengths : (inputLengths as Tensor).values);
    const v = logProbs.values;
    let frames = 0, blanks = 0;
    for (let n = 0; n < N; n++) {
      for (let t = 0; t < lengths[n]; t++) {
        const base = (t * N + n) * C;
        let best = 0;
        for (let c = 1; c < C; c++) if (v[base + c] > v[base + best]) best = c;
        frames++;
        if (best === this.blank) blanks++;
      }
    }
    const record: CtcBlankRecord = {
      step: opts.step ?? this.records.length,
      blankRate: frames ? blanks / frames : 0,
      meanOutputLength: decoded.reduce((s, d) => s + d.length, 0) / Math.max(1, decoded.length),
    };
    if (opts.loss !== undefined) record.loss = opts.loss;
    this.records.push(record);
    this.streak = record.blankRate >= this.threshold ? this.streak + 1 : 0;
    if (this.streak >= this.patience && !this.warned) {
      this.warned = true;
      const message = `step ${record.step}: the CTC model has emitted ${this.threshold === 1 ? 'only blanks' : `blanks on >= ${(100 * this.threshold).toFixed(0)}% of frames`} for ${this.streak} updates (greedy output length ${record.meanOutputLength.toFixed(2)}): ` +
        'the blank stall; initialise the blank logit at its prior (nn.CtcHead blankBias), or change the learning rate';
      this.warnings.push(message);
      this.onWarning?.(message);
    }
    return record;
  }
}
