/**
 * DriftMonitor: concept-drift detection and adaptation for a model in use.
 * It feeds a stream (per-sample error bits, per-batch losses or error rates)
 * to one or more detectors from `drift`, optionally tests embeddings for a
 * distribution shift (no labels needed), and on a drift runs the configured
 * policies: alert, reset the optimizer's state, retrain on the recent labeled
 * window, or roll back to the last good snapshot. Every event goes to
 * metrics.jsonl (through a MetricsLogger or a path) and into a report chart
 * of the stream with the detections marked.
 *
 * It works as a fit() callback (the signal comes from each step's logs) or
 * by hand in a serving/prequential loop (`update`, `observe`, `observeEmbeddings`).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DriftDetector } from '../drift/detector';
import { ksPerFeature, mmdPermutationTest } from '../drift/two-sample';
import { ArgumentError, fmtArg } from '../errors';
import type { AnyModule } from '../nn/module';
import { cat } from '../ops/shape';
import { Tensor } from '../tensor/tensor';
import { keep, tidy } from '../tensor/tidy';
import type { MetricsLogger } from './callbacks/metrics-logger';
import { writeReport } from './report';
import { restoreSnapshot, takeSnapshot, type Snapshot } from './state-copy';
import type { Callback, OptimizerLike, StepLogs, TrainContext } from './types';

/** What to do when the trigger detector signals a drift. */
export type DriftPolicy = 'alert' | 'resetOptimizer' | 'retrain' | 'rollback';

/** One DriftMonitor event (also a metrics.jsonl line): its kind (detector drift or warning, embedding shift, deferred retrain), stream position, fit step, the detector or test that fired, its evidence, and the policies run. @example `new train.DriftMonitor({ detectors: new drift.ADWIN(), onEvent: (e) => console.log(e.kind, e.position, e.detector, e.actions) })` */
export interface DriftEvent {
  /** 'drift' and 'warning' come from detectors, 'shift' from the embedding test, 'retrain' marks a deferred retrain (retrainAfter). */
  kind: 'drift' | 'warning' | 'shift' | 'retrain';
  /** The stream position: values fed to update() so far, or for a 'shift' the embedding rows observed so far. */
  position: number;
  /** fit()'s global step, when running inside fit. */
  step?: number;
  /** The detector's key (or 'mmd' / 'ks' for a shift test). */
  detector: string;
  /** The numbers behind the decision (the detector's evidence(), or the test's statistic and p-value). */
  evidence: Record<string, number>;
  /** The policies run for this event. */
  actions: DriftPolicy[];
}

/** DriftMonitor's shift test on embeddings (Rabanser et al. 2019, "Failing Loudly"): 'mmd' (permutation test, default) or 'ks' (per feature, Bonferroni), the reference and recent window sizes, how often it tests, the significance, and the MMD permutations. @example `new train.DriftMonitor({ detectors: new drift.ADWIN(), shiftTest: { test: 'mmd', referenceSize: 500, windowSize: 200, alpha: 0.01 } })` */
export interface ShiftTestOptions {
  /** 'mmd' (default; for embeddings) or 'ks' (per feature, Bonferroni). */
  test?: 'mmd' | 'ks';
  /** Rows of the reference window, taken from the first embeddings seen (default 200). */
  referenceSize?: number;
  /** Rows of the recent window tested against it (default 200). */
  windowSize?: number;
  /** Test after every this many new rows (default windowSize). */
  every?: number;
  /** Significance (default 0.01). */
  alpha?: number;
  /** MMD permutations (default 100). */
  numPermutations?: number;
}

