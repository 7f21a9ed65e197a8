/**
 * Privacy accountants: they record the DP-SGD steps taken (noise multiplier and sample
 * rate per step, run-length encoded as phases) and turn them into ε for a given δ.
 * Both compose over changing sample rates and noise; the history round-trips through
 * stateDict() so a resumed run keeps counting from where it stopped.
 */
import { ArgumentError, fmtArg } from '../errors';
import { prvEpsilon, type MechanismPhase } from './prv';
import { computeRdp, DEFAULT_ORDERS, rdpToEpsilon, type RdpConversion } from './rdp';

/** What every accountant offers. @example `acc.step({ noiseMultiplier: 1.1, sampleRate: 0.004 }); acc.getEpsilon(1e-5)` */
export interface Accountant {
  /** 'rdp' or 'prv'. */
  readonly mechanism: 'rdp' | 'prv';
  /** The phases recorded so far (a copy). */
  readonly history: MechanismPhase[];
  /** Records `steps` (default 1) steps at the given noise and sample rate. */
  step(opts: { noiseMultiplier: number; sampleRate: number; steps?: number }): void;
  /** ε spent so far at this δ (0 before the first step). */
  getEpsilon(delta: number): number;
  /** The history, for a checkpoint. */
  stateDict(): { mechanism: string; history: MechanismPhase[] };
  /** Restores a history saved by stateDict(). */
  loadStateDict(state: { mechanism: string; history: MechanismPhase[] }): void;
}

abstract class PhaseAccountant {
  abstract readonly mechanism: 'rdp' | 'prv';
  protected phases: MechanismPhase[] = [];

  get history(): MechanismPhase[] {
    return this.phases.map((p) => ({ ...p }));
  }

  step(opts: { noiseMultiplier: number; sampleRate: number; steps?: number }): void {
    const steps = opts.steps ?? 1;
    const { noiseMultiplier, sampleRate } = opts;
    if (!(noiseMultiplier >= 0) || !Number.isFinite(noiseMultiplier)) throw new ArgumentError(`${this.constructor.name}.step: noiseMultiplier must be finite and >= 0, got ${noiseMultiplier}`);
    if (!(sampleRate >= 0 && sampleRate <= 1)) throw new ArgumentError(`${this.constructor.name}.step: sampleRate must be in [0, 1], got ${sampleRate}`);
    if (!(steps >= 1) || !Number.isInteger(steps)) throw new ArgumentError(`${this.constructor.name}.step: steps must be an integer >= 1, got ${steps}`);
    const last = this.phases[this.phases.length - 1];
    if (last && last.noiseMultiplier === noiseMultiplier && last.sampleRate === sampleRate) last.steps += steps;
    else this.phases.push({ noiseMultiplier, sampleRate, steps });
    this.changed();
  }

  /** Drops cached results after the history changes. */
  protected changed(): void {}

  stateDict(): { mechanism: string; history: MechanismPhase[] } {
    return { mechanism: this.mechanism, history: this.history };
  }

  loadStateDict(state: { mechanism: string; history: MechanismPhase[] }): void {
    if (!state || !Array.isArray(state.history)) throw new ArgumentError(`${this.constructor.name}.loadStateDict: expected { mechanism, history: [...] }`);
    this.phases = [];
    for (const p of state.history) this.step(p);
  }
}

/**
 * RDP accountant for the sampled Gaussian mechanism (Mironov et al. 2019), as Opacus's
 * `RDPAccountant`. `conversion: 'balle2020'` (default, Opacus ≥ 1.0) or `'classic'`
 * (TF-Privacy's tutorials and Opacus's older README numbers).
 * @example
 * const acc = new privacy.RdpAccountant({ conversion: 'classic' });
 * acc.step({ noiseMultiplier: 1.1, sampleRate: 256 / 60000, steps: 14040 });
 * acc.getEpsilon(1e-5); // ≈ 3.01, TF-Privacy's MNIST tutorial
 */
export class RdpAccountant extends PhaseAccountant implements Accountant {
  readonly mechanism = 'rdp' as const;
  readonly orders: readonly number[];
  readonly conversion: RdpConversion;
  private cache = new Map<string, number[]>();

  constructor(opts: { orders?: readonly number[]; conversion?: RdpConversion } = {}) {
    super();
    this.orders = opts.orders ?? DEFAULT_ORDERS;
    this.conversion = opts.conversion ?? 'balle2020';
    if (this.conversion !== 'balle2020' && this.conversion !== 'classic') throw new ArgumentError(`RdpAccountant: conversion must be 'balle2020' or 'classic', got '${this.conversion}'`);
  }

  /** The total RDP at each order. */
  getRdp(): number[] {
    const total = this.orders.map(() => 0);
    for (const p of this.phases) {
      // One-step RDP per (q, σ) is cached: the history grows one step at a time in training.
      const key = `${p.sampleRate}/${p.noiseMultiplier}`;
      let one = this.cache.get(key);
      if (!one) { one = computeRdp(p.sampleRate, p.noiseMultiplier, 1, this.orders); this.cache.set(key, one); }
      for (let k = 0; k < total.length; k++) total[k] += one[k] * p.steps;
    }
    return total;
  }

