/**
 * L-BFGS (torch.optim.LBFGS): a quasi-Newton method for full-batch problems.
 * step(closure) runs up to maxIter iterations; the closure re-evaluates the loss
 * and calls backward. The vector work runs on one flat float64 copy of all
 * parameters and gradients (whatever the parameter dtype), in plain loops.
 *
 * Each iteration, with g the flat gradient:
 *   history: y = g - gPrev, s = t * d; kept when y.s > 1e-10 (at most historySize pairs), H0 = y.s / y.y
 *   direction (two-loop recursion): q = -g; for i newest..oldest: a_i = rho_i s_i.q, q -= a_i y_i
 *                                   r = H0 q; for i oldest..newest: b = rho_i y_i.r, r += (a_i - b) s_i;  d = r
 *   step length t: the first iteration min(1, 1/|g|_1) * lr, then lr; with lineSearchFn 'strongWolfe'
 *   a line search (cubic interpolation, c1 = 1e-4, c2 = 0.9, at most 25 evaluations) picks t
 *   x = x + t d
 * and it stops on maxIter, maxEval, max|g| <= toleranceGrad, max|t d| <= toleranceChange or
 * |f - fPrev| < toleranceChange.
 */
import { ArgumentError, fmtArg } from '../errors';
import { Tensor } from '../tensor/tensor';
import { keep, tidy } from '../tensor/tidy';
import { Optimizer, type BaseOptions, type Closure, type ParamGroupInput, type ParamState, type Params } from './optimizer';

/** L-BFGS's options (history size, iterations, line search). @example `new optim.LBFGS(params, { lineSearchFn: 'strongWolfe' })` */
export type LBFGSOptions = BaseOptions & {
  /** Iterations per step() (default 20). */
  maxIter: number;
  /** Function evaluations per step() (default floor(maxIter * 5 / 4)). */
  maxEval: number;
  /** Stop when max |gradient| is at most this (default 1e-7). */
  toleranceGrad: number;
  /** Stop when the loss or the parameters change by less than this (default 1e-9). */
  toleranceChange: number;
  /** Number of (s, y) pairs kept (default 100). */
  historySize: number;
  /** 'strongWolfe' for a line search, null for fixed steps of lr (default null). */
  lineSearchFn: 'strongWolfe' | null;
};

type Vec = Float64Array;

function dot(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Vec): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m || Number.isNaN(v)) m = v;
  }
  return m;
}

/** y += alpha x */
function axpy(alpha: number, x: Vec, y: Vec): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

const toNumber = (loss: number | Tensor): number => (loss instanceof Tensor ? loss.item() : Number(loss));

/**
 * Minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2,
 * clamped to bounds (default: the interval between the points); the midpoint
 * when the cubic has no minimum.
 */
function cubicMinimizer(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const disc = d1 * d1 - g1 * g2;
  if (disc < 0) return (lo + hi) / 2;
  const d2 = Math.sqrt(disc);
  const m = x1 <= x2
    ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return Math.min(Math.max(m, lo), hi);
}

interface Point { t: number; f: number; g: Vec; gtd: number }

/**
 * Strong-Wolfe line search along d from x (loss f, gradient g, slope gtd = g.d):
 * brackets a step satisfying f(t) <= f + c1 t gtd and |g(t).d| <= -c2 gtd, then
 * zooms in by cubic interpolation. Returns the chosen point and the evaluations used.
 */
