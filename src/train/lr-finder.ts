/**
 * Learning-rate range test (Smith, 2017): raise the learning rate
 * exponentially from `start` to `end` over `steps` batches, record the
 * smoothed loss, and suggest the rate where it falls fastest. The model and
 * optimizer are restored afterwards.
 */
import { ArgumentError } from '../errors';
import type { AnyModule } from '../nn/module';
import type { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';
import { releaseBatch } from '../data/loader';
import { unpack } from './evaluate';
import { renderSvg } from './report';
import { restoreSnapshot, takeSnapshot } from './state-copy';
import type { Batch, BatchSource, OptimizerLike } from './types';

/** Optimizer, loss, range and stopping rule of `lrFinder`. @example `lrFinder(model, loader, { optimizer, loss: crossEntropy, start: 1e-7, end: 10 })` */
export interface LrFinderOptions {
  optimizer: OptimizerLike;
  /** loss(output, target) as a 0-d tensor. @example `loss: (out, y) => crossEntropy(out, y)` */
  loss: (output: Tensor, target: Tensor) => Tensor;
  start?: number;
  end?: number;
  steps?: number;
  /** Exponential smoothing of the loss (default 0.98, as fastai). */
  smoothing?: number;
  /** Stop when the smoothed loss exceeds this multiple of the best (default 4). */
  divergeFactor?: number;
}

/** The learning rates tried, their smoothed losses and the suggestion. @example `const { suggestion } = await lrFinder(model, loader, opts)` */
export interface LrFinderResult {
  lrs: number[];
  losses: number[];
  /** The rate at the steepest descent of the smoothed loss (log-lr scale). */
  suggestion: number;
  /** A Vega-Lite spec of loss vs learning rate, for writeReport's extraCharts. */
  chart: Record<string, unknown>;
  /** The chart rendered to a standalone SVG string (write it to a .svg file or embed it). */
  svg(): Promise<string>;
}

/**
 * @example
 * const { suggestion } = await lrFinder(model, loader, { optimizer, loss: crossEntropy });
 */
export async function lrFinder(model: AnyModule, data: BatchSource, opts: LrFinderOptions): Promise<LrFinderResult> {
  if (!model || typeof (model as { call?: unknown }).call !== 'function') throw new ArgumentError('lrFinder(model, data, options): model must be an nn.Module');
  const iterable = (v: unknown): boolean => !!v && (typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function');
  if (!iterable(data)) {
    const looksLikeOptions = !!data && typeof data === 'object' && 'optimizer' in data && opts === undefined;
    throw new ArgumentError(looksLikeOptions
      ? 'lrFinder(model, data, options): the data argument is missing (the options came second); pass a DataLoader or an iterable of [x, y] batches before the options'
      : `lrFinder(model, data, options): data must be a DataLoader or an (async) iterable of [x, y] batches, got ${data === null ? 'null' : typeof data}`);
  }
  if (!opts || typeof opts !== 'object' || typeof opts.optimizer?.step !== 'function' || typeof opts.loss !== 'function') {
    throw new ArgumentError('lrFinder(model, data, options): options must hold an optimizer and a loss function');
  }
  const start = opts.start ?? 1e-7, end = opts.end ?? 10, steps = opts.steps ?? 100;
  if (!(start > 0) || !(end > start)) throw new ArgumentError(`lrFinder: need 0 < start < end, got start ${start}, end ${end}`);
  if (!Number.isInteger(steps) || steps < 5) throw new ArgumentError(`lrFinder: steps must be an integer >= 5, got ${steps}`);
  const smoothing = opts.smoothing ?? 0.98, diverge = opts.divergeFactor ?? 4;
  const params = model.parameters();
  const buffers = model.buffers();  // BatchNorm's running statistics change during the test too
  const saved = takeSnapshot(params, opts.optimizer, buffers);
  const savedLrs = opts.optimizer.paramGroups.map((g) => g.lr);
  const lrs: number[] = [], losses: number[] = [];
  let avg = 0, best = Infinity, k = 0;
  model.train();
  try {
    outer: for (;;) {
      let any = false;
      for await (const batch of data as AsyncIterable<Batch>) {
        any = true;
        const lr = start * (end / start) ** (k / (steps - 1));
        for (const g of opts.optimizer.paramGroups) g.lr = lr;
        const [x, y] = unpack(batch);
        const loss = tidy(() => {
          for (const p of params) { p.grad?.dispose(); p.grad = null; }
          const l = opts.loss(model.call(x) as Tensor, y);
          l.backward();
          opts.optimizer.step();
          return l.item();
        });
        releaseBatch(batch);
        avg = smoothing * avg + (1 - smoothing) * loss;
        const smoothed = avg / (1 - smoothing ** (k + 1));
        lrs.push(lr);
        losses.push(smoothed);
        best = Math.min(best, smoothed);
        k++;
        if (k >= steps || !Number.isFinite(smoothed) || smoothed > diverge * best) break outer;
      }
      if (!any) throw new ArgumentError('lrFinder: the data source yielded no batches');
    }
  } finally {
    restoreSnapshot(saved, params, opts.optimizer, buffers);
    opts.optimizer.paramGroups.forEach((g, i) => { g.lr = savedLrs[i]; });
  }
  // Steepest descent of the smoothed loss against log(lr), ignoring the noisy first 10% and the blow-up at the end.
  let bestSlope = Infinity, suggestion = lrs[Math.floor(lrs.length / 2)];
  const from = Math.max(1, Math.floor(lrs.length * 0.1));
  const to = losses.findIndex((l, i) => i > from && (!Number.isFinite(l) || l > 2 * best));
  const stop = to > 0 ? to : losses.length;
  for (let i = from; i < stop - 1; i++) {
    const slope = (losses[i + 1] - losses[i - 1]) / (Math.log(lrs[i + 1]) - Math.log(lrs[i - 1]));
    if (slope < bestSlope) { bestSlope = slope; suggestion = lrs[i]; }
  }
  const chart = {
    width: 520, height: 240,
    data: { values: lrs.map((lr, i) => ({ lr, loss: losses[i] })).filter((r) => Number.isFinite(r.loss)) },
    layer: [
      { mark: 'line', encoding: { x: { field: 'lr', type: 'quantitative', scale: { type: 'log' }, title: 'learning rate (log)' }, y: { field: 'loss', type: 'quantitative', title: 'smoothed loss' } } },
      { data: { values: [{ lr: suggestion }] }, mark: { type: 'rule', color: 'red' }, encoding: { x: { field: 'lr', type: 'quantitative' } } },
    ],
  };
  return { lrs, losses, suggestion, chart, svg: () => renderSvg(chart) };
}
