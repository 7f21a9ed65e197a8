/**
 * GanTrainer: the alternating min-max loop with separate optimizers for the
 * generator G and the discriminator (critic) D.
 *
 * One `step()` is `dSteps` discriminator updates followed by `gSteps`
 * generator updates (WGAN's n_critic = 5 is `dSteps: 5`); together with a
 * larger discriminator learning rate in `dOptimizer` this is the two-time-scale
 * update rule (TTUR, Heusel et al. 2017). Each discriminator update may add
 * the WGAN-GP gradient penalty (`gradientPenalty: λ`) or the R1 penalty
 * (`r1: γ`), clip the critic's weights (`weightClip: c`), and clip the
 * gradient norm of either player (`maxGradNorm`); spectral normalisation is a
 * property of the discriminator's layers (`nn.utils.spectralNorm`).
 * During the generator update D's parameters are frozen, so no gradient is
 * spent on them.
 */
import { noGrad } from '../autograd/api';
import { ArgumentError, fmtArg } from '../errors';
import { clipGradNorm } from '../optim/clip';
import { getEmaMultiAvgFn, type MultiAvgFn } from '../optim/swa';
import type { AnyModule } from '../nn/module';
import { norm } from '../ops/reduce';
import type { Tensor } from '../tensor/tensor';
import { keep, tidy } from '../tensor/tidy';
import { copy_ } from '../ops/inplace';
import type { OptimizerLike } from '../train/types';
import { checkLossKind, discriminatorLoss, generatorLoss, type GanLossKind } from './losses';
import type { GanMonitor } from './monitor';
import { clipWeights, gradientPenalty, r1Penalty } from './penalties';

/** GanTrainer's options: the two players and their optimizers, samplers of real batches and latent codes, the batch size and loss ('nonSaturating' by default), D and G updates per step (TTUR/n_critic), the regularisers (WGAN weight clip, WGAN-GP λ, R1 γ, gradient-norm clipping), a generator EMA decay and a monitor. @example `new gan.GanTrainer({ generator: G, discriminator: D, gOptimizer, dOptimizer, sampleReal, sampleLatent, batchSize: 64, loss: 'wasserstein', dSteps: 5, gradientPenalty: 10 })` */
export interface GanTrainerOptions {
  generator: AnyModule;
  discriminator: AnyModule;
  gOptimizer: OptimizerLike;
  dOptimizer: OptimizerLike;
  /** A batch of real examples [batchSize, ...]. */
  sampleReal: (batchSize: number) => Tensor;
  /** A batch of latent codes [batchSize, ...]. */
  sampleLatent: (batchSize: number) => Tensor;
  batchSize: number;
  /** Default 'nonSaturating'. */
  loss?: GanLossKind;
  /** Discriminator updates per step (default 1). */
  dSteps?: number;
  /** Generator updates per step (default 1). */
  gSteps?: number;
  /** WGAN weight clipping: clamp D's parameters to [-c, c] after each D update. */
  weightClip?: number;
  /** WGAN-GP: λ times the gradient penalty on interpolates. */
  gradientPenalty?: number;
  /** R1: (γ / 2) times E‖∇D(x)‖² on real data. */
  r1?: number;
  /** Clip each player's total gradient norm: one number for both, or per player. */
  maxGradNorm?: number | { d?: number; g?: number };
  /**
   * Keep an exponential moving average of the generator's parameters with this
   * decay (e.g. 0.999; Yazıcı et al. 2019): sample from it with `withEmaGenerator`.
   */
  emaDecay?: number;
  monitor?: GanMonitor;
}

/** What one GanTrainer step (and each GanMonitor record) holds: the step number, both players' last losses and pre-clipping gradient norms, the weighted penalty, and the mean D output on the real and the generated batch. @example `const { dLoss, gLoss, realScore, fakeScore } = trainer.step()` */
export interface GanStepLogs {
  step: number;
  /** The last D update's loss, penalties included. */
  dLoss: number;
  gLoss: number;
  /** Total gradient norms before clipping (last update of each player). */
  dGradNorm: number;
  gGradNorm: number;
  /** The last D update's weighted penalty (0 when none). */
  penalty: number;
  /** Mean D output on the real and the generated batch. */
  realScore: number;
  fakeScore: number;
}

