/** A terminal progress bar with loss, accuracy, samples/s and ETA (cli-progress). */
import cliProgress from 'cli-progress';
import type { Callback, EpochLogs, StepLogs, TrainContext } from '../types';

/** Output stream of the progress bar. @example `new ProgressBar({ stream: process.stderr })` */
export interface ProgressBarOptions {
  /** Where to draw (default process.stderr). */
  stream?: NodeJS.WritableStream;
  /** Redraw at most this often, ms (default 100). */
  throttleMs?: number;
}

const pct = (x: number | undefined) => (x === undefined ? '  -  ' : `${(100 * x).toFixed(1)}%`);
/** The privacy budget spent, when a DP run puts it in the logs. */
const epsText = (eps: number | undefined) => (eps === undefined ? '' : ` | ε ${eps.toFixed(2)}`);

/**
 * Draws one bar per epoch. cli-progress is used because it handles terminal
 * widths, throttled redraws and non-TTY output already.
 * @example `await fit(model, { ..., callbacks: [new ProgressBar()] })`
 */
export class ProgressBar implements Callback {
  private bar: cliProgress.SingleBar | null = null;
  private readonly stream: NodeJS.WritableStream;
  private readonly throttleMs: number;
  private lossAvg = 0;
  private accAvg: number | undefined;
  private seen = 0;

  constructor(opts: ProgressBarOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.throttleMs = opts.throttleMs ?? 100;
  }

  onEpochBegin(ctx: TrainContext, epoch: number): void {
    this.lossAvg = 0;
    this.accAvg = undefined;
    this.seen = 0;
    this.bar = new cliProgress.SingleBar({
      format: `epoch ${epoch + 1}/${ctx.epochs} {bar} {value}/{total} | loss {loss} | acc {acc} | {speed} samples/s{eps} | ETA {eta_formatted}`,
      stream: this.stream,
      fps: Math.max(1, Math.round(1000 / this.throttleMs)),
      hideCursor: false,
      clearOnComplete: false,
      etaBuffer: 50,
    }, cliProgress.Presets.shades_classic);
    this.bar.start(ctx.stepsPerEpoch ?? 0, 0, { loss: '-', acc: '-', speed: '-', eps: '' });
  }

  onBatchEnd(_ctx: TrainContext, logs: StepLogs): void {
    if (logs.nonFinite === undefined) {
      this.seen++;
      // Running means over the epoch, as Keras shows them.
      this.lossAvg += (logs.loss - this.lossAvg) / this.seen;
      if (logs.accuracy !== undefined) this.accAvg = (this.accAvg ?? 0) + (logs.accuracy - (this.accAvg ?? 0)) / this.seen;
    }
    this.bar?.increment(1, { loss: this.lossAvg.toFixed(4), acc: pct(this.accAvg), speed: Math.round(logs.samplesPerSecond), eps: epsText(logs.epsilon) });
  }

  onEpochEnd(_ctx: TrainContext, logs: EpochLogs): void {
    this.bar?.stop();
    this.bar = null;
    const val = logs.valLoss === undefined ? '' : ` | val loss ${logs.valLoss.toFixed(4)} | val acc ${pct(logs.valAccuracy)}`;
    this.stream.write(`epoch ${logs.epoch + 1}: loss ${logs.loss.toFixed(4)} | acc ${pct(logs.accuracy)}${val}${epsText(logs.epsilon)} | ${logs.seconds.toFixed(1)} s\n`);
  }

  onTrainEnd(): void {
    this.bar?.stop();
  }
}
