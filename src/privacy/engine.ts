/**
 * DP-SGD in the manner of Opacus's PrivacyEngine: makePrivate() wraps a model (hooks that
 * record layer inputs and output gradients), an optimizer (per-sample clipping, one
 * Gaussian noise draw σ·C per step, accounting) and a data source (Poisson sampling).
 */
import { noGrad } from '../autograd/api';
import { ArgumentError, fmtArg } from '../errors';
import { add, div } from '../ops/binary';
import { zerosLike } from '../ops/creation';
import { narrow } from '../ops/shape';
import type { Dataset } from '../data/dataset';
import { DataLoader } from '../data/loader';
import type { AnyModule } from '../nn/module';
import type { Parameter } from '../nn/parameter';
import { tidy, keep } from '../tensor/tidy';
import type { Tensor } from '../tensor/tensor';
import type { OptimizerLike } from '../train/types';
import { createAccountant, noiseForTarget, RdpAccountant, type Accountant } from './accountant';
import { clipAndSum, type NormMode } from './clip';
import { captureGrads, GradSampleHooks } from './grad-sample';
import { NoiseSource } from './noise';
import { PoissonDataLoader } from './poisson';
import { measureModes } from './modes';

/** Options of `makePrivate` (DP-SGD, Abadi et al. 2016, as Opacus's PrivacyEngine): the noise multiplier σ or a target ε over planned epochs, δ, the clipping bound C (flat or per layer), the accountant ('rdp' or 'prv'), Poisson sampling, virtual steps over physical batches, the norm method, the loss reduction, a debugging seed (not private) and an ε ceiling. @example `privacy.makePrivate(model, optimizer, loader, { targetEpsilon: 3, delta: 1e-5, epochs: 10, maxGradNorm: 1 })` */
export interface MakePrivateOptions {
  /** σ: noise std in units of maxGradNorm. Give this or targetEpsilon. */
  noiseMultiplier?: number;
  /** Find σ so that `epochs` epochs spend exactly this ε (needs epochs). */
  targetEpsilon?: number;
  /** δ of the guarantee (default 1e-5). */
  delta?: number;
  /** Epochs planned, for targetEpsilon. */
  epochs?: number;
  /** C: each sample's gradient is clipped to this 2-norm. */
  maxGradNorm: number;
  /** 'flat' (default): one bound over all parameters; 'perLayer': C/√L for each of L layers. */
  clipping?: 'flat' | 'perLayer';
  /** Accountant: 'rdp' (default) or 'prv'. */
  accountant?: 'rdp' | 'prv';
  /** Poisson sampling (default true); false keeps the loader's fixed batches (accounting then assumes q = B/n). */
  poissonSampling?: boolean;
  /** Physical batches of at most this many samples; their clipped sums are noised once (virtual steps). */
  maxPhysicalBatchSize?: number;
  /** 'auto' (default) times both norm methods per layer on the first batch and keeps the faster. */
  normMode?: 'auto' | NormMode;
  /** The loss is the mean (default, like fit's losses) or the sum of per-sample losses. */
  lossReduction?: 'mean' | 'sum';
  /** Reproducible noise and sampling for debugging; NOT private (warns). */
  seed?: number | bigint;
  /** Refuse any step that would take ε (at delta) past this (default: targetEpsilon when given). */
  maxEpsilon?: number;
}

/**
 * The optimizer makePrivate returns: step() replaces each parameter's gradient with the
 * clipped per-sample sum plus N(0, (σC)²) noise, divided by the expected batch size, then
 * steps the wrapped optimizer and records the step in the accountant.
 * @example `const { optimizer } = privacy.makePrivate(model, new optim.SGD(model.parameters(), { lr: 0.1 }), loader, { noiseMultiplier: 1.1, maxGradNorm: 1 })`
 */