function positiveIntOption(name: string, v: unknown, fallback: number): number {
  const x = v ?? fallback;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1) throw new ArgumentError(`GanTrainer: ${name} must be a positive integer, got ${fmtArg(x)}`);
  return x;
}

function nonNegativeOption(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v >= 0)) throw new ArgumentError(`GanTrainer: ${name} must be a number >= 0, got ${fmtArg(v)}`);
  return v;
}

/** The total L2 norm of the parameters' gradients (clipping them to maxNorm when given). */
function gradNorm(params: Tensor[], maxNorm: number | undefined): number {
  if (maxNorm !== undefined) return clipGradNorm(params, maxNorm);
  return noGrad(() => tidy(() => Math.sqrt(params.reduce((s, p) => (p.grad ? s + norm(p.grad).item() ** 2 : s), 0))));
}

/**
 * The alternating generator/discriminator training loop, with the penalties, clipping and EMA of its options.
 * @example
 * const trainer = new gan.GanTrainer({ generator: G, discriminator: D, gOptimizer, dOptimizer,
 *   sampleReal: (n) => gan.ringOfGaussians(n), sampleLatent: (n) => randn([n, 2]), batchSize: 256, loss: 'hinge' });
 * for (let i = 0; i < 2000; i++) trainer.step();
 */
export class GanTrainer {
  readonly opts: GanTrainerOptions;
  private readonly loss: GanLossKind;
  private readonly dSteps: number;
  private readonly gSteps: number;
  private readonly maxD?: number;
  private readonly maxG?: number;
  private steps = 0;
  private readonly ema: Tensor[] | null = null;
  private readonly emaUpdate: MultiAvgFn | null = null;

  constructor(opts: GanTrainerOptions) {
    if (!opts || typeof opts !== 'object') throw new ArgumentError('GanTrainer: options are required');
    for (const k of ['sampleReal', 'sampleLatent'] as const) {
      if (typeof opts[k] !== 'function') throw new ArgumentError(`GanTrainer: ${k} must be a function of the batch size`);
    }
    for (const k of ['gOptimizer', 'dOptimizer'] as const) {
      if (!opts[k] || typeof opts[k].step !== 'function') throw new ArgumentError(`GanTrainer: ${k} must be an optimizer`);
    }
    this.opts = opts;
    this.loss = checkLossKind('GanTrainer', opts.loss ?? 'nonSaturating');
    this.dSteps = positiveIntOption('dSteps', opts.dSteps, 1);
    this.gSteps = positiveIntOption('gSteps', opts.gSteps, 1);
    positiveIntOption('batchSize', opts.batchSize, 1);
    for (const k of ['weightClip', 'gradientPenalty', 'r1'] as const) nonNegativeOption(k, opts[k]);
    const clip = opts.maxGradNorm;
    this.maxD = nonNegativeOption('maxGradNorm', typeof clip === 'object' ? clip.d : clip);
    this.maxG = nonNegativeOption('maxGradNorm', typeof clip === 'object' ? clip.g : clip);
    if (opts.emaDecay !== undefined) {
      if (typeof opts.emaDecay !== 'number' || !(opts.emaDecay >= 0 && opts.emaDecay < 1)) throw new ArgumentError(`GanTrainer: emaDecay must be in [0, 1), got ${fmtArg(opts.emaDecay)}`);
      this.ema = noGrad(() => opts.generator.parameters().map((p) => keep(p.clone())));
      this.emaUpdate = getEmaMultiAvgFn(opts.emaDecay);
    }
  }

  /**
   * Runs fn with the generator's parameters swapped for their moving average
   * (emaDecay), then restores them; without emaDecay it just runs fn.
   * @example `const samples = trainer.withEmaGenerator(() => noGrad(() => G.call(randn([1000, 2]))))`
   */
  withEmaGenerator<T>(fn: () => T): T {
    if (!this.ema) return fn();
    const params = this.opts.generator.parameters();
    const saved = noGrad(() => params.map((p, i) => { const s = keep(p.clone()); copy_(p, this.ema![i]); return s; }));
    try {
      return fn();
    } finally {
      noGrad(() => params.forEach((p, i) => { copy_(p, saved[i]); saved[i].dispose(); }));
    }
  }