function strongWolfe(evaluate: (t: number) => { f: number; g: Vec }, t0: number, d: Vec, f: number, g: Vec, gtd: number,
  toleranceChange: number, c1 = 1e-4, c2 = 0.9, maxLs = 25): { f: number; g: Vec; t: number; evals: number } {
  const dNorm = maxAbs(d);
  let t = t0;
  let cur = evaluate(t);
  let evals = 1;
  let gtdNew = dot(cur.g, d);
  let prev: Point = { t: 0, f, g: g.slice(), gtd };
  let bracket: Point[] = [];
  let done = false;
  let lsIter = 0;
  while (lsIter < maxLs) {
    const here: Point = { t, f: cur.f, g: cur.g, gtd: gtdNew };
    if (cur.f > f + c1 * t * gtd || (lsIter > 1 && cur.f >= prev.f)) {
      bracket = [prev, here];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      bracket = [here];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      bracket = [prev, here];
      break;
    }
    // Extrapolate: a cubic step between 1.01 t - 0.01 tPrev and 10 t.
    const next = cubicMinimizer(prev.t, prev.f, prev.gtd, t, cur.f, gtdNew, [t + 0.01 * (t - prev.t), t * 10]);
    prev = here;
    t = next;
    cur = evaluate(t);
    evals++;
    gtdNew = dot(cur.g, d);
    lsIter++;
  }
  if (lsIter === maxLs) bracket = [{ t: 0, f, g, gtd }, { t, f: cur.f, g: cur.g, gtd: gtdNew }];

  // Zoom: shrink the bracket [low, high] until a point satisfies both conditions.
  let insufficientProgress = false;
  let [low, high] = bracket.length === 1 || bracket[0].f <= bracket[bracket.length - 1].f ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1].t - bracket[0].t) * dNorm < toleranceChange) break;
    t = cubicMinimizer(bracket[0].t, bracket[0].f, bracket[0].gtd, bracket[1].t, bracket[1].f, bracket[1].gtd);
    // Keep t at least 10% of the bracket away from its ends when progress stalls.
    const bMax = Math.max(bracket[0].t, bracket[1].t), bMin = Math.min(bracket[0].t, bracket[1].t);
    const margin = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < margin) {
      if (insufficientProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - margin : bMin + margin;
        insufficientProgress = false;
      } else {
        insufficientProgress = true;
      }
    } else {
      insufficientProgress = false;
    }
    cur = evaluate(t);
    evals++;
    gtdNew = dot(cur.g, d);
    lsIter++;
    const here: Point = { t, f: cur.f, g: cur.g, gtd: gtdNew };
    if (cur.f > f + c1 * t * gtd || cur.f >= bracket[low].f) {
      bracket[high] = here;
      [low, high] = bracket[0].f <= bracket[1].f ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) done = true;
      else if (gtdNew * (bracket[high].t - bracket[low].t) >= 0) bracket[high] = bracket[low];
      bracket[low] = here;
    }
  }
  const best = bracket[low];
  return { f: best.f, g: best.g, t: best.t, evals };
}

export class LBFGS extends Optimizer<LBFGSOptions> {
  /** The flat state is float64 whatever the parameters' dtype. */
  protected override readonly castsStateToParamDtype = false;

  /**
   * @example `const opt = new optim.LBFGS([x], { lineSearchFn: 'strongWolfe' }); opt.step(() => { opt.zeroGrad(); const l = f(x); l.backward(); return l; })`
   */
  constructor(params: Params<LBFGSOptions>, options: Partial<LBFGSOptions> = {}) {
    const maxIter = options.maxIter ?? 20;
    super('LBFGS', params, {
      lr: 1, maxIter, maxEval: Number.isFinite(maxIter) ? Math.floor((maxIter * 5) / 4) : maxIter, toleranceGrad: 1e-7, toleranceChange: 1e-9,
      historySize: 100, lineSearchFn: null, clipNorm: null, clipValue: null, ...options,
    });
  }

  protected override checkOptions(o: LBFGSOptions, where: string): void {
    super.checkOptions(o, where);
    this.checkNumber(o.maxIter, 'maxIter', where, { min: 1, integer: true });
    this.checkNumber(o.maxEval, 'maxEval', where, { min: 1, integer: true });
    this.checkNumber(o.toleranceGrad, 'toleranceGrad', where, { min: 0 });
    this.checkNumber(o.toleranceChange, 'toleranceChange', where, { min: 0 });
    this.checkNumber(o.historySize, 'historySize', where, { min: 1, integer: true });
    if (o.lineSearchFn !== null && o.lineSearchFn !== 'strongWolfe') this.fail('lineSearchFn', "must be 'strongWolfe' or null", o.lineSearchFn, where);
  }

  /** LBFGS has one group only (as in PyTorch). */
  override addParamGroup(group: ParamGroupInput<LBFGSOptions>): void {
    if (this.paramGroups.length > 0) throw new ArgumentError("LBFGS: doesn't support per-parameter options (parameter groups); pass one list of tensors");
    super.addParamGroup(group);
  }