export class DPOptimizer implements OptimizerLike {
  private summed = new Map<Parameter, Tensor>();
  /** Per-layer norm methods chosen so far. */
  readonly modes = new Map<AnyModule, NormMode>();

  constructor(
    readonly inner: OptimizerLike,
    readonly hooks: GradSampleHooks,
    readonly accountant: Accountant,
    readonly noise: NoiseSource,
    readonly config: {
      noiseMultiplier: number; maxGradNorm: number; clipping: 'flat' | 'perLayer'; sampleRate: number; expectedBatchSize: number;
      normMode: 'auto' | NormMode; lossReduction: 'mean' | 'sum'; maxEpsilon?: number; delta: number;
    },
  ) {}

  /** Set once a step was refused because it would pass maxEpsilon. */
  exhausted = false;

  /**
   * Whether one more step would take ε past maxEpsilon. Judged with the RDP bound (Opacus's
   * conversion), which is never below the PRV estimate, so the guard is conservative for both.
   */
  nextStepExceedsBudget(): boolean {
    const max = this.config.maxEpsilon;
    if (max === undefined) return false;
    const next = new RdpAccountant();
    next.loadStateDict(this.accountant.stateDict());
    next.step({ noiseMultiplier: this.config.noiseMultiplier, sampleRate: this.config.sampleRate });
    return next.getEpsilon(this.config.delta) > max;
  }

  get paramGroups(): { lr: number; [k: string]: unknown }[] {
    return this.inner.paramGroups;
  }

  private modeOf = (m: AnyModule, canGhost: boolean): NormMode => {
    if (!canGhost) return 'materialize';
    if (this.config.normMode !== 'auto') return this.config.normMode;
    return this.modes.get(m) ?? 'ghost';
  };

  /**
   * Clips the recorded batch's per-sample gradients and adds them to the running sum
   * (a virtual step: call it per physical batch, then step() once).
   */
  accumulate(): void {
    const calls = this.hooks.calls.filter((c) => c.grad);
    this.hooks.clear();
    if (calls.length === 0) return;
    const layers = new Set(calls.map((c) => c.module)).size;
    const C = this.config.maxGradNorm;
    const bound = this.config.clipping === 'perLayer' ? Array.from({ length: layers }, () => C / Math.sqrt(layers)) : C;
    // Nothing differentiates through clipping: without a graph, conv patches are a plain strided copy.
    const r = noGrad(() => {
      if (this.config.normMode === 'auto' && calls.some((c) => !this.modes.has(c.module))) {
        for (const [m, mode] of measureModes(calls)) this.modes.set(m, mode);
      }
      return clipAndSum(calls, { maxGradNorm: bound, lossReduction: this.config.lossReduction, modeOf: this.modeOf });
    });
    for (const [p, s] of r.sums) {
      const prev = this.summed.get(p);
      const next = keep(prev ? add(prev, s) : s);
      prev?.dispose();
      this.summed.set(p, next);
    }
  }

  /** Noised, averaged gradients into p.grad, then the wrapped optimizer's step and the accountant's. */
  step(): void {
    if (this.exhausted || this.nextStepExceedsBudget()) {
      // The budget is spent: no update and nothing accounted; the recorded batch is dropped.
      this.exhausted = true;
      this.hooks.clear();
      for (const s of this.summed.values()) s.dispose();
      this.summed.clear();
      return;
    }
    this.accumulate();
    const { noiseMultiplier, maxGradNorm, expectedBatchSize } = this.config;
    tidy(() => {
      for (const p of this.hooks.params()) {
        const s = this.summed.get(p) ?? zerosLike(p);
        const noised = add(s, this.noise.gaussian(p.shape, noiseMultiplier * maxGradNorm, p.dtype as 'float32' | 'float64'));
        p.grad?.dispose();
        p.grad = keep(div(noised, expectedBatchSize));
      }
    });
    for (const s of this.summed.values()) s.dispose();
    this.summed.clear();
    this.inner.step();
    this.accountant.step({ noiseMultiplier, sampleRate: this.config.sampleRate });
  }