/** DriftMonitor's options: the detectors and the signal fed to them inside fit(), the policies ('alert', 'resetOptimizer', 'retrain', 'rollback') and which detector triggers them, the model/optimizer/loss used outside fit(), the retrain window and schedule, the rollback snapshot period, where events are logged, an event callback, and an optional shift test on embeddings. @example `new train.DriftMonitor({ detectors: { ddm: new drift.DDM() }, signal: 'error', policies: ['alert', 'retrain'], loss, windowSize: 2000 })` */
export interface DriftMonitorOptions {
  /** One detector, or several by name. Each sees every value. */
  detectors: DriftDetector | Record<string, DriftDetector>;
  /** Inside fit(): the value fed per step, 'error' (1 − batch accuracy, default), 'loss', or a function of the logs. */
  signal?: 'error' | 'loss' | ((logs: StepLogs) => number);
  /** Policies run on a drift of the trigger detector (default ['alert']). */
  policies?: DriftPolicy[];
  /** Which detector's drift runs the policies (default: any). */
  trigger?: string;
  /** The model and optimizer, when used outside fit() (inside, fit's are used). */
  model?: AnyModule;
  optimizer?: OptimizerLike;
  /** loss(output, target) for 'retrain'. */
  loss?: (output: Tensor, target: Tensor) => Tensor;
  /** Labeled samples kept for 'retrain' (default 1000). */
  windowSize?: number;
  /** Passes over the window per retrain (default 2) and its batch size (default 64). */
  retrainEpochs?: number;
  retrainBatchSize?: number;
  /**
   * Labeled samples to wait for after a drift before retraining, on those samples only (default 0:
   * retrain at once on the whole window, which then still holds mostly the old concept).
   */
  retrainAfter?: number;
  /** Values between "last good" snapshots for 'rollback', taken only while no detector warns (default 200). */
  snapshotEvery?: number;
  /** Where events are written: a MetricsLogger (its metrics.jsonl) or a JSONL path appended to. */
  logger?: MetricsLogger;
  logPath?: string;
  /** Called for every event, after its policies ran. */
  onEvent?: (event: DriftEvent) => void;
  /** Shift test on embeddings passed to observeEmbeddings(). */
  shiftTest?: ShiftTestOptions;
}

/** A kept labeled batch for retraining (clones, out of tidy). */
interface LabeledBatch { x: Tensor; y: Tensor; position: number }

/**
 * Watches a stream for drift and adapts the model.
 * @example
 * const monitor = new train.DriftMonitor({ detectors: { adwin: new drift.ADWIN() }, policies: ['alert', 'resetOptimizer'] });
 * await train.fit(model, { optimizer, loss, trainData, callbacks: [monitor] });
 */
export class DriftMonitor implements Callback {
  readonly detectors: Record<string, DriftDetector>;
  readonly policies: DriftPolicy[];
  /** Every event so far. */
  readonly events: DriftEvent[] = [];
  /** The stream: position and value of every update (for the chart). */
  readonly series: { position: number; value: number }[] = [];
  private readonly opts: DriftMonitorOptions;
  private model?: AnyModule;
  private optimizer?: OptimizerLike;
  private position = 0;
  private fitStep?: number;
  private warned = new Set<string>();
  private window: LabeledBatch[] = [];
  private windowRows = 0;
  private snapshot: Snapshot | null = null;
  private sinceSnapshot = 0;
  private reference: Tensor | null = null;
  private recent: Tensor[] = [];
  private recentRows = 0;
  private sinceTest = 0;
  private embeddingRows = 0;
  /** Position of the drift whose deferred retrain is pending, or null. */
  private pendingRetrain: number | null = null;

  constructor(opts: DriftMonitorOptions) {
    if (!opts || !opts.detectors) throw new ArgumentError('DriftMonitor: options.detectors is required (a detector or { name: detector })');
    const d = opts.detectors as DriftDetector;
    this.detectors = typeof d.update === 'function' ? { [d.name]: d } : { ...(opts.detectors as Record<string, DriftDetector>) };
    for (const [k, v] of Object.entries(this.detectors)) {
      if (!v || typeof v.update !== 'function') throw new ArgumentError(`DriftMonitor: detectors.${k} is not a drift detector`);
    }
    this.policies = opts.policies ?? ['alert'];
    for (const p of this.policies) {
      if (!['alert', 'resetOptimizer', 'retrain', 'rollback'].includes(p)) throw new ArgumentError(`DriftMonitor: unknown policy '${fmtArg(p)}'; expected alert, resetOptimizer, retrain or rollback`);
    }
    if (opts.trigger !== undefined && !(opts.trigger in this.detectors)) throw new ArgumentError(`DriftMonitor: trigger '${opts.trigger}' is not one of the detectors (${Object.keys(this.detectors).join(', ')})`);
    if (this.policies.includes('retrain') && typeof opts.loss !== 'function') throw new ArgumentError("DriftMonitor: the 'retrain' policy needs options.loss");
    if (opts.retrainAfter !== undefined && !(Number.isInteger(opts.retrainAfter) && opts.retrainAfter >= 0 && opts.retrainAfter <= (opts.windowSize ?? 1000))) {
      throw new ArgumentError(`DriftMonitor: retrainAfter must be an integer in [0, windowSize = ${opts.windowSize ?? 1000}], got ${opts.retrainAfter}`);
    }
    const perms = opts.shiftTest?.numPermutations ?? 100, alpha = opts.shiftTest?.alpha ?? 0.01;
    if ((opts.shiftTest?.test ?? 'mmd') === 'mmd' && 1 / (1 + perms) >= alpha) {
      throw new ArgumentError(`DriftMonitor: with ${perms} permutations the smallest MMD p-value is 1/${perms + 1}, which never falls below alpha = ${alpha}; use more permutations`);
    }
    this.opts = opts;
    this.model = opts.model;
    this.optimizer = opts.optimizer;
    if (opts.logPath) mkdirSync(dirname(opts.logPath), { recursive: true });
  }