  private get params(): Tensor[] {
    return this.paramGroups[0].params;
  }

  private numel(): number {
    return this.params.reduce((n, p) => n + p.size, 0);
  }

  /** All gradients in one float64 vector (zeros for a parameter without one), after per-parameter clipping. */
  private gatherFlatGrad(): Vec {
    const out = new Float64Array(this.numel());
    const group = this.paramGroups[0];
    tidy(() => {
      let offset = 0;
      for (const p of this.params) {
        if (p.grad !== null) {
          if (p.grad.size !== p.size) throw new ArgumentError(`LBFGS: a parameter is ${p.describe()} but its gradient is ${p.grad.describe()}`);
          out.set(this.clipped(p.grad, group).values, offset);
        }
        offset += p.size;
      }
    });
    return out;
  }

  /** p += t * d (slice of d per parameter), in place. */
  private addToParams(t: number, d: Vec): void {
    let offset = 0;
    for (const p of this.params) {
      const v = p.values;
      for (let i = 0; i < v.length; i++) v[i] += t * d[offset + i];
      offset += v.length;
      p.storage.version++;
    }
  }

  private flatParams(): Vec {
    const out = new Float64Array(this.numel());
    let offset = 0;
    for (const p of this.params) {
      out.set(p.values, offset);
      offset += p.size;
    }
    return out;
  }

  private setParams(x: Vec): void {
    let offset = 0;
    for (const p of this.params) {
      p.values.set(x.subarray(offset, offset + p.size));
      offset += p.size;
      p.storage.version++;
    }
  }

  /**
   * Runs up to maxIter L-BFGS iterations; returns the loss of the first closure call.
   * @example `opt.step(() => { opt.zeroGrad(); const loss = f(x); loss.backward(); return loss; })`
   */
  step(closure?: Closure): number | Tensor | undefined {
    if (typeof closure !== 'function') throw new ArgumentError(`LBFGS.step: needs a closure that re-evaluates the loss and calls backward, got ${fmtArg(closure)}`);
    const group = this.paramGroups[0];
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn } = group;
    // Global state, stored on the first parameter as PyTorch does (so stateDict carries it).
    const state = this.stateOf(this.params[0]);
    state.funcEvals ??= 0;
    state.nIter ??= 0;

    const origLoss = this.evaluate(closure)!;
    let loss = toNumber(origLoss);
    let currentEvals = 1;
    (state.funcEvals as number)++;
    let flatGrad = this.gatherFlatGrad();
    let optimal = maxAbs(flatGrad) <= toleranceGrad;
    if (optimal) return origLoss;

    const vec = (v: unknown): Vec | null => (v instanceof Tensor ? (v.values instanceof Float64Array ? v.values : Float64Array.from(v.values)) : null);
    let d = vec(state.d);
    let t = typeof state.t === 'number' ? state.t : lr;
    let oldDirs = Array.isArray(state.oldDirs) ? (state.oldDirs as Tensor[]).map((x) => vec(x)!) : [];
    let oldStps = Array.isArray(state.oldStps) ? (state.oldStps as Tensor[]).map((x) => vec(x)!) : [];
    let ro = Array.isArray(state.ro) ? (state.ro as number[]).slice() : [];
    let hDiag = typeof state.hDiag === 'number' ? state.hDiag : 1;
    let prevFlatGrad = vec(state.prevFlatGrad);
    let prevLoss = typeof state.prevLoss === 'number' ? state.prevLoss : loss;

