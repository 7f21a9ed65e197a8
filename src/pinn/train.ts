/**
 * The PINN schedule in one call: Adam for a number of steps (optionally with
 * annealed loss weights), then full-batch L-BFGS with a strong-Wolfe line
 * search until it converges or runs out of iterations or time. Every step
 * sees every collocation point (full batch), as in Raissi et al. (2019).
 */
import { ArgumentError, fmtArg } from '../errors';
import { Module } from '../nn/module';
import { Adam } from '../optim/adam';
import { LBFGS } from '../optim/lbfgs';
import { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';
import type { Field, Term } from './conditions';
import { AnnealedWeights, weightOf, type LossWeights } from './weights';

/** The Adam phase of `pinn.train`: number of steps, learning rate (default 1e-3) and betas (default [0.9, 0.999]). @example `pinn.train(net, terms, { adam: { steps: 5000, lr: 1e-3 }, lbfgs: false })` */
export interface AdamPhase {
  /** Number of Adam steps. */
  steps: number;
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Adam's betas (default [0.9, 0.999]). */
  betas?: [number, number];
}

/** The full-batch L-BFGS phase of `pinn.train` (strong-Wolfe line search): iteration and evaluation budgets (maxEval default 1.25 maxIter, as PyTorch), history size, gradient and change tolerances, and lr. @example `pinn.train(net, terms, { adam: { steps: 2000 }, lbfgs: { maxIter: 5000, historySize: 50 } })` */
export interface LbfgsPhase {
  /** Most L-BFGS iterations in all. */
  maxIter: number;
  /** Most loss evaluations in all (default 1.25 maxIter, as PyTorch). */
  maxEval?: number;
  /** (s, y) pairs kept (default 50). */
  historySize?: number;
  /** Stop when max |gradient| is at most this (default 1e-12). */
  toleranceGrad?: number;
  /** Stop when the loss or the step changes by less than this (default 1e-16, about float64's epsilon as Raissi's ftol). */
  toleranceChange?: number;
  /** L-BFGS lr (default 1). */
  lr?: number;
  /**
   * When L-BFGS stops on a tolerance before its budget (the line search found no decrease, or the
   * loss or step changed by less than toleranceChange), start it again from the current point with
   * an empty history, up to this many times (default 0). A stale curvature history is a common
   * cause of such stalls on PINN losses; a fresh one takes a gradient step and rebuilds it.
   * A restart that does not lower the loss ends the phase.
   */
  restarts?: number;
}

/** One line of the training log. */
export interface TrainLogEntry {
  phase: 'adam' | 'lbfgs';
  /** Adam step or L-BFGS iteration reached. */
  iteration: number;
  /** The weighted total loss. */
  loss: number;
  /** Each term's unweighted loss. */
  terms: Record<string, number>;
  /** The weights used. */
  weights: Record<string, number>;
  /** Seconds since train() started (on the chosen clock). */
  seconds: number;
}

/** Options of `pinn.train`: the trainable tensors (and extra ones such as an inverse problem's unknown coefficients), the Adam and L-BFGS phases (false skips one), the term weights (fixed or `AnnealedWeights`), logging, and a time limit on the wall or CPU clock. @example `pinn.train(net, [pde, ic, bc], { adam: { steps: 5000 }, lbfgs: { maxIter: 10000 }, logEvery: 500, onLog: (e) => console.log(e.phase, e.iteration, e.loss) })` */
export interface TrainOptions {
  /** Trainable tensors (default: the model's parameters when it is a Module) ... */
  params?: Tensor[];
  /** ... plus these (e.g. the unknown coefficients of an inverse problem). */
  extraParams?: Tensor[];
  /** The Adam phase, or false to skip it. */
  adam?: AdamPhase | false;
  /** The L-BFGS phase, or false to skip it. */
  lbfgs?: LbfgsPhase | false;
  /** Term weights: fixed by name (missing = 1), or AnnealedWeights. */
  weights?: LossWeights;
  /** Log every this many Adam steps / L-BFGS iterations (default 100). */
  logEvery?: number;
  /** Called with each log line. */
  onLog?: (entry: TrainLogEntry) => void;
  /** Stop either phase once this many seconds have passed since the call began. */
  timeLimit?: number;
  /**
   * What timeLimit and the logged seconds count: 'wall' (default) or 'cpu', this process's
   * user + system CPU time (on a shared, loaded machine the unloaded-equivalent time).
   */
  clock?: 'wall' | 'cpu';
}

/** What `pinn.train` returns: the log history, the Adam steps and L-BFGS iterations/evaluations done, the time in each phase, the final weighted loss and weights, and why L-BFGS stopped. @example `const r = pinn.train(net, terms, opts); console.log(r.loss, r.lbfgsStop, r.adamSeconds + r.lbfgsSeconds)` */
export interface TrainResult {
  history: TrainLogEntry[];
  adamSteps: number;
  lbfgsIterations: number;
  lbfgsEvaluations: number;
  adamSeconds: number;
  lbfgsSeconds: number;
  /** The final weighted loss. */
  loss: number;
  /** The final term weights. */
  weights: Record<string, number>;
  /** L-BFGS restarts with an empty history (see LbfgsPhase.restarts). */
  lbfgsRestarts: number;
  /** Why L-BFGS stopped: 'converged' (a tolerance), 'maxIter', 'maxEval', 'timeLimit', or 'skipped'. */
  lbfgsStop: 'converged' | 'maxIter' | 'maxEval' | 'timeLimit' | 'skipped';
}

function checkTerms(terms: Term[]): void {
  if (!Array.isArray(terms) || terms.length === 0) throw new ArgumentError('pinn.train: terms must be a non-empty array of loss terms');
  const names = new Set<string>();
  for (const [i, t] of terms.entries()) {
    if (!t || typeof t.loss !== 'function' || typeof t.name !== 'string') throw new ArgumentError(`pinn.train: terms[${i}] is not a loss term (name and loss(model))`);
    if (names.has(t.name)) throw new ArgumentError(`pinn.train: two terms are named '${t.name}'; give each a distinct name`);
    names.add(t.name);
  }
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ArgumentError(`pinn.train: ${name} must be a non-negative integer, got ${fmtArg(v)}`);
  return v;
}

/**
 * Trains model on the weighted sum of the terms: Adam, then L-BFGS (strong Wolfe, full batch).
 * @example `const result = pinn.train(net, [pde, bc, ic], { adam: { steps: 2000, lr: 1e-3 }, lbfgs: { maxIter: 5000 } })`
 */
export function train(model: Field, terms: Term[], opts: TrainOptions = {}): TrainResult {
  checkTerms(terms);
  const own = opts.params ?? (model instanceof Module ? model.parameters() : []);
  const params = [...own, ...(opts.extraParams ?? [])];
  if (params.length === 0) throw new ArgumentError('pinn.train: nothing to train; pass a Module or params');
  const logEvery = positiveInt('logEvery', opts.logEvery ?? 100) || 100;
  if (opts.clock !== undefined && opts.clock !== 'wall' && opts.clock !== 'cpu') throw new ArgumentError(`pinn.train: clock must be 'wall' or 'cpu', got ${fmtArg(opts.clock)}`);
  const now = opts.clock === 'cpu' ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
  const start = now();
  const elapsed = (): number => (now() - start) / 1000;
  const outOfTime = (): boolean => opts.timeLimit !== undefined && elapsed() >= opts.timeLimit;
  const history: TrainLogEntry[] = [];
  const currentWeights = (): Record<string, number> => Object.fromEntries(terms.map((t) => [t.name, weightOf(opts.weights, t.name)]));

  /** The weighted total and each term's value; annealing (when due) updates the weights first. */
  const objective = (anneal: boolean): { total: Tensor; terms: Map<string, Tensor> } => {
    const losses = new Map<string, Tensor>(terms.map((t) => [t.name, t.loss(model)]));
    if (anneal && opts.weights instanceof AnnealedWeights) opts.weights.update(losses, params);
    let total: Tensor | null = null;
    for (const [name, l] of losses) {
      const w = weightOf(opts.weights, name);
      const wl = w === 1 ? l : l.mul(w);
      total = total ? total.add(wl) : wl;
    }
    return { total: total!, terms: losses };
  };
  const log = (phase: 'adam' | 'lbfgs', iteration: number, loss: number, termValues: Record<string, number>): void => {
    const entry: TrainLogEntry = { phase, iteration, loss, terms: termValues, weights: currentWeights(), seconds: elapsed() };
    history.push(entry);
    opts.onLog?.(entry);
  };
  const valuesOf = (m: Map<string, Tensor>): Record<string, number> => Object.fromEntries([...m].map(([k, v]) => [k, v.item()]));

  let loss = Number.NaN;
  let adamSteps = 0;
  const adamStart = elapsed();
  if (opts.adam) {
    const steps = positiveInt('adam.steps', opts.adam.steps);
    const adam = new Adam(params, { lr: opts.adam.lr ?? 1e-3, betas: opts.adam.betas ?? [0.9, 0.999] });
    const every = opts.weights instanceof AnnealedWeights ? opts.weights.every : 0;
    while (adamSteps < steps && !outOfTime()) {
      const due = every > 0 && adamSteps % every === 0;
      tidy(() => {
        adam.zeroGrad();
        const { total, terms: t } = objective(due);
        total.backward();
        adam.step();
        loss = total.item();
        adamSteps++;
        if (adamSteps % logEvery === 0 || adamSteps === steps) log('adam', adamSteps, loss, valuesOf(t));
      });
    }
  }
  const adamSeconds = elapsed() - adamStart;

  let lbfgsIterations = 0, lbfgsEvaluations = 0, lbfgsRestarts = 0;
  let lbfgsStop: TrainResult['lbfgsStop'] = 'skipped';
  const lbfgsStart = elapsed();
  if (opts.lbfgs) {
    const o = opts.lbfgs;
    const maxIter = positiveInt('lbfgs.maxIter', o.maxIter);
    const maxEval = o.maxEval ?? Math.floor((maxIter * 5) / 4);
    const restarts = positiveInt('lbfgs.restarts', o.restarts ?? 0);
    const makeLbfgs = (): LBFGS => new LBFGS(params, {
      lr: o.lr ?? 1, historySize: o.historySize ?? 50, toleranceGrad: o.toleranceGrad ?? 1e-12,
      toleranceChange: o.toleranceChange ?? 1e-16, lineSearchFn: 'strongWolfe', maxIter: logEvery, maxEval: Number.MAX_SAFE_INTEGER,
    });
    let lbfgs = makeLbfgs();
    let lossAtRestart = Number.POSITIVE_INFINITY;
    const closure = (): number => tidy(() => {
      lbfgs.zeroGrad();
      const { total } = objective(false);
      total.backward();
      lbfgsEvaluations++;
      return total.item();
    });
    const state = (): number => (lbfgs.state.get(params[0])?.nIter as number | undefined) ?? 0;
    lbfgsStop = 'maxIter';
    while (lbfgsIterations < maxIter) {
      if (outOfTime()) {
        lbfgsStop = 'timeLimit';
        break;
      }
      if (lbfgsEvaluations >= maxEval) {
        lbfgsStop = 'maxEval';
        break;
      }
      const chunk = Math.min(logEvery, maxIter - lbfgsIterations);
      lbfgs.paramGroups[0].maxIter = chunk;
      lbfgs.paramGroups[0].maxEval = Math.max(1, maxEval - lbfgsEvaluations);
      const before = state();
      const evalsBefore = lbfgsEvaluations;
      lbfgs.step(closure);
      const done = state() - before;
      lbfgsIterations += done;
      // The closure's last value is the loss at the point L-BFGS kept only when the line search
      // ended on it; evaluate once more for an exact log line.
      const current = tidy(() => {
        const o = objective(false);
        return { total: o.total.item(), terms: valuesOf(o.terms) };
      });
      loss = current.total;
      log('lbfgs', lbfgsIterations, loss, current.terms);
      const exhausted = lbfgsEvaluations - evalsBefore >= lbfgs.paramGroups[0].maxEval;
      if (done < chunk && !exhausted) {
        // Stopped on a tolerance: restart with an empty history while restarts keep lowering the loss.
        if (lbfgsRestarts < restarts && loss < lossAtRestart) {
          lbfgsRestarts++;
          lossAtRestart = loss;
          // The old history's vectors are kept tensors (outside tidy): free them.
          for (const st of lbfgs.state.values()) {
            for (const v of Object.values(st)) for (const x of Array.isArray(v) ? v : [v]) if (x instanceof Tensor && !x.isDisposed) x.dispose();
          }
          lbfgs = makeLbfgs();
          continue;
        }
        lbfgsStop = 'converged';
        break;
      }
    }
  }
  return {
    history, adamSteps, lbfgsIterations, lbfgsEvaluations, lbfgsRestarts, adamSeconds, lbfgsSeconds: elapsed() - lbfgsStart, loss,
    weights: currentWeights(), lbfgsStop,
  };
}