  /** Values seen so far. @example `monitor.seen` */
  get seen(): number { return this.position; }

  /**
   * Feeds one value or several (in order) to every detector; runs the policies on a drift.
   * Returns the events these values raised.
   * @example `monitor.update(errorsOfThisBatch) // e.g. [0, 1, 0, 0]`
   */
  update(values: number | ArrayLike<number>): DriftEvent[] {
    const list = typeof values === 'number' ? [values] : Array.from(values);
    const raised: DriftEvent[] = [];
    for (const value of list) {
      this.position++;
      this.series.push({ position: this.position, value });
      let triggered = false;
      const drifts: DriftEvent[] = [];
      for (const [name, det] of Object.entries(this.detectors)) {
        const s = det.update(value);
        if (s.drift) {
          this.warned.delete(name);
          drifts.push(this.makeEvent('drift', name, det.evidence()));
          if (this.opts.trigger === undefined || this.opts.trigger === name) triggered = true;
        } else if (s.warning && !this.warned.has(name)) {
          this.warned.add(name);
          raised.push(this.emit(this.makeEvent('warning', name, det.evidence())));
        } else if (!s.warning) {
          this.warned.delete(name);
        }
      }
      if (triggered) {
        const actions = this.runPolicies();
        // The trigger's event carries the actions; the others were along for the ride.
        for (const e of drifts) if (this.opts.trigger === undefined || this.opts.trigger === e.detector) e.actions = actions;
      }
      for (const e of drifts) raised.push(this.emit(e));
      if (++this.sinceSnapshot >= (this.opts.snapshotEvery ?? 200) && this.warned.size === 0 && drifts.length === 0) this.takeGoodSnapshot();
    }
    return raised;
  }

  /**
   * Keeps a labeled batch in the recent window that 'retrain' trains on (copies; the oldest are dropped).
   * @example `monitor.observe(x, y)`
   */
  observe(x: Tensor, y: Tensor): void {
    if (!(x instanceof Tensor) || !(y instanceof Tensor) || x.shape[0] !== y.shape[0]) {
      throw new ArgumentError(`DriftMonitor.observe: x and y must be tensors with the same first dimension, got ${x instanceof Tensor ? x.describe() : String(x)} and ${y instanceof Tensor ? y.describe() : String(y)}`);
    }
    const copy = (t: Tensor) => keep(Tensor.fromData(t.values.slice(), t.shape.slice(), t.dtype));
    this.window.push({ x: copy(x), y: copy(y), position: this.position });
    this.windowRows += x.shape[0];
    if (this.pendingRetrain !== null) {
      const fresh = this.window.filter((b) => b.position >= this.pendingRetrain!).reduce((n, b) => n + b.x.shape[0], 0);
      if (fresh >= this.opts.retrainAfter!) {
        const from = this.pendingRetrain;
        this.pendingRetrain = null;
        this.retrain(from);
        this.emit({ ...this.makeEvent('retrain', 'monitor', { samples: fresh, since: from }), actions: ['retrain'] });
      }
    }
    const limit = this.opts.windowSize ?? 1000;
    while (this.window.length > 1 && this.windowRows - this.window[0].x.shape[0] >= limit) {
      const old = this.window.shift()!;
      this.windowRows -= old.x.shape[0];
      old.x.dispose(); old.y.dispose();
    }
  }

