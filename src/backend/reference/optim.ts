/**
 * Fused optimizer updates, the definition of correct. Each follows PyTorch's
 * float ops one at a time: on float32 arrays every intermediate is rounded to
 * float32 (`r = Math.fround`), and the scalar hyper-parameters are rounded first,
 * as PyTorch does when a Python float meets a float tensor. The native kernels
 * (native/simd/optim_loops.h) run the same sequence and may contract a*b+c into
 * an FMA, so the two agree to float rounding.
 */
import type { AdamKernelOptions, RmspropKernelOptions, SgdKernelOptions } from '../backend';
import type { FloatArray } from '../../tensor/dtype';

type Round = (x: number) => number;
const same: Round = (x) => x;
const rounding = (a: FloatArray): Round => (a instanceof Float32Array ? Math.fround : same);

/**
 * SGD (torch.optim.SGD), per element:
 *   d = ±g (+ wd*p)
 *   buf = d on the buffer's first step, else momentum*buf + (1-dampening)*d
 *   d = nesterov ? d + momentum*buf : buf          (when momentum != 0)
 *   p = p + (-lr)*d
 */
export function sgdStep(params: FloatArray[], grads: FloatArray[], momentumBuffers: FloatArray[] | null,
  fresh: Uint8Array | null, o: SgdKernelOptions): void {
  for (let t = 0; t < params.length; t++) {
    const p = params[t], g = grads[t], buf = momentumBuffers ? momentumBuffers[t] : null;
    const r = rounding(p);
    const sign = o.maximize ? -1 : 1, wd = r(o.weightDecay), negLr = r(-o.lr), mom = r(o.momentum), damp = r(1 - o.dampening);
    const isFresh = fresh !== null && fresh[t] !== 0;
    for (let i = 0; i < p.length; i++) {
      let d = sign * g[i];
      if (o.weightDecay !== 0) d = r(d + r(wd * p[i]));
      if (o.momentum !== 0) {
        const b = isFresh ? d : r(r(buf![i] * mom) + r(damp * d));
        buf![i] = b;
        d = o.nesterov ? r(d + r(mom * b)) : b;
      }
      p[i] = p[i] + r(negLr * d);
    }
  }
}

/**
 * Adam / AdamW (torch.optim.Adam, torch.optim.AdamW), per element:
 *   g = ±g (+ wd*p: Adam's L2 decay);  p = p*decay (AdamW: decay = 1 - lr*wd, else 1)
 *   m = beta1*m + (1-beta1)*g
 *   v = beta2*v + (1-beta2)*g*g
 *   amsgrad: vmax = max(vmax, v), used in place of v below
 *   p = p + (-stepSize)*m / (sqrt(v)/sqrt(1-beta2^t) + eps),   stepSize = lr/(1-beta1^t)
 */
export function adamStep(params: FloatArray[], grads: FloatArray[], expAvg: FloatArray[], expAvgSq: FloatArray[],
  maxExpAvgSq: FloatArray[] | null, stepSize: Float64Array, bias2Sqrt: Float64Array, o: AdamKernelOptions): void {
  for (let t = 0; t < params.length; t++) {
    const p = params[t], g = grads[t], m = expAvg[t], v = expAvgSq[t], vmax = maxExpAvgSq ? maxExpAvgSq[t] : null;
    const r = rounding(p);
    const sign = o.maximize ? -1 : 1, wd = r(o.weightDecay), decay = r(o.decay);
    const b1 = r(o.beta1), c1 = r(1 - o.beta1), b2 = r(o.beta2), c2 = r(1 - o.beta2);
    const eps = r(o.eps), negStep = r(-stepSize[t]), bc2 = r(bias2Sqrt[t]);
    for (let i = 0; i < p.length; i++) {
      let gi = sign * g[i];
      let pi = p[i];
      if (o.weightDecay !== 0) gi = r(gi + r(wd * pi));
      pi = r(pi * decay);
      const mi = r(r(m[i] * b1) + r(c1 * gi));
      let vi = r(r(v[i] * b2) + r(r(c2 * gi) * gi));
      m[i] = mi;
      v[i] = vi;
      if (vmax) {
        vi = vmax[i] > vi ? vmax[i] : vi;
        vmax[i] = vi;
      }
      const denom = r(r(r(Math.sqrt(vi)) / bc2) + eps);
      p[i] = pi + r(r(negStep * mi) / denom);
    }
  }
}

/**
 * RMSprop (torch.optim.RMSprop), per element:
 *   g = ±g (+ wd*p)
 *   sq = alpha*sq + (1-alpha)*g*g
 *   centered: ga = alpha*ga + (1-alpha)*g;  avg = sqrt(sq + (-1)*ga*ga)   else avg = sqrt(sq)
 *   avg = avg + eps
 *   momentum > 0: buf = momentum*buf + g/avg;  p = p + (-lr)*buf
 *   else:         p = p + (-lr)*g/avg
 */
export function rmspropStep(params: FloatArray[], grads: FloatArray[], squareAvg: FloatArray[], gradAvg: FloatArray[] | null,
  momentumBuffers: FloatArray[] | null, o: RmspropKernelOptions): void {
  for (let t = 0; t < params.length; t++) {
    const p = params[t], g = grads[t], sq = squareAvg[t];
    const ga = gradAvg ? gradAvg[t] : null, buf = momentumBuffers ? momentumBuffers[t] : null;
    const r = rounding(p);
    const sign = o.maximize ? -1 : 1, wd = r(o.weightDecay), negLr = r(-o.lr);
    const a = r(o.alpha), ca = r(1 - o.alpha), eps = r(o.eps), mom = r(o.momentum);
    for (let i = 0; i < p.length; i++) {
      let gi = sign * g[i];
      if (o.weightDecay !== 0) gi = r(gi + r(wd * p[i]));
      const sqi = r(r(sq[i] * a) + r(r(ca * gi) * gi));
      sq[i] = sqi;
      let avg: number;
      if (ga) {
        const gai = r(r(ga[i] * a) + r(ca * gi));
        ga[i] = gai;
        avg = r(Math.sqrt(r(sqi + r(r(-gai) * gai))));
      } else {
        avg = r(Math.sqrt(sqi));
      }
      avg = r(avg + eps);
      if (buf) {
        const b = r(r(buf[i] * mom) + r(gi / avg));
        buf[i] = b;
        p[i] = p[i] + r(negLr * b);
      } else {
        p[i] = p[i] + r(r(negLr * gi) / avg);
      }
    }
  }
}