  /** ε and the best order. @example `acc.getPrivacySpent(1e-5)` // { epsilon, order } */
  getPrivacySpent(delta: number): { epsilon: number; order: number } {
    if (this.phases.length === 0) return { epsilon: 0, order: NaN };
    return rdpToEpsilon(this.orders, this.getRdp(), delta, this.conversion);
  }

  getEpsilon(delta: number): number {
    return this.getPrivacySpent(delta).epsilon;
  }
}

/**
 * PRV accountant (Gopi, Lee, Wutschitz 2021), as Opacus's `PRVAccountant`: tighter than RDP.
 * getEpsilon returns the upper bound (estimate + discretisation error), like Opacus.
 * @example
 * const acc = new privacy.PrvAccountant();
 * acc.step({ noiseMultiplier: 1.1, sampleRate: 256 / 60000, steps: 14040 });
 * acc.getEpsilon(1e-5); // ≈ 2.39
 */
export class PrvAccountant extends PhaseAccountant implements Accountant {
  readonly mechanism = 'prv' as const;
  readonly epsError: number;
  readonly deltaError?: number;
  private cache = new Map<number, { lower: number; estimate: number; upper: number }>();

  constructor(opts: { epsError?: number; deltaError?: number } = {}) {
    super();
    this.epsError = opts.epsError ?? 0.01;
    this.deltaError = opts.deltaError;
  }

  protected override changed(): void {
    this.cache.clear();
  }

  /** Lower bound, estimate and upper bound of ε. @example `acc.getEpsilonBounds(1e-5).estimate` */
  getEpsilonBounds(delta: number): { lower: number; estimate: number; upper: number } {
    let r = this.cache.get(delta);
    if (!r) {
      r = prvEpsilon(this.phases, delta, { epsError: this.epsError, deltaError: this.deltaError ?? delta / 1000 });
      this.cache.set(delta, r);
    }
    return r;
  }

  getEpsilon(delta: number): number {
    return this.getEpsilonBounds(delta).upper;
  }
}

/**
 * Makes an accountant by name. @example `createAccountant('prv')`
 */
export function createAccountant(mechanism: 'rdp' | 'prv' = 'rdp', opts: { conversion?: RdpConversion } = {}): Accountant {
  if (mechanism === 'rdp') return new RdpAccountant(opts);
  if (mechanism === 'prv') return new PrvAccountant();
  throw new ArgumentError(`createAccountant: mechanism must be 'rdp' or 'prv', got '${fmtArg(mechanism)}'`);
}

/**
 * The smallest noise multiplier (to `tolerance` in ε) that keeps `steps` steps (or
 * `epochs` epochs, steps = floor(epochs/sampleRate)) at sample rate `sampleRate` within
 * (targetEpsilon, delta), found by doubling then bisection as Opacus's get_noise_multiplier.
 * @example `noiseForTarget({ targetEpsilon: 3, delta: 1e-5, sampleRate: 256 / 60000, epochs: 60 })` // ≈ 1.0
 */
export function noiseForTarget(opts: {
  targetEpsilon: number; delta: number; sampleRate: number; steps?: number; epochs?: number;
  accountant?: 'rdp' | 'prv'; conversion?: RdpConversion; tolerance?: number;
}): number {
  const { targetEpsilon, delta, sampleRate } = opts;
  if ((opts.steps === undefined) === (opts.epochs === undefined)) throw new ArgumentError('noiseForTarget: give exactly one of steps and epochs');
  if (!(targetEpsilon > 0)) throw new ArgumentError(`noiseForTarget: targetEpsilon must be > 0, got ${targetEpsilon}`);
  const steps = opts.steps ?? Math.floor(opts.epochs! / sampleRate);
  const tolerance = opts.tolerance ?? 0.01;
  const eps = (sigma: number): number => {
    const acc = createAccountant(opts.accountant ?? 'rdp', { conversion: opts.conversion });
    acc.step({ noiseMultiplier: sigma, sampleRate, steps });
    return acc.getEpsilon(delta);
  };
  let lo = 0, hi = 10, epsHi = Infinity;
  while (epsHi > targetEpsilon) {
    hi *= 2;
    if (hi > 1e6) throw new ArgumentError(`noiseForTarget: ε = ${targetEpsilon} at δ = ${delta} is out of reach for ${steps} steps at sample rate ${sampleRate}`);
    epsHi = eps(hi);
  }
  while (targetEpsilon - epsHi > tolerance) {
    const mid = (lo + hi) / 2;
    const e = eps(mid);
    if (e < targetEpsilon) { hi = mid; epsHi = e; } else lo = mid;
  }
  return hi;
}