  zeroGrad(opts?: { setToNone?: boolean }): void {
    this.hooks.clear();
    this.inner.zeroGrad(opts);
  }

  stateDict(): unknown {
    return { inner: this.inner.stateDict?.(), accountant: this.accountant.stateDict() };
  }

  loadStateDict(state: never): void {
    const s = state as { inner?: unknown; accountant?: { mechanism: string; history: never[] } };
    if (s.inner !== undefined) this.inner.loadStateDict?.(s.inner as never);
    if (s.accountant) this.accountant.loadStateDict(s.accountant);
  }
}

/** What makePrivate returns. */
export interface PrivateTraining<B> {
  model: AnyModule;
  optimizer: DPOptimizer;
  /** The Poisson-sampled loader (or the original one when poissonSampling is false). */
  dataLoader: DataLoader<unknown, B>;
  accountant: Accountant;
  noiseMultiplier: number;
  sampleRate: number;
  delta: number;
  /** ε spent so far at the configured δ (or another). */
  getEpsilon(delta?: number): number;
  /**
   * One DP-SGD step on a (logical) batch, split into physical batches of at most
   * maxPhysicalBatchSize; returns the mean loss. Faster than fit's path: parameter
   * gradients of the plain backward are never formed.
   */
  step(x: Tensor, y: Tensor, loss: (out: Tensor, y: Tensor) => Tensor): number;
  /** Removes the hooks. */
  detach(): void;
  /** Aborted by stop(): pass it to fit({ signal }) so training ends after the current step. */
  signal: AbortSignal;
  /** Ends a fit() that was given `signal`. */
  stop(): void;
  /** True once the next step would pass maxEpsilon (the optimizer then refuses to step). */
  budgetExhausted(): boolean;
}

/**
 * Makes training differentially private (DP-SGD with per-sample clipping, Gaussian noise and
 * an accountant), in the spirit of Opacus's PrivacyEngine.make_private.
 * @example
 * const priv = privacy.makePrivate(model, new optim.SGD(model.parameters(), { lr: 2 }), loader,
 *   { targetEpsilon: 3, delta: 1e-5, epochs: 10, maxGradNorm: 1 });
 * await fit(priv.model, { optimizer: priv.optimizer, loss: crossEntropy, trainData: priv.dataLoader, epochs: 10,
 *   callbacks: [privacy.privacyCallback(priv)] });
 * priv.getEpsilon(); // ≤ 3
 */