    let nIter = 0;
    while (nIter < maxIter) {
      nIter++;
      state.nIter = (state.nIter as number) + 1;

      // Direction.
      if (state.nIter === 1 || d === null || prevFlatGrad === null) {
        d = flatGrad.map((x) => -x);
        oldDirs = [];
        oldStps = [];
        ro = [];
        hDiag = 1;
      } else {
        const y = flatGrad.map((x, i) => x - prevFlatGrad![i]);
        const s = d.map((x) => x * t);
        const ys = dot(y, s);
        if (ys > 1e-10) {
          if (oldDirs.length === historySize) {
            oldDirs.shift();
            oldStps.shift();
            ro.shift();
          }
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(1 / ys);
          hDiag = ys / dot(y, y);
        }
        const al = new Array<number>(oldDirs.length);
        const q = flatGrad.map((x) => -x);
        for (let i = oldDirs.length - 1; i >= 0; i--) {
          al[i] = dot(oldStps[i], q) * ro[i];
          axpy(-al[i], oldDirs[i], q);
        }
        for (let i = 0; i < q.length; i++) q[i] *= hDiag;
        for (let i = 0; i < oldDirs.length; i++) {
          const be = dot(oldDirs[i], q) * ro[i];
          axpy(al[i] - be, oldStps[i], q);
        }
        d = q;
      }
      if (prevFlatGrad === null) prevFlatGrad = flatGrad.slice();
      else prevFlatGrad.set(flatGrad);
      prevLoss = loss;

      // Step length.
      if (state.nIter === 1) {
        let l1 = 0;
        for (let i = 0; i < flatGrad.length; i++) l1 += Math.abs(flatGrad[i]);
        t = Math.min(1, 1 / l1) * lr;
      } else {
        t = lr;
      }
      const gtd = dot(flatGrad, d);
      if (gtd > -toleranceChange) break;

      let lsEvals = 0;
      if (lineSearchFn === 'strongWolfe') {
        const x0 = this.flatParams();
        const dir = d;
        const r = strongWolfe((step) => {
          this.addToParams(step, dir);
          const f = toNumber(this.evaluate(closure)!);
          const g = this.gatherFlatGrad();
          this.setParams(x0);
          return { f, g };
        }, t, d, loss, flatGrad, gtd, toleranceChange);
        loss = r.f;
        flatGrad = r.g;
        t = r.t;
        lsEvals = r.evals;
        this.addToParams(t, d);
        optimal = maxAbs(flatGrad) <= toleranceGrad;
      } else {
        this.addToParams(t, d);
        if (nIter !== maxIter) {
          // Re-evaluate except on the last iteration (stochastic settings gain nothing from it).
          loss = toNumber(this.evaluate(closure)!);
          flatGrad = this.gatherFlatGrad();
          optimal = maxAbs(flatGrad) <= toleranceGrad;
          lsEvals = 1;
        }
      }
      currentEvals += lsEvals;
      state.funcEvals = (state.funcEvals as number) + lsEvals;

      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optimal) break;
      if (maxAbs(d) * Math.abs(t) <= toleranceChange) break;
      if (Math.abs(loss - prevLoss) < toleranceChange) break;
    }

    // Vectors carried over from the state keep their tensors; new ones get a tensor each.
    const held = new Map<unknown, Tensor>();
    for (const v of Object.values(state)) {
      if (v instanceof Tensor) held.set(v.values, v);
      else if (Array.isArray(v)) for (const x of v) if (x instanceof Tensor) held.set(x.values, x);
    }
    const wrap = (v: Vec): Tensor => held.get(v) ?? keep(Tensor.fromData(v, [v.length], 'float64'));
    this.saveState(state, {
      d: d ? wrap(d) : null, t, oldDirs: oldDirs.map(wrap), oldStps: oldStps.map(wrap), ro, hDiag,
      prevFlatGrad: prevFlatGrad ? wrap(prevFlatGrad) : null, prevLoss,
    });
    return origLoss;
  }

  /** Replaces the flat-vector entries of the state, disposing the tensors no longer held. */
  private saveState(state: ParamState, next: ParamState): void {
    const kept = new Set<Tensor>();
    for (const v of Object.values(next)) {
      if (v instanceof Tensor) kept.add(v);
      else if (Array.isArray(v)) for (const x of v) if (x instanceof Tensor) kept.add(x);
    }
    for (const k of Object.keys(next)) {
      const old = state[k];
      const olds = old instanceof Tensor ? [old] : Array.isArray(old) ? old.filter((x): x is Tensor => x instanceof Tensor) : [];
      for (const o of olds) if (!kept.has(o) && !o.isDisposed) o.dispose();
      state[k] = next[k];
    }
  }
}
