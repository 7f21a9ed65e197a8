/**
 * GanMonitor: the generator's and discriminator's losses, gradient norms and
 * mean discriminator outputs, step by step, with warnings for the classic
 * failure signs of the min-max game: a discriminator that wins outright (its
 * loss near zero while the generator's gradient vanishes), exploding gradient
 * norms, and non-finite values.
 */
import type { GanStepLogs } from './trainer';

/** GanMonitor's options: how often it records, the thresholds of its warnings (discriminator winning, vanishing or exploding gradient norms), how many consecutive steps a sign must last before it warns, and a warning callback. @example `new gan.GanMonitor({ every: 10, patience: 20, onWarning: console.warn })` */
export interface GanMonitorOptions {
  /** Keep one record in this many steps (default 1). */
  every?: number;
  /** A discriminator loss below this counts as the discriminator winning (default 0.01)... */
  dWinLoss?: number;
  /** ...while the generator's gradient norm is below this (default 0.01): D wins and G learns nothing. */
  dWinGradNorm?: number;
  /** A generator gradient norm below this counts as vanishing (default 1e-6). */
  vanishing?: number;
  /** Gradient norms above this count as exploding (default 1e3). */
  exploding?: number;
  /** Consecutive steps a sign must persist before it warns (default 50). */
  patience?: number;
  /** Called with each new warning (default: collected in `warnings` only). */
  onWarning?: (message: string) => void;
}

/**
 * Records GAN training steps and warns about a winning discriminator, vanishing or exploding gradients and non-finite values.
 * @example
 * const monitor = new gan.GanMonitor({ every: 10 });
 * const trainer = new gan.GanTrainer({ ...parts, monitor });
 * trainer.fit(2000); console.log(monitor.summary());
 */
export class GanMonitor {
  readonly records: GanStepLogs[] = [];
  readonly warnings: string[] = [];
  private readonly every: number;
  private readonly dWinLoss: number;
  private readonly dWinGradNorm: number;
  private readonly vanishing: number;
  private readonly exploding: number;
  private readonly patience: number;
  private readonly onWarning?: (message: string) => void;
  private readonly streaks = new Map<string, number>();
  private readonly warned = new Set<string>();

  constructor(opts: GanMonitorOptions = {}) {
    this.every = opts.every ?? 1;
    this.dWinLoss = opts.dWinLoss ?? 0.01;
    this.dWinGradNorm = opts.dWinGradNorm ?? 0.01;
    this.vanishing = opts.vanishing ?? 1e-6;
    this.exploding = opts.exploding ?? 1e3;
    this.patience = opts.patience ?? 50;
    this.onWarning = opts.onWarning;
  }

  /** Called by GanTrainer after every step. @example `monitor.record(trainer.step())` */
  record(logs: GanStepLogs): void {
    if (logs.step % this.every === 0) this.records.push(logs);
    const values = [logs.dLoss, logs.gLoss, logs.dGradNorm, logs.gGradNorm];
    this.track('nonFinite', values.some((v) => !Number.isFinite(v)), 1, `step ${logs.step}: non-finite loss or gradient norm (dLoss ${logs.dLoss}, gLoss ${logs.gLoss}, dGradNorm ${logs.dGradNorm}, gGradNorm ${logs.gGradNorm})`);
    this.track('dWins', logs.dLoss < this.dWinLoss && logs.gGradNorm < this.dWinGradNorm, this.patience,
      `step ${logs.step}: the discriminator wins (loss ${logs.dLoss.toExponential(2)}) and the generator's gradient is ${logs.gGradNorm.toExponential(2)}: use the non-saturating or hinge loss, a gradient penalty or spectral normalisation`);
    this.track('gVanishing', logs.gGradNorm < this.vanishing, this.patience, `step ${logs.step}: the generator's gradient norm is ${logs.gGradNorm.toExponential(2)} (vanishing)`);
    this.track('exploding', Math.max(logs.dGradNorm, logs.gGradNorm) > this.exploding, this.patience,
      `step ${logs.step}: gradient norms D ${logs.dGradNorm.toExponential(2)}, G ${logs.gGradNorm.toExponential(2)} (exploding): clip them (maxGradNorm) or lower the learning rates`);
  }

  private track(key: string, on: boolean, patience: number, message: string): void {
    const n = on ? (this.streaks.get(key) ?? 0) + 1 : 0;
    this.streaks.set(key, n);
    if (n >= patience && !this.warned.has(key)) {
      this.warned.add(key);
      this.warnings.push(message);
      this.onWarning?.(message);
    }
  }

  /** Means of the recorded values over the last `last` records (default all). @example `monitor.means(100).dLoss` */
  means(last = Infinity): { dLoss: number; gLoss: number; dGradNorm: number; gGradNorm: number; realScore: number; fakeScore: number } {
    const rs = this.records.slice(-Math.min(last, this.records.length));
    const m = (f: (r: GanStepLogs) => number): number => rs.reduce((s, r) => s + f(r), 0) / Math.max(1, rs.length);
    return { dLoss: m((r) => r.dLoss), gLoss: m((r) => r.gLoss), dGradNorm: m((r) => r.dGradNorm), gGradNorm: m((r) => r.gGradNorm), realScore: m((r) => r.realScore), fakeScore: m((r) => r.fakeScore) };
  }

  /** A few lines: mean losses and gradient norms over the last tenth of the run, and the warnings. @example `console.log(monitor.summary())` */
  summary(): string {
    const m = this.means(Math.max(1, Math.ceil(this.records.length / 10)));
    const lines = [
      `last ${Math.max(1, Math.ceil(this.records.length / 10))} records: D loss ${m.dLoss.toFixed(4)}, G loss ${m.gLoss.toFixed(4)}, ` +
        `|grad D| ${m.dGradNorm.toFixed(4)}, |grad G| ${m.gGradNorm.toFixed(4)}, D(real) ${m.realScore.toFixed(3)}, D(fake) ${m.fakeScore.toFixed(3)}`,
    ];
    lines.push(...(this.warnings.length ? this.warnings.map((w) => `warning: ${w}`) : ['no warnings']));
    return lines.join('\n');
  }
}