  /**
   * Adds unlabeled embeddings [N, D] (e.g. a penultimate layer) to the shift test: the first
   * `referenceSize` rows are the reference, then the newest `windowSize` rows are tested every `every` rows.
   * @example `monitor.observeEmbeddings(model.features(x))`
   */
  observeEmbeddings(z: Tensor): DriftEvent[] {
    const cfg = this.opts.shiftTest ?? {};
    if (!(z instanceof Tensor) || z.shape.length !== 2) throw new ArgumentError(`DriftMonitor.observeEmbeddings: expected a 2-D tensor [N, D], got ${z instanceof Tensor ? z.describe() : String(z)}`);
    const refSize = cfg.referenceSize ?? 200, winSize = cfg.windowSize ?? 200, every = cfg.every ?? winSize;
    const rows = Tensor.fromData(Float32Array.from(z.values as ArrayLike<number>), z.shape.slice(), 'float32');
    this.embeddingRows += rows.shape[0];
    if (this.reference === null || this.reference.shape[0] < refSize) {
      const merged = this.reference ? tidy(() => cat([this.reference!, rows], 0)) : rows;
      this.reference?.dispose();
      this.reference = keep(merged.shape[0] > refSize ? tidy(() => merged.narrow(0, 0, refSize).contiguous()) : merged);
      return [];
    }
    this.recent.push(keep(rows));
    this.recentRows += rows.shape[0];
    while (this.recentRows - this.recent[0].shape[0] >= winSize) {
      const old = this.recent.shift()!;
      this.recentRows -= old.shape[0];
      old.dispose();
    }
    this.sinceTest += rows.shape[0];
    if (this.recentRows < winSize || this.sinceTest < every) return [];
    this.sinceTest = 0;
    const recent = tidy(() => { const all = cat(this.recent, 0); return all.narrow(0, all.shape[0] - winSize, winSize).contiguous(); });
    const test = cfg.test ?? 'mmd';
    const r = test === 'mmd'
      ? mmdPermutationTest(this.reference, recent, { alpha: cfg.alpha ?? 0.01, numPermutations: cfg.numPermutations ?? 100, seed: this.embeddingRows })
      : ksPerFeature(this.reference, recent, { alpha: cfg.alpha ?? 0.01 });
    recent.dispose();
    if (!r.drift) return [];
    return [this.emit({ ...this.makeEvent('shift', test, { statistic: r.statistic, pValue: r.pValue }), position: this.embeddingRows })];
  }

  private makeEvent(kind: DriftEvent['kind'], detector: string, evidence: Record<string, number>): DriftEvent {
    return { kind, position: this.position, ...(this.fitStep !== undefined ? { step: this.fitStep } : {}), detector, evidence: { ...evidence }, actions: kind === 'drift' && this.policies.includes('alert') ? ['alert'] : [] };
  }

  private emit(e: DriftEvent): DriftEvent {
    this.events.push(e);
    const record = { type: 'drift', ...e };
    if (this.opts.logger) this.opts.logger.log(record);
    else if (this.opts.logPath) appendFileSync(this.opts.logPath, JSON.stringify(record) + '\n');
    this.opts.onEvent?.(e);
    return e;
  }

  private params() {
    if (!this.model) throw new ArgumentError('DriftMonitor: this policy needs a model (options.model, or run inside fit())');
    return this.model.parameters().filter((p) => p.requiresGrad);
  }

  private takeGoodSnapshot(): void {
    this.sinceSnapshot = 0;
    if (!this.policies.includes('rollback') || !this.model || !this.optimizer) return;
    this.snapshot = takeSnapshot(this.params(), this.optimizer);
  }

  private runPolicies(): DriftPolicy[] {
    const done: DriftPolicy[] = [];
    for (const p of this.policies) {
      if (p === 'alert') done.push(p);
      else if (p === 'rollback') {
        if (this.snapshot && this.optimizer) { restoreSnapshot(this.snapshot, this.params(), this.optimizer); done.push(p); }
      } else if (p === 'resetOptimizer') {
        const reset = (this.optimizer as { reset?: () => void } | undefined)?.reset;
        if (typeof reset !== 'function') throw new ArgumentError("DriftMonitor: the 'resetOptimizer' policy needs an optimizer with reset() (options.optimizer, or run inside fit())");
        reset.call(this.optimizer);
        done.push(p);
      } else if (p === 'retrain') {
        if (this.opts.retrainAfter) this.pendingRetrain = this.position;
        else if (this.retrain(-Infinity)) done.push(p);
      }
    }
    return done;
  }

  /** A few passes of the optimizer over the labeled window's batches observed at or after `since`. */
  private retrain(since: number): boolean {
    if (!this.model || !this.optimizer) throw new ArgumentError("DriftMonitor: the 'retrain' policy needs a model and an optimizer (options, or run inside fit())");
    const batches = this.window.filter((b) => b.position >= since);
    if (batches.length === 0) return false;
    const params = this.params();
    const size = this.opts.retrainBatchSize ?? 64;
    const x = keep(tidy(() => cat(batches.map((b) => b.x), 0)));
    const y = keep(tidy(() => cat(batches.map((b) => b.y), 0)));
    const wasTraining = this.model.training;
    this.model.train();
    for (let epoch = 0; epoch < (this.opts.retrainEpochs ?? 2); epoch++) {
      for (let start = 0; start < x.shape[0]; start += size) {
        const n = Math.min(size, x.shape[0] - start);
        tidy(() => {
          for (const p of params) { p.grad?.dispose(); p.grad = null; }
          const out = this.model!.call(x.narrow(0, start, n)) as Tensor;
          this.opts.loss!(out, y.narrow(0, start, n)).backward();
          this.optimizer!.step();
        });
      }
    }
    if (!wasTraining) this.model.eval();
    x.dispose(); y.dispose();
    return true;
  }