  /** Steps taken so far. */
  get stepsTaken(): number {
    return this.steps;
  }

  private discriminatorUpdate(): Omit<GanStepLogs, 'step' | 'gLoss' | 'gGradNorm'> {
    const { generator: G, discriminator: D, dOptimizer, batchSize: n } = this.opts;
    const critic = (x: Tensor): Tensor => D.call(x);
    return tidy(() => {
      dOptimizer.zeroGrad();
      const real = this.opts.sampleReal(n);
      const fake = noGrad(() => G.call(this.opts.sampleLatent(n)));
      const realOut = D.call(real), fakeOut = D.call(fake);
      let loss = discriminatorLoss(realOut, fakeOut, this.loss);
      let penalty = 0;
      if (this.opts.gradientPenalty) {
        const gp = gradientPenalty(critic, real, fake).mul(this.opts.gradientPenalty);
        penalty += gp.item();
        loss = loss.add(gp);
      }
      if (this.opts.r1) {
        const r1 = r1Penalty(critic, real).mul(this.opts.r1 / 2);
        penalty += r1.item();
        loss = loss.add(r1);
      }
      loss.backward();
      const dGradNorm = gradNorm(D.parameters(), this.maxD);
      dOptimizer.step();
      if (this.opts.weightClip) clipWeights(D.parameters(), this.opts.weightClip);
      return { dLoss: loss.item(), dGradNorm, penalty, realScore: realOut.mean().item(), fakeScore: fakeOut.mean().item() };
    });
  }

  private generatorUpdate(): { gLoss: number; gGradNorm: number } {
    const { generator: G, discriminator: D, gOptimizer, batchSize: n } = this.opts;
    const dParams = D.parameters().filter((p) => p.requiresGrad);
    dParams.forEach((p) => { p.requiresGrad = false; });
    try {
      return tidy(() => {
        gOptimizer.zeroGrad();
        const loss = generatorLoss(D.call(G.call(this.opts.sampleLatent(n))), this.loss);
        loss.backward();
        const gGradNorm = gradNorm(G.parameters(), this.maxG);
        gOptimizer.step();
        if (this.ema) this.emaUpdate!(this.ema, G.parameters(), this.steps);
        return { gLoss: loss.item(), gGradNorm };
      });
    } finally {
      dParams.forEach((p) => { p.requiresGrad = true; });
    }
  }

  /**
   * One round: dSteps discriminator updates, then gSteps generator updates. Returns the logs (also given to the monitor).
   * @example `const { dLoss, gLoss } = trainer.step()`
   */
  step(): GanStepLogs {
    let d!: ReturnType<GanTrainer['discriminatorUpdate']>;
    for (let i = 0; i < this.dSteps; i++) d = this.discriminatorUpdate();
    let g!: ReturnType<GanTrainer['generatorUpdate']>;
    for (let i = 0; i < this.gSteps; i++) g = this.generatorUpdate();
    const logs: GanStepLogs = { step: this.steps++, ...d, ...g };
    this.opts.monitor?.record(logs);
    return logs;
  }

  /**
   * Runs `steps` rounds; `onStep` sees each round's logs.
   * @example `trainer.fit(3000, { onStep: (l) => { if (l.step % 500 === 0) console.log(l) } })`
   */
  fit(steps: number, opts: { onStep?: (logs: GanStepLogs) => void } = {}): GanStepLogs[] {
    if (!Number.isInteger(steps) || steps < 0) throw new ArgumentError(`GanTrainer.fit: steps must be an integer >= 0, got ${fmtArg(steps)}`);
    const out: GanStepLogs[] = [];
    for (let i = 0; i < steps; i++) {
      const logs = this.step();
      out.push(logs);
      opts.onStep?.(logs);
    }
    return out;
  }
}