export function makePrivate<T, B>(
  model: AnyModule, optimizer: OptimizerLike, loader: DataLoader<T, B> | Dataset<T>, opts: MakePrivateOptions,
): PrivateTraining<B> {
  if (!model || typeof model.call !== 'function') throw new ArgumentError('makePrivate: model must be an nn.Module');
  if (!optimizer || typeof optimizer.step !== 'function') throw new ArgumentError('makePrivate: optimizer must be an optimizer');
  if (!opts || !(opts.maxGradNorm > 0)) throw new ArgumentError(`makePrivate: maxGradNorm must be > 0, got ${fmtArg(opts?.maxGradNorm)}`);
  const delta = opts.delta ?? 1e-5;
  if (!(delta > 0 && delta < 1)) throw new ArgumentError(`makePrivate: delta must be in (0, 1), got ${delta}`);
  const base = loader instanceof DataLoader ? loader : null;
  const dataset = base ? base.dataset : loader as Dataset<T>;
  if (!dataset || typeof dataset.length !== 'number' || dataset.length < 1) throw new ArgumentError('makePrivate: loader must be a DataLoader or a non-empty Dataset');
  const batchSize = base?.batchSize ?? 1;
  const sampleRate = batchSize / dataset.length;
  const mechanism = opts.accountant ?? 'rdp';
  let sigma = opts.noiseMultiplier;
  if ((sigma === undefined) === (opts.targetEpsilon === undefined)) throw new ArgumentError('makePrivate: give exactly one of noiseMultiplier and targetEpsilon');
  if (sigma === undefined) {
    if (!(opts.epochs! > 0)) throw new ArgumentError('makePrivate: targetEpsilon needs epochs (> 0)');
    const steps = Math.round(1 / sampleRate) * opts.epochs!;
    sigma = noiseForTarget({ targetEpsilon: opts.targetEpsilon!, delta, sampleRate, steps, accountant: mechanism });
  }
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new ArgumentError(`makePrivate: noiseMultiplier must be finite and >= 0, got ${sigma}`);
  const physical = opts.maxPhysicalBatchSize;
  if (physical !== undefined && !(Number.isInteger(physical) && physical > 0)) throw new ArgumentError(`makePrivate: maxPhysicalBatchSize must be a positive integer, got ${physical}`);
  const noise = new NoiseSource({ seed: opts.seed });
  const poisson = opts.poissonSampling ?? true;
  const dataLoader = poisson
    ? new PoissonDataLoader<T, B>(dataset, { sampleRate, noise })
    : (base ?? new DataLoader<T, B>(dataset, { batchSize }));
  const hooks = new GradSampleHooks(model);
  const accountant = createAccountant(mechanism);
  const lossReduction = opts.lossReduction ?? 'mean';
  const dp = new DPOptimizer(optimizer, hooks, accountant, noise, {
    noiseMultiplier: sigma, maxGradNorm: opts.maxGradNorm, clipping: opts.clipping ?? 'flat', sampleRate,
    expectedBatchSize: sampleRate * dataset.length, normMode: opts.normMode ?? 'auto', lossReduction,
    maxEpsilon: opts.maxEpsilon ?? opts.targetEpsilon, delta,
  });
  const controller = new AbortController();
  const params = hooks.params();

  const physicalStep = (x: Tensor, y: Tensor, lossFn: (out: Tensor, y: Tensor) => Tensor): number => tidy(() => {
    // Parameters stop requiring grad for this pass, so backward forms only the activation
    // gradients the per-sample rules need, never the (discarded) batch parameter gradients.
    const floatInput = x.dtype === 'float32' || x.dtype === 'float64';
    const xin = floatInput ? x.detach().requiresGrad_() : x;
    if (floatInput) for (const p of params) p.requiresGrad = false;
    try {
      const loss = lossFn(model.call(xin) as Tensor, y);
      captureGrads(loss, hooks.calls);
      const value = loss.item();
      dp.accumulate();
      return value;
    } finally {
      if (floatInput) for (const p of params) p.requiresGrad = true;
    }
  });

  return {
    model, optimizer: dp, dataLoader: dataLoader as DataLoader<unknown, B>, accountant, noiseMultiplier: sigma, sampleRate, delta,
    getEpsilon: (d?: number) => accountant.getEpsilon(d ?? delta),
    step(x, y, lossFn) {
      const n = x.shape[0];
      const chunk = physical ?? Math.max(n, 1);
      let lossSum = 0;
      hooks.clear();
      for (let at = 0; at < n; at += chunk) {
        const m = Math.min(chunk, n - at);
        const xb = m === n ? x : narrow(x, 0, at, m), yb = m === n ? y : narrow(y, 0, at, m);
        // Each chunk's per-sample gradients are exact (a mean loss is rescaled by its own size).
        const value = physicalStep(xb, yb, lossFn);
        lossSum += lossReduction === 'mean' ? value * m : value;
      }
      dp.step();
      return lossReduction === 'mean' ? (n ? lossSum / n : NaN) : lossSum;
    },
    detach: () => hooks.remove(),
    signal: controller.signal,
    stop: () => controller.abort(),
    budgetExhausted: () => dp.exhausted || dp.nextStepExceedsBudget(),
  };
}