  /** fit() hook: remembers the model and optimizer and takes the first good snapshot. @example `await fit(model, { ..., callbacks: [monitor] })` */
  onTrainBegin(ctx: TrainContext): void {
    this.model ??= ctx.model;
    this.optimizer ??= ctx.optimizer;
    this.takeGoodSnapshot();
  }

  /** fit() hook: feeds the step's signal ('error', 'loss' or the signal function of the logs). @example `new DriftMonitor({ detectors, signal: 'loss' })` */
  onBatchEnd(ctx: TrainContext, logs: StepLogs): void {
    if (logs.nonFinite) return;
    const signal = this.opts.signal ?? 'error';
    const value = typeof signal === 'function' ? signal(logs) : signal === 'loss' ? logs.loss : logs.accuracy === undefined ? NaN : 1 - logs.accuracy;
    if (!Number.isFinite(value)) throw new ArgumentError(`DriftMonitor: the ${typeof signal === 'function' ? 'signal function' : `'${signal}' signal`} gave ${value} at step ${logs.step}${signal === 'error' ? ' (batch accuracy is unknown: use signal "loss")' : ''}`);
    this.fitStep = ctx.step;
    this.update(value);
  }

  /** Frees the kept windows and snapshots. @example `monitor.dispose()` */
  dispose(): void {
    for (const b of this.window) { b.x.dispose(); b.y.dispose(); }
    this.window = []; this.windowRows = 0;
    this.reference?.dispose(); this.reference = null;
    for (const t of this.recent) t.dispose();
    this.recent = []; this.recentRows = 0;
    this.snapshot = null;
  }

  /**
   * A Vega-Lite chart of the stream (its moving mean) with every drift, warning and shift marked,
   * for writeReport's extraCharts.
   * @example `await train.writeReport('run/report.html', { title, facts, steps: [], epochs: [], extraCharts: [monitor.chart()] })`
   */
  chart(opts: { title?: string; smoothing?: number; maxPoints?: number } = {}): [string, Record<string, unknown>] {
    const smoothing = opts.smoothing ?? 100, maxPoints = opts.maxPoints ?? 1500;
    const every = Math.max(1, Math.ceil(this.series.length / maxPoints));
    const rows: Record<string, unknown>[] = [];
    let sum = 0;
    for (let i = 0; i < this.series.length; i++) {
      sum += this.series[i].value;
      if (i >= smoothing) sum -= this.series[i - smoothing].value;
      if (i % every === 0 || i === this.series.length - 1) rows.push({ position: this.series[i].position, value: sum / Math.min(i + 1, smoothing) });
    }
    const marks = this.events.map((e) => ({ position: e.position, what: `${e.detector} ${e.kind}` }));
    return [opts.title ?? `Drift monitor: the stream (${smoothing}-value mean) with detections marked`, {
      width: 640, height: 260,
      layer: [
        { data: { values: rows }, mark: { type: 'line', strokeWidth: 1.2, color: '#555' }, encoding: { x: { field: 'position', type: 'quantitative', title: 'stream position' }, y: { field: 'value', type: 'quantitative', title: 'signal (moving mean)' } } },
        { data: { values: marks }, mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 }, encoding: { x: { field: 'position', type: 'quantitative' }, color: { field: 'what', type: 'nominal', title: 'event' } } },
      ],
    }];
  }

  /**
   * Writes a report.html with the drift chart and the event list.
   * @example `await monitor.writeReport('runs/stream/report.html', { title: 'Stream' })`
   */
  async writeReport(path: string, input: { title: string; facts?: [string, string][]; extraCharts?: [string, Record<string, unknown>][] }): Promise<string> {
    const list = this.events.map((e) => `${String(e.position).padStart(7)}  ${e.kind.padEnd(7)} ${e.detector.padEnd(12)} ${e.actions.join('+') || '-'}  ${Object.entries(e.evidence).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toPrecision(4)}`).join(' ')}`);
    return writeReport(path, {
      title: input.title, facts: input.facts ?? [['values seen', String(this.position)], ['events', String(this.events.length)]],
      steps: [], epochs: [], extraCharts: [this.chart(), ...(input.extraCharts ?? [])],
      notes: [['Drift events (position, kind, detector, actions, evidence)', list.join('\n') || 'none']],
    });
  }
}
